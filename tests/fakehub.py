"""A fake Hugging Face Hub and a fake ModelScope on 127.0.0.1, with switchable faults.

Implements the endpoints modelatlas uses, with the real shapes:

* ``GET /api/models?sort=&direction=&limit=&expand=...&cursor=`` -> JSON list,
  next page in ``Link: <absolute URL>; rel="next"`` (opaque cursor), total in
  ``X-Total-Count``; ``expand`` (or ``expand[]``) selects the returned fields;
  ``author`` and ``search`` filter.
* ``GET /api/models/{owner}/{name}[?blobs=true]`` -> full ModelInfo (cardData,
  siblings with sizes when ``blobs``, config, safetensors, gated, sha); 404
  ``{"error": ...}`` for unknown ids.
* ``PUT /api/v1/dolphin/models`` (ModelScope) -> ``{"Code", "Success",
  "Data": {"Model": {"Models": [...], "TotalCount"}}}`` by page number.

Faults (``Faults``): a share of requests answered with 429 + ``Retry-After``,
500/502/503, a TCP reset, a slow answer, a truncated JSON body (complete HTTP
message) or a cut body (connection closed mid-body); pages that always fail;
malformed records always present in the listing. ``ground_truth`` is what a
correct crawl must end with.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import random
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

FAULT_KINDS = ("429", "500", "502", "503", "reset", "slow", "truncated", "cut")
DEFAULT_FIELDS = ("likes", "downloads", "tags", "pipeline_tag", "library_name", "createdAt",
                  "private")


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
        if i % 5 == 0 and i > 0:
            parent = f"org{(i // 2) % 97}/model-{i // 2}"
            tags.append(f"base_model:finetune:{parent}")
            card["base_model"] = parent
        if i % 11 == 0:
            tags.append("gguf")
        out.append({
            "_id": f"{i:024x}",
            "id": mid,
            "modelId": mid,
            "author": org,
            "createdAt": created.isoformat().replace("+00:00", ".000Z"),
            "lastModified": modified.isoformat().replace("+00:00", ".000Z"),
            "downloads": rng.randint(0, 5_000_000) if i % 3 else rng.randint(0, 50),
            "downloadsAllTime": rng.randint(5_000_000, 90_000_000),
            "likes": rng.randint(0, 5000),
            "tags": tags,
            "pipeline_tag": rng.choice(["text-generation", "feature-extraction", None]),
            "library_name": "transformers",
            "gated": rng.choice([False, False, "auto", "manual"]),
            "private": False,
            "cardData": card,
            "safetensors": {"parameters": {"BF16": 1_000_000 * (i % 70 + 1)},
                            "total": 1_000_000 * (i % 70 + 1)},
            "sha": f"{i:040x}",
            "config": {"architectures": ["LlamaForCausalLM"], "model_type": "llama"},
            "siblings": [
                {"rfilename": "config.json", "size": 700},
                {"rfilename": "model.safetensors", "size": 2_000_000 * (i % 70 + 1)},
            ],
        })
    return out


MALFORMED: list[Any] = [
    {"_id": "bad1", "id": "has space/model", "downloads": 3, "likes": 1, "tags": []},
    {"_id": "bad2", "id": "org1/countless", "downloads": "lots", "likes": 1, "tags": []},
    {"_id": "bad3", "downloads": 5, "likes": 0, "tags": []},
    "not an object",
]


def make_ms_models(n: int, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        created = 1_650_000_000 + 3600 * i
        out.append({
            "Path": f"msorg{i % 31}", "Name": f"ms-model-{i}", "ChineseName": f"模型{i}",
            "CreatedBy": f"user{i % 7}", "Downloads": rng.randint(0, 9_000_000),
            "Stars": rng.randint(0, 900), "CreatedTime": created,
            "LastUpdatedTime": created + rng.randint(0, 10**7),
            "License": rng.choice(["Apache License 2.0", "MIT", "other"]),
            "Tags": ["qwen", "chat"] if i % 2 else [],
            "Tasks": [{"Name": "text-generation", "ChineseName": "文本生成"}],
            "Frameworks": ["pytorch"],
        })
    return out


MS_MALFORMED: list[Any] = [
    {"Path": "", "Name": "nameless-owner", "Downloads": 1},
    {"Path": "msorg1", "Name": "bad-count", "Downloads": "many", "Stars": 1},
]


def ground_truth(models: list[dict[str, Any]]) -> dict[str, tuple[int, int, list[str]]]:
    return {m["id"]: (m["downloads"], m["likes"], list(m["tags"])) for m in models}


def ms_ground_truth(models: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    return {f"{m['Path']}/{m['Name']}": (m["Downloads"], m["Stars"]) for m in models}


class _Reset(Exception):
    pass


class _QuietServer(ThreadingHTTPServer):
    """Clients that vanish mid-answer (killed crawlers, timeouts) are expected here."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class FakeHub:
    """Start with ``start()`` (returns the base URL), stop with ``stop()``."""

    def __init__(self, models: list[dict[str, Any]] | None = None, *,
                 malformed: list[Any] | None = None,
                 ms_models: list[dict[str, Any]] | None = None,
                 ms_malformed: list[Any] | None = None,
                 faults: Faults | None = None) -> None:
        self.models = models or []
        self.malformed = list(MALFORMED if malformed is None else malformed)
        self.ms_models = ms_models or []
        self.ms_malformed = list(MS_MALFORMED if ms_malformed is None else ms_malformed)
        self.faults = faults or Faults()
        self.by_id = {m["id"]: m for m in self.models}
        self._orders: dict[tuple[str, int], list[Any]] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(self.faults.seed)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.faults_served: dict[str, int] = {}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base = ""

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> str:
        hub = self

        class Handler(_Handler):
            fake = hub

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self.base

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

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

    def order(self, sort: str, direction: int) -> list[Any]:
        key = (sort, direction)
        with self._lock:
            if key not in self._orders:
                ranked = sorted(self.models, key=lambda m: (m.get(sort) or 0, m["id"]),
                                reverse=direction < 0)
                listing: list[Any] = list(ranked)
                step = max(1, len(listing) // (len(self.malformed) + 1))
                for k, bad in enumerate(self.malformed, 1):
                    listing.insert(min(len(listing), k * step + k - 1), bad)
                self._orders[key] = listing
            return self._orders[key]

    def ms_order(self) -> list[Any]:
        with self._lock:
            if ("ms", 0) not in self._orders:
                listing: list[Any] = sorted(self.ms_models, key=lambda m: (-m["Downloads"],
                                                                           m["Name"]))
                step = max(1, len(listing) // (len(self.ms_malformed) + 1))
                for k, bad in enumerate(self.ms_malformed, 1):
                    listing.insert(min(len(listing), k * step), bad)
                self._orders[("ms", 0)] = listing
            return self._orders[("ms", 0)]

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


def _project(rec: Any, fields: tuple[str, ...] | None) -> Any:
    if not isinstance(rec, dict):
        return rec
    keep = fields if fields is not None else DEFAULT_FIELDS
    out = {k: rec[k] for k in ("_id", "id") if k in rec}
    out.update({k: rec[k] for k in keep if k in rec})
    return out


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"$o": offset}).encode()).decode().rstrip("=")


def _offset(cursor: str) -> int:
    pad = "=" * (-len(cursor) % 4)
    return int(json.loads(base64.urlsafe_b64decode(cursor + pad))["$o"])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeHub

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, delayed ACKs add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- plumbing -----------------------------------------------------------------------

    def _send(self, status: int, doc: Any, headers: dict[str, str] | None = None,
              fault: str | None = None) -> None:
        body = json.dumps(doc).encode()
        length = len(body)
        if fault == "truncated":
            body = body[: max(1, len(body) // 2)]
            length = len(body)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(length))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if fault == "cut":
            self.wfile.write(body[: max(1, len(body) // 3)])
            self.wfile.flush()
            raise _Reset
        self.wfile.write(body)

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
        if kind in ("500", "502", "503"):
            self._send(int(kind), {"error": "server error"})
            return True
        if kind == "reset":
            self._reset()
            return True
        if kind == "slow":
            time.sleep(self.fake.faults.slow_seconds)
        return False

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
            data_fault = kind if kind in ("truncated", "cut") else None
            if method == "GET" and parts.path == "/api/models":
                self._list(parse_qs(parts.query), data_fault)
            elif method == "GET" and parts.path.startswith("/api/models/"):
                self._detail(parts.path[len("/api/models/"):], parse_qs(parts.query), data_fault)
            elif method == "PUT" and parts.path.rstrip("/") == "/api/v1/dolphin/models":
                self._ms_list(body, data_fault)
            else:
                self._send(404, {"error": "not found"})
        except _Reset:
            self._reset()

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    # -- endpoints ----------------------------------------------------------------------

    def _list(self, q: dict[str, list[str]], fault: str | None) -> None:
        sort = (q.get("sort") or ["_id"])[0]
        direction = int((q.get("direction") or ["-1"])[0])
        limit = min(1000, int((q.get("limit") or ["1000"])[0]))
        expand = tuple(q.get("expand", []) + q.get("expand[]", [])) or None
        offset = _offset(q["cursor"][0]) if "cursor" in q else 0
        listing = self.fake.order(sort, direction)
        author = (q.get("author") or [None])[0]
        search = (q.get("search") or [None])[0]
        if author or search:
            listing = [m for m in listing if isinstance(m, dict)
                       and (not author or m.get("author") == author)
                       and (not search or search in str(m.get("id")))]
        page_no = offset // max(1, limit) + 1
        f = self.fake.faults
        if f.fail_all or page_no in f.fail_pages:
            self._send(503, {"error": "page unavailable"})
            return
        chunk = [_project(m, expand) for m in listing[offset:offset + limit]]
        headers = {"X-Total-Count": str(len(listing))}
        if offset + limit < len(listing):
            nq: list[tuple[str, str]] = [("cursor", _cursor(offset + limit))]
            for k in ("sort", "direction", "limit", "author", "search"):
                nq.extend((k, v) for v in q.get(k, []))
            nq.extend(("expand", e) for e in (expand or ()))
            base = f.link_base or f"http://{self.headers.get('Host') or '127.0.0.1'}"
            headers["Link"] = f'<{base}/api/models?{urlencode(nq)}>; rel="next"'
        self._send(200, chunk, headers, fault)

    def _detail(self, model_id: str, q: dict[str, list[str]], fault: str | None) -> None:
        f = self.fake.faults
        if f.fail_all or model_id in f.fail_models:
            self._send(503, {"error": "unavailable"})
            return
        rec = self.fake.by_id.get(model_id)
        if rec is None:
            self._send(404, {"error": "Repository not found"})
            return
        doc = dict(rec)
        if (q.get("blobs") or ["false"])[0] != "true":
            doc["siblings"] = [{"rfilename": s["rfilename"]} for s in rec["siblings"]]
        self._send(200, doc, None, fault)

    def _ms_list(self, body: bytes, fault: str | None) -> None:
        req = json.loads(body or b"{}")
        number = int(req.get("PageNumber", 1))
        size = min(100, int(req.get("PageSize", 10)))
        f = self.fake.faults
        if f.fail_all or number in f.fail_pages:
            self._send(503, {"Code": 503, "Success": False, "Message": "busy"})
            return
        listing = self.fake.ms_order()
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
