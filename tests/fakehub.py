"""A fake Hugging Face Hub, its file CDN and a fake ModelScope on 127.0.0.1.

It answers as the real services do where our code could be fooled (sources in
docs/ingest.md), not as our client expects:

* ``GET /api/models?sort=&limit=&expand=...`` -> JSON list sorted **descending**
  (``direction`` is ignored, as the Hub ignores it), next page in ``Link: <URL>;
  rel="next"`` with a **keyset** cursor (the last item's sort key: a model whose
  rank moves during a crawl can be seen twice or missed, as on the Hub). An
  ``expand`` name outside huggingface_hub's ``ExpandModelProperty_T`` -> 400; a
  ``limit`` above ``max_limit`` -> 400. ``X-Total-Count`` only when
  ``send_total`` (no current official client reads it).
* ``GET /api/models/{id}?blobs=true&securityStatus=true`` -> full ModelInfo:
  siblings with ``size``, ``blobId``, ``lfs: {size, sha256, pointerSize}``,
  ``securityRepoStatus``. A missing repo -> **401** without a token, 404 with one,
  both with ``X-Error-Code: RepoNotFound`` (``bare_401`` drops the headers). A
  renamed repo -> 307 to its new id (relative ``Location``). A disabled repo ->
  403 ``X-Error-Message: Access to this resource is disabled.``. A token outside
  ``valid_tokens`` -> 401 ``Invalid credentials in Authorization header``.
* ``GET /api/models/{id}/tree/{rev}?recursive=&expand=`` -> entries (``type``,
  ``path``, ``size``, ``oid``, ``lfs: {oid, size, pointerSize}``, with ``expand``
  ``securityFileStatus``), 50 per page with ``expand``, ``Link`` paging.
* ``GET /{id}/resolve/{rev}/{path}`` with ``Range`` -> 206 for small files; LFS
  files (``.safetensors``, ``.gguf``, ``.bin``) redirect (302) to the CDN server on
  another port. Gated repos -> 401/403 ``X-Error-Code: GatedRepo``.
* ModelScope: ``GET /openapi/v1/models?owner=&sort=&page_number=&page_size=`` ->
  ``{"success", "data": {"models", "total_count"}}`` with snake_case records, at most
  ``ms_page_max`` (50) per page whatever is asked, 400 when ``page_number *
  page_size > 3000``; and the older ``PUT /api/v1/dolphin/models`` (PascalCase,
  ``Data.Model.Models``/``TotalCount``, at most ``dolphin_page_max`` per page).

The real Hub's createdAt placeholder ``2022-03-02T23:29:04.000Z`` is the creation
date of every 13th model. Faults (``Faults``): a share of requests answered with
429 + ``Retry-After``, 408/500/502/503, a TCP reset, a slow answer, a truncated
JSON body or a cut one; pages that always fail; malformed records in every
listing. ``ground_truth`` is what a correct crawl must end with.
"""

from __future__ import annotations

import base64
import bisect
import datetime as dt
import hashlib
import io
import json
import random
import re
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

FAULT_KINDS = ("429", "408", "500", "502", "503", "reset", "slow", "truncated", "cut")
DEFAULT_FIELDS = ("likes", "downloads", "tags", "pipeline_tag", "library_name", "createdAt",
                  "private")
# huggingface_hub hf_api.py ExpandModelProperty_T: the names the Hub accepts.
EXPANDABLE = frozenset({
    "author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt",
    "disabled", "downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference",
    "inferenceProviderMapping", "lastModified", "library_name", "likes", "mask_token",
    "model-index", "pipeline_tag", "private", "resourceGroup", "safetensors", "sha",
    "siblings", "spaces", "tags", "transformersInfo", "trendingScore", "usedStorage",
    "widgetData", "xetEnabled",
})
NUMERIC_SORTS = ("downloads", "likes", "trendingScore")
PLACEHOLDER_CREATED = "2022-03-02T23:29:04.000Z"
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
DISABLED = "Access to this resource is disabled."
LFS_SUFFIXES = (".safetensors", ".gguf", ".bin")
MS_PAGE_MAX = 50
MS_DEPTH_CAP = 3000


@dataclass
class Faults:
    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 1
    retry_after: str = "2"
    slow_seconds: float = 0.2
    fail_pages: set[int] = field(default_factory=set)  # listing pages that always answer 503
    fail_all: bool = False
    script: list[str] = field(default_factory=list)  # faults for the next requests, in order
    delay: float = 0.0  # added to every answer (spreads a run out for kill tests)
    link_base: str | None = None  # write next links on another host (must be refused)
    fail_models: set[str] = field(default_factory=set)  # model details that always answer 503


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def make_models(n: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n`` Hub-like ModelInfo records (deterministic)."""
    rng = random.Random(seed)
    base = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
    out = []
    for i in range(n):
        org = f"org{i % 97}"
        mid = f"{org}/model-{i}"
        created = base + dt.timedelta(minutes=37 * i)
        modified = created + dt.timedelta(days=rng.randint(0, 600))
        tags = ["transformers", "safetensors", f"license:{rng.choice(['mit', 'apache-2.0'])}"]
        card: dict[str, Any] = {"license": tags[-1].split(":", 1)[1]}
        base_models = None
        if i % 5 == 0 and i > 0:
            parent = f"org{(i // 2) % 97}/model-{i // 2}"
            tags.append(f"base_model:finetune:{parent}")
            card["base_model"] = parent
            base_models = {"relation": "finetune", "models": [{"id": parent}]}
        if i % 11 == 0:
            tags.append("gguf")
        weights = 2_000_000 * (i % 70 + 1)
        siblings: list[dict[str, Any]] = [
            {"rfilename": "config.json", "size": 700, "blobId": _sha(f"{mid}/config")[:40]},
            {"rfilename": "model.safetensors", "size": weights,
             "blobId": _sha(f"{mid}/weights-pointer")[:40],
             "lfs": {"size": weights, "sha256": _sha(f"{mid}/weights"), "pointerSize": 135}},
        ]
        if i % 17 == 0:
            siblings.append({"rfilename": "onnx/model.onnx", "size": 4096,
                             "blobId": _sha(f"{mid}/onnx")[:40]})
            siblings.append({"rfilename": "pytorch_model.bin", "size": weights,
                             "blobId": _sha(f"{mid}/bin-pointer")[:40],
                             "lfs": {"size": weights, "sha256": _sha(f"{mid}/bin"),
                                     "pointerSize": 134}})
        rec: dict[str, Any] = {
            "_id": f"{i:024x}",
            "id": mid,
            "modelId": mid,
            "author": org,
            "createdAt": (PLACEHOLDER_CREATED if i % 13 == 0 else
                          created.isoformat().replace("+00:00", ".000Z")),
            "lastModified": modified.isoformat().replace("+00:00", ".000Z"),
            "downloads": rng.randint(0, 5_000_000) if i % 3 else rng.randint(0, 50),
            "downloadsAllTime": rng.randint(5_000_000, 90_000_000),
            "likes": rng.randint(0, 5000),
            "trendingScore": rng.randint(0, 300),
            "usedStorage": weights + 700,
            "childrenModelCount": rng.randint(0, 40),
            "tags": tags,
            "pipeline_tag": rng.choice(["text-generation", "feature-extraction", None]),
            "library_name": "transformers",
            "gated": rng.choice([False, False, "auto", "manual"]),
            "private": False,
            "disabled": False,
            "cardData": card,
            "safetensors": {"parameters": {"BF16": 1_000_000 * (i % 70 + 1)},
                            "total": 1_000_000 * (i % 70 + 1)},
            "sha": f"{i:040x}",
            "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            "siblings": siblings,
        }
        if base_models is not None:
            rec["baseModels"] = base_models
        if i % 11 == 0:
            rec["gguf"] = {"total": 1_000_000 * (i % 70 + 1), "architecture": "llama",
                           "context_length": 32768}
        out.append(rec)
    return out


MALFORMED: list[Any] = [
    {"_id": "bad1", "id": "has space/model", "downloads": 3, "likes": 1, "tags": []},
    {"_id": "bad2", "id": "org1/countless", "downloads": "lots", "likes": 1, "tags": []},
    {"_id": "bad3", "downloads": 5, "likes": 0, "tags": []},
    "not an object",
]


def make_ms_models(n: int, seed: int = 11, owners: int = 31,
                   prefix: str = "msorg") -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = 1_650_000_000 + 3600 * i
        out.append({
            "Path": f"{prefix}{i % owners}", "Name": f"ms-model-{i}", "ChineseName": f"模型{i}",
            "CreatedBy": f"user{i % 7}", "Downloads": rng.randint(1, 9_000_000),
            "Stars": rng.randint(1, 900), "CreatedTime": created,
            "LastUpdatedTime": created + rng.randint(0, 10**7),
            "License": rng.choice(["Apache License 2.0", "MIT", "other"]),
            "Tags": ["qwen", "chat"] if i % 2 else [],
            "Tasks": [{"Name": "text-generation", "ChineseName": "文本生成"}],
            "Frameworks": ["pytorch"],
        })
    return out


def make_quiet_ms_models(n: int, owner: str = "quietorg") -> list[dict[str, Any]]:
    """Models no sweep reaches: no downloads, no stars, the oldest update times."""
    return [{"Path": owner, "Name": f"quiet-{i}", "Downloads": 0, "Stars": 0,
             "CreatedTime": 1_500_000_000 + i, "LastUpdatedTime": 1_500_000_000 + i,
             "License": "MIT", "Tags": [], "Tasks": [], "Frameworks": []} for i in range(n)]


MS_MALFORMED: list[Any] = [
    {"Path": "", "Name": "nameless-owner", "Downloads": 1},
    {"Path": "msorg1", "Name": "bad-count", "Downloads": "many", "Stars": 1},
]


def ms_openapi_record(m: Any) -> Any:
    """The openapi (snake_case) view of a PascalCase record, as modelscope_hub reads it."""
    if not isinstance(m, dict):
        return m

    def iso(t: Any) -> Any:  # seconds or milliseconds, as modelscope_hub _coerce_datetime
        if not isinstance(t, int):
            return t
        secs = t / 1000 if t > 10**12 else t
        return dt.datetime.fromtimestamp(secs, dt.UTC).isoformat().replace("+00:00", "Z")

    out: dict[str, Any] = {"id": f"{m.get('Path', '')}/{m.get('Name', '')}"}
    pairs = (("ChineseName", "display_name"), ("Downloads", "downloads"), ("Stars", "likes"),
             ("License", "license"), ("Tags", "tags"))
    for old, new in pairs:
        if old in m:
            out[new] = m[old]
    if "CreatedTime" in m:
        out["created_at"] = iso(m["CreatedTime"])
    if "LastUpdatedTime" in m:
        out["last_modified"] = iso(m["LastUpdatedTime"])
    if "Tasks" in m:
        out["tasks"] = [t["Name"] if isinstance(t, dict) else t for t in m["Tasks"]]
    if m.get("Frameworks"):
        out["library"] = m["Frameworks"][0]
    return out


def ground_truth(models: list[dict[str, Any]]) -> dict[str, tuple[int, int, list[str]]]:
    return {m["id"]: (m["downloads"], m["likes"], list(m["tags"])) for m in models}


def ms_ground_truth(models: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {f"{m['Path']}/{m['Name']}": (m["Downloads"], m["Stars"]) for m in models}


def safetensors_bytes(header: dict[str, Any], payload: int = 64) -> bytes:
    """A small safetensors file: 8-byte little-endian header length, JSON, data."""
    h = json.dumps(header).encode()
    return struct.pack("<Q", len(h)) + h + b"\0" * payload


class _Reset(Exception):
    pass


class _QuietServer(ThreadingHTTPServer):
    """Clients that vanish mid-answer (killed crawlers, timeouts) are expected here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


def _b64(obj: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def _unb64(text: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


class FakeHub:
    """Start with ``start()`` (returns the base URL), stop with ``stop()``."""

    def __init__(self, models: list[dict[str, Any]] | None = None, *,
                 malformed: list[Any] | None = None,
                 ms_models: list[dict[str, Any]] | None = None,
                 ms_malformed: list[Any] | None = None,
                 faults: Faults | None = None,
                 send_total: bool = False,
                 max_limit: int = 1000,
                 renamed: dict[str, str] | None = None,
                 gated: set[str] | None = None,
                 disabled: set[str] | None = None,
                 valid_tokens: set[str] | None = None,
                 bare_401: bool = False,
                 files: dict[tuple[str, str], bytes] | None = None,
                 ms_openapi: bool = True,
                 ms_page_max: int = MS_PAGE_MAX,
                 dolphin_page_max: int = 100) -> None:
        self.models = models or []
        self.malformed = list(MALFORMED if malformed is None else malformed)
        self.ms_models = ms_models or []
        self.ms_malformed = list(MS_MALFORMED if ms_malformed is None else ms_malformed)
        self.faults = faults or Faults()
        self.send_total = send_total
        self.max_limit = max_limit
        self.renamed = dict(renamed or {})
        self.gated = set(gated or ())
        self.disabled = set(disabled or ())
        self.valid_tokens = valid_tokens
        self.bare_401 = bare_401
        self.files = dict(files or {})
        self.ms_openapi = ms_openapi
        self.ms_page_max = ms_page_max
        self.dolphin_page_max = dolphin_page_max
        self.by_id = {m["id"]: m for m in self.models}
        self._orders: dict[Any, Any] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.cdn_requests: list[tuple[str, dict[str, str]]] = []
        self.faults_served: dict[str, int] = {}
        self._servers: list[ThreadingHTTPServer] = []
        self.base = ""
        self.cdn_base = ""

    # -- lifecycle ----------------------------------------------------------------------

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> str:
        server = _QuietServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        self._servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    def start(self) -> str:
        hub = self

        class Handler(_Handler):
            fake = hub

        class Cdn(_CdnHandler):
            fake = hub

        self.cdn_base = self._serve(Cdn)
        self.base = self._serve(Handler)
        return self.base

    def stop(self) -> None:
        for s in self._servers:
            s.shutdown()
            s.server_close()
        self._servers = []

    def changed(self) -> None:
        """Call after editing ``models`` in place: listings are re-sorted."""
        with self._lock:
            self._orders.clear()
            self.by_id = {m["id"]: m for m in self.models}

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    # -- data ---------------------------------------------------------------------------

    def order(self, sort: str) -> tuple[list[tuple[Any, str]], list[Any]]:
        """(keys, entries) ascending by (sort value, id); pages are read from the end.
        Malformed records get a key just above a neighbour, so they sit in the listing."""
        with self._lock:
            if sort not in self._orders:
                numeric = sort in NUMERIC_SORTS

                def value(m: dict[str, Any]) -> Any:
                    v = m.get(sort) if sort != "_id" else ""
                    if numeric:
                        return v if isinstance(v, int) else 0
                    return v if isinstance(v, str) else ""

                ranked = sorted(((value(m), m["id"]), m) for m in self.models)
                keys = [k for k, _ in ranked]
                entries: list[Any] = [m for _, m in ranked]
                step = max(1, len(entries) // (len(self.malformed) + 1))
                for k, bad in enumerate(self.malformed, 1):
                    j = min(len(keys) - 1, k * step) if keys else 0
                    nv, nid = keys[j] if keys else ((0 if numeric else ""), "")
                    key = (nv, f"{nid}\x7f{k}")
                    pos = bisect.bisect_left(keys, key)
                    keys.insert(pos, key)
                    entries.insert(pos, bad)
                self._orders[sort] = (keys, entries)
            return self._orders[sort]  # type: ignore[no-any-return]

    def ms_listing(self, sort: str, owner: str | None, openapi: bool) -> list[Any]:
        key = ("ms", sort, openapi)
        with self._lock:
            if key not in self._orders:
                field_ = {"downloads": "Downloads", "likes": "Stars",
                          "last_modified": "LastUpdatedTime"}.get(sort)
                if field_:
                    ranked = sorted(self.ms_models, key=lambda m: (-m[field_], m["Name"]))
                else:
                    ranked = sorted(self.ms_models, key=lambda m: (m["Path"], m["Name"]))
                listing: list[Any] = list(ranked)
                step = max(1, len(listing) // (len(self.ms_malformed) + 1))
                for k, bad in enumerate(self.ms_malformed, 1):
                    listing.insert(min(len(listing), k * step), bad)
                if openapi:
                    listing = [ms_openapi_record(m) for m in listing]
                self._orders[key] = listing
            listing = self._orders[key]
        if owner is None:
            return listing  # type: ignore[no-any-return]
        return [m for m in listing if isinstance(m, dict)
                and str(m.get("id", "")).split("/", 1)[0] == owner]

    def truth(self) -> dict[str, tuple[int, int, list[str]]]:
        return ground_truth(self.models)

    def draw_fault(self) -> str | None:
        with self._lock:
            f = self.faults
            if f.script:
                kind = f.script.pop(0)
                self.faults_served[kind] = self.faults_served.get(kind, 0) + 1
                return kind
            if f.rate <= 0 or self._rng.random() >= f.rate:
                return None
            kind = self._rng.choice(f.kinds)
            self.faults_served[kind] = self.faults_served.get(kind, 0) + 1
            return kind

    def blob(self, sha: str) -> bytes | None:
        """A file's content by its SHA-256 (what the CDN serves)."""
        for data in self.files.values():
            if hashlib.sha256(data).hexdigest() == sha:
                return data
        return None


def _project(rec: Any, fields: tuple[str, ...] | None) -> Any:
    if not isinstance(rec, dict):
        return rec
    keep = fields if fields is not None else DEFAULT_FIELDS
    out = {k: rec[k] for k in ("_id", "id") if k in rec}
    out.update({k: rec[k] for k in keep if k in rec})
    return out


def _security(path: str) -> dict[str, Any]:
    """The Hub's per-file scan, as ``list_repo_tree(expand=True)`` returns it."""
    if path.endswith(".bin"):
        return {"status": "unsafe", "avScan": {"virusFound": False, "virusNames": None},
                "pickleImportScan": {"highestSafetyLevel": "dangerous", "imports": [
                    {"module": "os", "name": "system", "safety": "dangerous"}]}}
    return {"status": "safe", "avScan": {"virusFound": False, "virusNames": None},
            "pickleImportScan": None}


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeHub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, delayed ACKs add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _raw(self, status: int, body: bytes, headers: dict[str, str] | None = None,
             fault: str | None = None, ctype: str = "application/json") -> None:
        length = len(body)
        if fault == "truncated":
            body = body[: max(1, len(body) // 2)]
            length = len(body)
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[: max(1, len(body) // 3)])
            self.wfile.flush()
            raise _Reset
        self.wfile.write(body)

    def _send(self, status: int, doc: Any, headers: dict[str, str] | None = None,
              fault: str | None = None) -> None:
        self._raw(status, json.dumps(doc).encode(), headers, fault)

    def _ranged(self, data: bytes) -> None:
        m = re.match(r"bytes=(\d+)-(\d*)$", self.headers.get("Range") or "")
        if not m:
            self._raw(200, data, ctype="application/octet-stream")
            return
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else len(data) - 1
        if start >= len(data):
            self._raw(416, b"", {"Content-Range": f"bytes */{len(data)}"})
            return
        end = min(end, len(data) - 1)
        self._raw(206, data[start:end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}"},
                  ctype="application/octet-stream")


class _CdnHandler(_Base):
    """The file CDN the Hub redirects LFS downloads to (another origin)."""

    def do_GET(self) -> None:
        self.fake.cdn_requests.append((self.path, {k.lower(): v for k, v in
                                                   self.headers.items()}))
        m = re.match(r"/blob/([0-9a-f]{64})$", urlsplit(self.path).path)
        data = self.fake.blob(m.group(1)) if m else None
        if data is None:
            self._send(404, {"error": "no such blob"})
            return
        self._ranged(data)


class _Handler(_Base):
    def _reset(self) -> None:
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True
        self.wfile = io.BytesIO()

    def _fault_response(self, kind: str) -> bool:
        """Answer with a fault; True when the request is fully handled."""
        if kind == "429":
            self._send(429, {"error": "rate limited"},
                       {"Retry-After": self.fake.faults.retry_after,
                        "RateLimit": '"api";r=0;t=' + self.fake.faults.retry_after,
                        "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'})
            return True
        if kind in ("408", "500", "502", "503"):
            self._send(int(kind), {"error": "server error"})
            return True
        if kind == "reset":
            self._reset()
            return True
        if kind == "slow":
            time.sleep(self.fake.faults.slow_seconds)
        return False

    def _token(self) -> str | None:
        auth = self.headers.get("Authorization") or ""
        return auth[7:] if auth.startswith("Bearer ") else None

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.fake.requests.append((method, self.path, {k.lower(): v for k, v in
                                                       self.headers.items()}))
        body = b""
        if method == "PUT":
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.fake.faults.delay:
            time.sleep(self.fake.faults.delay)
        try:
            kind = self.fake.draw_fault()
            if kind and self._fault_response(kind):
                return
            tok = self._token()
            if tok is not None and self.fake.valid_tokens is not None \
                    and tok not in self.fake.valid_tokens:
                self._send(401, {"error": INVALID_CREDENTIALS},
                           {"X-Error-Message": INVALID_CREDENTIALS})
                return
            data_fault = kind if kind in ("truncated", "cut") else None
            q = parse_qs(parts.query)
            path = unquote(parts.path)
            resolve = re.match(r"^/(.+?)/resolve/([^/]+)/(.+)$", path)
            if method == "GET" and path == "/api/models":
                self._list(q, data_fault)
            elif method == "GET" and path.startswith("/api/models/"):
                self._repo(path[len("/api/models/"):], q, data_fault)
            elif method == "GET" and path == "/openapi/v1/models":
                self._ms_openapi(q, data_fault)
            elif method == "PUT" and path.rstrip("/") == "/api/v1/dolphin/models":
                self._ms_list(body, data_fault)
            elif method == "GET" and resolve:
                self._resolve(resolve.group(1), resolve.group(3))
            else:
                self._send(404, {"error": "not found"})
        except _Reset:
            self._reset()

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    # -- Hub ----------------------------------------------------------------------------

    def _list(self, q: dict[str, list[str]], fault: str | None) -> None:
        sort = (q.get("sort") or ["_id"])[0]
        limit = int((q.get("limit") or ["1000"])[0])
        if limit > self.fake.max_limit or limit < 1:
            self._send(400, {"error": f'"limit" must be less than or equal to'
                                      f" {self.fake.max_limit}"})
            return
        expand = tuple(q.get("expand", []) + q.get("expand[]", [])) or None
        bad = [e for e in expand or () if e not in EXPANDABLE]
        if bad:
            self._send(400, {"error": f'"expand" must be one of the known properties: {bad[0]}'})
            return
        cursor = _unb64(q["cursor"][0]) if "cursor" in q else None
        page_no = int(cursor["n"]) if cursor else 1
        f = self.fake.faults
        if f.fail_all or page_no in f.fail_pages:
            self._send(503, {"error": "page unavailable"})
            return
        keys, entries = self.fake.order(sort)
        author = (q.get("author") or [None])[0]
        search = (q.get("search") or [None])[0]
        if author or search:
            pairs = [(k, m) for k, m in zip(keys, entries, strict=True) if isinstance(m, dict)
                     and (not author or m.get("author") == author)
                     and (not search or search in str(m.get("id")))]
            keys, entries = [k for k, _ in pairs], [m for _, m in pairs]
        end = bisect.bisect_left(keys, tuple(cursor["k"])) if cursor else len(keys)
        start = max(0, end - limit)
        chunk = [_project(m, expand) for m in reversed(entries[start:end])]
        headers = {"X-Total-Count": str(len(entries))} if self.fake.send_total else {}
        if start > 0:
            nq: list[tuple[str, str]] = [("cursor", _b64({"k": list(keys[start]),
                                                          "n": page_no + 1}))]
            for k in ("sort", "direction", "limit", "author", "search"):
                nq.extend((k, v) for v in q.get(k, []))
            nq.extend(("expand", e) for e in (expand or ()))
            base = f.link_base or f"http://{self.headers.get('Host') or '127.0.0.1'}"
            headers["Link"] = f'<{base}/api/models?{urlencode(nq)}>; rel="next"'
        self._send(200, chunk, headers, fault)

    def _missing(self) -> None:
        if self.fake.bare_401:
            self._send(401, {"error": "Unauthorized"})
            return
        hdrs = {"X-Error-Code": "RepoNotFound", "X-Error-Message": "Repository not found"}
        self._send(404 if self._token() else 401, {"error": "Repository not found"}, hdrs)

    def _repo(self, rest: str, q: dict[str, list[str]], fault: str | None) -> None:
        model_id, sep, tail = rest.partition("/tree/")
        f = self.fake.faults
        if f.fail_all or model_id in f.fail_models:
            self._send(503, {"error": "unavailable"})
            return
        if model_id in self.fake.renamed:
            loc = f"/api/models/{quote(self.fake.renamed[model_id])}"
            loc += f"/tree/{tail}" if sep else ""
            query = urlsplit(self.path).query
            self._raw(307, b"", {"Location": loc + (f"?{query}" if query else "")})
            return
        if model_id in self.fake.disabled:
            self._send(403, {"error": DISABLED}, {"X-Error-Message": DISABLED})
            return
        rec = self.fake.by_id.get(model_id)
        if rec is None:
            self._missing()
            return
        if sep:
            self._tree(rec, q, fault)
            return
        doc = dict(rec)
        if (q.get("blobs") or ["false"])[0] != "true":
            doc["siblings"] = [{"rfilename": s["rfilename"]} for s in rec["siblings"]]
        if (q.get("securityStatus") or ["false"])[0] == "true":
            issues = [{"path": s["rfilename"], "level": "unsafe"} for s in rec["siblings"]
                      if s["rfilename"].endswith(".bin")]
            doc["securityRepoStatus"] = {"scansDone": True, "filesWithIssues": issues}
        self._send(200, doc, None, fault)

    def _tree(self, rec: dict[str, Any], q: dict[str, list[str]], fault: str | None) -> None:
        expand = (q.get("expand") or ["false"])[0] in ("true", "True", "1")
        entries: list[dict[str, Any]] = []
        dirs = sorted({s["rfilename"].rsplit("/", 1)[0] for s in rec["siblings"]
                       if "/" in s["rfilename"]})
        entries += [{"type": "directory", "oid": _sha(d)[:40], "size": 0, "path": d}
                    for d in dirs]
        for s in rec["siblings"]:
            e: dict[str, Any] = {"type": "file", "oid": s["blobId"], "size": s["size"],
                                 "path": s["rfilename"]}
            if s.get("lfs"):
                e["lfs"] = {"oid": s["lfs"]["sha256"], "size": s["lfs"]["size"],
                            "pointerSize": s["lfs"]["pointerSize"]}
            if expand:
                e["lastCommit"] = {"id": rec["sha"], "title": "upload", "date":
                                   rec["lastModified"]}
                e["securityFileStatus"] = _security(s["rfilename"])
            entries.append(e)
        per = 50 if expand else 1000
        at = int((q.get("cursor") or ["0"])[0])
        headers = {}
        if at + per < len(entries):
            nq = [("recursive", (q.get("recursive") or ["false"])[0]),
                  ("expand", "true" if expand else "false"), ("cursor", str(at + per))]
            base = f"http://{self.headers.get('Host') or '127.0.0.1'}"
            headers["Link"] = (f'<{base}{urlsplit(self.path).path}?{urlencode(nq)}>;'
                               ' rel="next"')
        self._send(200, entries[at:at + per], headers, fault)

    def _resolve(self, model_id: str, path: str) -> None:
        if model_id not in self.fake.by_id:
            self._missing()
            return
        if model_id in self.fake.gated:
            hdrs = {"X-Error-Code": "GatedRepo",
                    "X-Error-Message": "Access to model is restricted."}
            self._send(403 if self._token() else 401, {"error": "gated"}, hdrs)
            return
        data = self.fake.files.get((model_id, path))
        if data is None:
            self._send(404, {"error": "Entry not found"}, {"X-Error-Code": "EntryNotFound"})
            return
        if path.endswith(LFS_SUFFIXES):
            sha = hashlib.sha256(data).hexdigest()
            self._raw(302, b"", {"Location": f"{self.fake.cdn_base}/blob/{sha}"})
            return
        self._ranged(data)

    # -- ModelScope ---------------------------------------------------------------------

    def _ms_openapi(self, q: dict[str, list[str]], fault: str | None) -> None:
        if not self.fake.ms_openapi:
            self._send(404, {"error": "not found"})
            return
        try:
            number = int((q.get("page_number") or ["1"])[0])
            asked = int((q.get("page_size") or ["10"])[0])
        except ValueError:
            self._send(400, {"success": False, "message": "bad paging"})
            return
        if number < 1 or asked < 1 or number * asked > MS_DEPTH_CAP:
            self._send(400, {"success": False, "message":
                             f"page_number * page_size must be <= {MS_DEPTH_CAP}"})
            return
        size = min(self.fake.ms_page_max, asked)  # the server's own page maximum
        f = self.fake.faults
        if f.fail_all or number in f.fail_pages:
            self._send(503, {"success": False, "message": "busy"})
            return
        listing = self.fake.ms_listing((q.get("sort") or ["default"])[0],
                                       (q.get("owner") or [None])[0], openapi=True)
        chunk = listing[(number - 1) * size: number * size]
        doc = {"success": True, "message": "", "request_id": "fake",
               "data": {"models": chunk, "total_count": len(listing),
                        "page_number": number, "page_size": size}}
        self._send(200, doc, None, fault)

    def _ms_list(self, body: bytes, fault: str | None) -> None:
        req = json.loads(body or b"{}")
        number = int(req.get("PageNumber", 1))
        size = min(self.fake.dolphin_page_max, int(req.get("PageSize", 10)))
        f = self.fake.faults
        if f.fail_all or number in f.fail_pages:
            self._send(503, {"Code": 503, "Success": False, "Message": "busy"})
            return
        listing = self.fake.ms_listing("downloads", None, openapi=False)
        chunk = listing[(number - 1) * size: number * size]
        doc = {"Code": 200, "Success": True, "Message": "success", "RequestId": "fake",
               "Data": {"Model": {"Models": chunk, "TotalCount": len(listing)}}}
        self._send(200, doc, None, fault)


class running:
    """``with running(FakeHub(...)) as hub:`` starts the server and always stops it."""

    def __init__(self, hub: FakeHub) -> None:
        self.hub = hub

    def __enter__(self) -> FakeHub:
        self.hub.start()
        return self.hub

    def __exit__(self, *exc: object) -> None:
        self.hub.stop()
