"""The one HTTP client for the Hugging Face Hub API (also used for ModelScope's JSON API).

What it speaks, and where each shape comes from (details and more sources in
docs/ingest.md, "What the official clients do"):

* Listing: ``GET {endpoint}/api/models?sort=&limit=&expand=...``, one ``expand``
  per field, next page in ``Link: <URL>; rel="next"`` (huggingface_hub
  ``hf_api.py`` ``HfApi.list_models`` + ``utils/_pagination.py`` ``paginate``;
  huggingface.js ``list-models.ts`` ``listModels``, which asks 500 per page). No
  ``direction``: huggingface_hub deprecated it ("Sorting is always descending").
* One model: ``GET /api/models/{id}?blobs=true&securityStatus=true`` (``HfApi.model_info``
  with ``files_metadata`` and ``securityStatus``): siblings carry ``size``,
  ``blobId`` and ``lfs: {size, sha256, pointerSize}``; ``securityRepoStatus`` is
  the Hub's own scan summary.
* Tree: ``GET /api/models/{id}/tree/{revision}?recursive=true&expand=true``
  (``HfApi.list_repo_tree``): entries ``{type, path, size, oid, lfs: {oid, size,
  pointerSize}, xetHash, lastCommit, securityFileStatus: {status, avScan,
  pickleImportScan}}``, 50 per page with ``expand``, paged by ``Link``.
* File bytes: ``GET /{id}/resolve/{revision}/{path}`` with ``Range``; the Hub
  redirects LFS files to its CDN, which gets no credentials from us.
* Errors as ``huggingface_hub.utils._http.hf_raise_for_status`` reads them:
  ``X-Error-Code: GatedRepo`` -> gated; ``X-Error-Message: Access to this resource
  is disabled.`` -> disabled; ``X-Error-Code: RepoNotFound``, a 404, or a 401 on a
  repository URL (the Hub answers 401 for missing and private repos to requests
  without valid credentials) -> not found, unless the message says the
  credentials are invalid. Retried: transport faults, 408, 429 and 5xx only.
* Token and offline mode exactly as huggingface_hub resolves them
  (``utils/_auth.py`` ``get_token``, ``constants.py`` ``HF_HOME``,
  ``HF_TOKEN_PATH``, ``HF_HUB_OFFLINE``, ``HF_HUB_DISABLE_IMPLICIT_TOKEN``).

Why not ``huggingface_hub`` itself: a whole-Hub crawl needs a retry policy we
control (bounded, jittered, honouring ``Retry-After`` and the ``RateLimit``
header), cursors we can checkpoint, a clock tests can replace (``sleep``), bounded
answer sizes, and a guarantee that credentials never leave the endpoint host.
"""

from __future__ import annotations

import email.utils
import json
import os
import platform
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

import httpx

from modelatlas import __version__, settings
from modelatlas.errors import (
    BadRequestError,
    DisabledRepoError,
    GatedRepoError,
    HubRefusedError,
    InputError,
    NetworkError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    RepoNotFoundError,
    ServerError,
    UnauthorizedError,
    UsageError,
)
from modelatlas.sources.hub_listing import DEFAULT_PAGE_SIZE, LIST_EXPAND, PAGE_SIZES, SORTS

T = TypeVar("T")


MAX_BODY_BYTES = 64 * 1024 * 1024  # one JSON answer; a listing page of 1000 is a few MB
# huggingface_hub constants.SAFETENSORS_MAX_HEADER_LENGTH (25,000,000) + the 8-byte length.
MAX_RANGE_BYTES = 25_000_008
MAX_REDIRECTS = 5
TOKEN_FILE_MAX_BYTES = 64 * 1024
INVALID_CREDENTIALS = "Invalid credentials in Authorization header"
DISABLED_MESSAGE = "Access to this resource is disabled."
_TRUE = frozenset({"1", "ON", "YES", "TRUE"})  # huggingface_hub constants.ENV_VARS_TRUE_VALUES
# huggingface_hub utils/_http.py REPO_API_REGEX (path part): repo API or file resolve URLs.
_REPO_URL = re.compile(r"/api/(models|datasets|spaces)/.+|/.+/resolve/.+")
# IETF draft-ietf-httpapi-ratelimit-headers: RateLimit: "api";r=<remaining>;t=<reset seconds>
_RATELIMIT_RE = re.compile(r'"?[\w-]+"?\s*;\s*r\s*=\s*(?P<r>\d+)\s*;\s*t\s*=\s*(?P<t>\d+)')


# -- token and offline mode (huggingface_hub utils/_auth.py, constants.py) ---------------


def _is_true(value: str) -> bool:
    return value.strip().upper() in _TRUE


def offline() -> bool:
    """``HF_HUB_OFFLINE`` (else ``TRANSFORMERS_OFFLINE``) is 1/ON/YES/TRUE."""
    return _is_true(settings.get("hf_hub_offline") or settings.get("transformers_offline"))


def ensure_online(what: str = "this command") -> None:
    """Fail at once, before any request, when offline mode is on."""
    if offline():
        raise OfflineError(
            f"{what} needs the network but offline mode is on (HF_HUB_OFFLINE or "
            "TRANSFORMERS_OFFLINE); unset it to go online"
        )


def hf_home() -> Path:
    """``$HF_HOME``, else ``$XDG_CACHE_HOME/huggingface``, else ``~/.cache/huggingface``."""
    cache = settings.get("xdg_cache_home") or os.path.join(os.path.expanduser("~"), ".cache")
    raw = settings.get("hf_home") or os.path.join(cache, "huggingface")
    return Path(os.path.expandvars(os.path.expanduser(raw)))


def token_path() -> Path:
    """``$HF_TOKEN_PATH``, else ``$HF_HOME/token`` (where ``hf auth login`` writes)."""
    raw = settings.get("hf_token_path") or str(hf_home() / "token")
    return Path(os.path.expandvars(os.path.expanduser(raw)))


def _clean(token: str | None) -> str | None:
    """huggingface_hub ``_clean_token``: drop CR/LF anywhere, strip, empty -> None."""
    if token is None:
        return None
    return token.replace("\r", "").replace("\n", "").strip() or None


@dataclass(frozen=True)
class Token:
    """A token and where it came from (named in errors, never the value itself)."""

    value: str
    source: str

    def __repr__(self) -> str:  # never print the secret
        return f"Token(source={self.source!r})"


def resolve_token() -> Token | None:
    """The token huggingface_hub's ``get_token`` would find: ``HF_TOKEN`` (else
    ``HUGGING_FACE_HUB_TOKEN``), cleaned; if that is unset or blank, the token file."""
    primary = settings.get("hf_token")
    raw = primary or settings.get("hf_token_legacy")
    value = _clean(raw) if raw else None
    if value:
        return Token(value, "HF_TOKEN" if primary else "HUGGING_FACE_HUB_TOKEN")
    path = token_path()
    try:
        with path.open("rb") as fh:
            data = fh.read(TOKEN_FILE_MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"cannot read the token file {path}: {exc.strerror or exc}") from None
    if len(data) > TOKEN_FILE_MAX_BYTES:
        raise InputError(f"the token file {path} is larger than {TOKEN_FILE_MAX_BYTES} bytes")
    value = _clean(data.decode("utf-8", errors="replace"))
    return Token(value, f"the token file {path}") if value else None


def token_to_send(token: str | bool | None) -> Token | None:
    """huggingface_hub ``get_token_to_send``: a string is sent as is; ``False`` sends
    nothing; ``True`` requires a stored token; ``None`` sends the stored token unless
    ``HF_HUB_DISABLE_IMPLICIT_TOKEN`` is set."""
    if isinstance(token, str):
        return Token(token, "the token given")
    if token is False:
        return None
    found = resolve_token()
    if token is True:
        if found is None:
            raise UsageError("a token is required: set HF_TOKEN or run `hf auth login`")
        return found
    if _is_true(settings.get("hf_hub_disable_implicit_token")):
        return None
    return found


def user_agent() -> str:
    """Names modelatlas and its version, like huggingface_hub's ``library/version; ...``."""
    return (f"modelatlas/{__version__}; python/{platform.python_version()}; "
            f"httpx/{httpx.__version__}")


# -- retry policy ----------------------------------------------------------------------------


def _env_float(name: str, default: float) -> float:
    """A numeric setting (see :mod:`modelatlas.settings`) by its environment name."""
    key = {s.env: s.name for s in settings.SETTINGS.values()}[name]
    raw = settings.get(key)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise UsageError(f"{name} must be a number, not {raw!r}") from None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one request before failing the run.

    ``wait_scale`` multiplies every wait (tests set it tiny through
    ``MODELATLAS_HTTP_WAIT_SCALE``); ``max_wait`` bounds a single wait, including
    the one a server asks for with ``Retry-After``.
    """

    attempts: int = 8
    base: float = 1.0
    cap: float = 60.0
    max_wait: float = 900.0
    timeout: float = 60.0
    wait_scale: float = 1.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Defaults, overridden by ``MODELATLAS_HTTP_*`` environment variables."""
        return cls(
            attempts=max(1, int(_env_float("MODELATLAS_HTTP_ATTEMPTS", 8))),
            base=_env_float("MODELATLAS_HTTP_BACKOFF", 1.0),
            timeout=_env_float("MODELATLAS_HTTP_TIMEOUT", 60.0),
            wait_scale=_env_float("MODELATLAS_HTTP_WAIT_SCALE", 1.0),
        )

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Exponential backoff with "equal jitter": half fixed, half random."""
        raw = min(self.cap, self.base * (2 ** (attempt - 1)))
        return float(raw / 2 + rng.uniform(0, raw / 2))


def retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or HTTP date),
    else the IETF draft ``RateLimit: "api";r=0;t=55`` header the Hub sends."""
    value = headers.get("retry-after")
    if value:
        value = value.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    rl = headers.get("ratelimit")
    if rl:
        m = _RATELIMIT_RE.search(rl)
        if m and int(m.group("r")) == 0:
            return float(m.group("t"))
    return None


def retryable(status: int) -> bool:
    """Statuses worth another try: 408 (huggingface_hub retries it since PR #4360),
    429 (after the server's wait) and every 5xx."""
    return status in (408, 429) or 500 <= status < 600


# -- typed results ---------------------------------------------------------------------------


@dataclass
class Page:
    """One page of a listing: the raw items, the next cursor and the total if known."""

    items: list[Any]
    next_url: str | None
    total: int | None = None
    body: str = ""


@dataclass
class HttpStats:
    requests: int = 0
    retries: int = 0
    waited: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class RepoFile:
    """One file of a repository, as the tree (or ``siblings`` with ``blobs``) lists it.

    ``lfs_sha256`` is the LFS object id (the SHA-256 of the content, what a BOM
    hashes); ``security_status`` is the Hub's own scan verdict (``safe``,
    ``unsafe``, ``suspicious``, ``unscanned``...), ``None`` when not asked or absent.
    """

    path: str
    size: int | None = None
    blob_id: str | None = None
    lfs_sha256: str | None = None
    lfs_size: int | None = None
    xet_hash: str | None = None
    security_status: str | None = None
    av_scan: dict[str, Any] | None = None
    pickle_import_scan: dict[str, Any] | None = None


@dataclass
class TreeListing:
    """A repository's files (folders left out), whether the listing was cut at the
    entry budget, and how many malformed entries were skipped."""

    files: list[RepoFile]
    truncated: bool = False
    skipped: int = 0
    pages: int = 0


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) and v >= 0 else None


def _str(v: Any) -> str | None:
    return v if isinstance(v, str) and v else None


def _dict(v: Any) -> dict[str, Any] | None:
    return v if isinstance(v, dict) else None


def tree_file(raw: Any) -> RepoFile | None:
    """A tree entry (``RepoFile`` shape of ``list_repo_tree``) -> RepoFile; None for a
    folder; ValueError for an entry without a path."""
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str) or not raw["path"]:
        raise ValueError("tree entry without a path")
    if raw.get("type") != "file":
        return None
    lfs = _dict(raw.get("lfs")) or {}
    sec = _dict(raw.get("securityFileStatus")) or {}
    return RepoFile(
        path=raw["path"], size=_int(raw.get("size")), blob_id=_str(raw.get("oid")),
        lfs_sha256=_str(lfs.get("oid")) or _str(lfs.get("sha256")), lfs_size=_int(lfs.get("size")),
        xet_hash=_str(raw.get("xetHash")), security_status=_str(sec.get("status")),
        av_scan=_dict(sec.get("avScan")), pickle_import_scan=_dict(sec.get("pickleImportScan")),
    )  # fmt: skip


def sibling_files(info: Mapping[str, Any]) -> list[RepoFile]:
    """``siblings`` of a ModelInfo answered with ``blobs=true``: name, size, blob id and
    ``lfs: {size, sha256, pointerSize}`` (``ModelInfo.__init__`` reads these keys).
    Malformed entries are left out."""
    out: list[RepoFile] = []
    for s in info.get("siblings") or []:
        if not isinstance(s, dict) or not _str(s.get("rfilename")):
            continue
        lfs = _dict(s.get("lfs")) or {}
        out.append(RepoFile(path=s["rfilename"], size=_int(s.get("size")),
                            blob_id=_str(s.get("blobId")), lfs_sha256=_str(lfs.get("sha256")),
                            lfs_size=_int(lfs.get("size"))))
    return out


# -- the client ------------------------------------------------------------------------------


@dataclass
class _Answer:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


class _Transient(Exception):
    """One failed attempt worth retrying."""

    def __init__(self, reason: str, status: int | None = None, code: str | None = None,
                 wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.status, self.code, self.wait = reason, status, code, wait


class HubClient:
    """GET/PUT JSON (and ranges of files) from one endpoint host, politely.

    ``token``: a string is sent as is, ``False`` sends none (ModelScope), ``None``
    (default) sends the token huggingface_hub would find, ``True`` requires one.
    ``sleep`` and ``now`` are the clock seam; ``transport`` plugs an httpx transport.
    Raises :class:`OfflineError` at construction when offline mode is on, so a live
    command fails before it sends anything.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | bool | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent_text: str | None = None,
    ) -> None:
        parts = urlsplit(endpoint.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"endpoint must be an http(s) URL, not {endpoint!r}")
        ensure_online(f"contacting {parts.scheme}://{parts.netloc}")
        self.endpoint = endpoint.rstrip("/")
        self._origin = (parts.scheme, parts.netloc.lower())
        self._host = (parts.hostname or "").lower()
        self.policy = policy or RetryPolicy.from_env()
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not crypto
        self.token = token_to_send(token)
        self._http = httpx.Client(
            headers={"user-agent": user_agent_text or user_agent(),
                     "accept": "application/json"},
            timeout=httpx.Timeout(self.policy.timeout),
            follow_redirects=False,
            transport=transport,
            trust_env=False,  # never route through a proxy picked up from the environment
        )
        self.stats = HttpStats()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> HubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- URL discipline -------------------------------------------------------------

    def check_url(self, url: str) -> str:
        """Refuse any URL not on the endpoint's host (a next link, a redirect)."""
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc.lower()) != self._origin:
            raise NetworkError(
                f"refusing to contact {parts.scheme}://{parts.netloc}: only {self.endpoint}"
                " is allowed"
            )
        return url

    def _same_origin(self, url: str) -> bool:
        parts = urlsplit(url)
        return (parts.scheme, parts.netloc.lower()) == self._origin

    def _cdn_allowed(self, url: str) -> bool:
        """Where a file read may be redirected: any https host (the Hub's CDN), or the
        endpoint's own host on another port (a local mirror). Never with credentials."""
        parts = urlsplit(url)
        return parts.scheme == "https" or (parts.hostname or "").lower() == self._host

    def url(self, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
        q = f"?{urlencode(list(params))}" if params else ""
        return f"{self.endpoint}{path}{q}"

    # -- transport ----------------------------------------------------------------------

    def _send(self, url: str, method: str = "GET", body: Any | None = None, *,
              headers: Mapping[str, str] | None = None, limit: int = MAX_BODY_BYTES,
              file_read: bool = False) -> _Answer:
        """One request, following redirects on the endpoint host (and, for file reads,
        to a CDN without credentials); reads at most ``limit`` bytes of the body."""
        for _ in range(MAX_REDIRECTS + 1):
            same = self._same_origin(url)
            if not same and not (file_read and self._cdn_allowed(url)):
                self.check_url(url)  # raises, naming the host
            hdrs = dict(headers or {})
            if same and self.token is not None:
                hdrs["authorization"] = f"Bearer {self.token.value}"
            self.stats.requests += 1
            try:
                with self._http.stream(method, url, headers=hdrs,
                                       json=body if method != "GET" else None) as resp:
                    self.stats.statuses[resp.status_code] = (
                        self.stats.statuses.get(resp.status_code, 0) + 1)
                    if resp.is_redirect and "location" in resp.headers:
                        url = urljoin(url, resp.headers["location"])
                        continue
                    chunks: list[bytes] = []
                    size = 0
                    for chunk in resp.iter_bytes():
                        chunks.append(chunk)
                        size += len(chunk)
                        if size > limit:
                            break
                    data = b"".join(chunks)
                    if size > limit and not file_read:
                        raise NetworkError(f"{url}: answer larger than {limit:,} bytes; refused")
                    return _Answer(resp.status_code, resp.headers, data[:limit], url)
            except httpx.TransportError as exc:
                first = str(exc).splitlines()[0] if str(exc) else ""
                raise _Transient(f"{type(exc).__name__}: {first}".rstrip(": ")) from None
        raise NetworkError(f"{url}: more than {MAX_REDIRECTS} redirects")

    def _retrying(self, what: str, repo: str | None, once: Callable[[], T]) -> T:
        """The one retry loop: bounded attempts, exponential backoff with jitter, the
        server's ``Retry-After`` / ``RateLimit`` wait when it gives one."""
        last = _Transient("no attempt")
        for attempt in range(1, self.policy.attempts + 1):
            try:
                return once()
            except _Transient as t:
                last = t
            if attempt == self.policy.attempts:
                break
            if last.wait is None:
                wait = self.policy.backoff(attempt, self._rng)
            else:
                wait = last.wait + self._rng.uniform(0, 1)  # spread clients released together
            wait = min(wait, self.policy.max_wait) * self.policy.wait_scale
            self.stats.retries += 1
            self.stats.waited += wait
            self._sleep(wait)
        msg = f"{what} failed after {self.policy.attempts} attempts ({last.reason})"
        if last.status == 429:
            raise RateLimitedError(msg, status=429, code=last.code, repo=repo)
        if last.status is not None:
            raise ServerError(msg, status=last.status, code=last.code, repo=repo)
        raise NetworkError(msg)

    def _refuse(self, ans: _Answer, what: str, repo: str | None) -> None:
        """Turn a non-2xx answer into a retry or the typed error it means."""
        s = ans.status
        code = ans.headers.get("x-error-code")
        msg = ans.headers.get("x-error-message")
        if retryable(s):
            raise _Transient(f"HTTP {s}{' ' + code if code else ''}", s, code,
                             retry_after(ans.headers, self._now()))
        tag = f"HTTP {s}" + (f", X-Error-Code {code}" if code else "")
        server = _server_message(ans)
        tail = f": {server}" if server else ""
        kw: dict[str, Any] = {"status": s, "code": code, "repo": repo}
        path = urlsplit(ans.url).path
        # Same order of tests as hf_raise_for_status.
        if code in ("RevisionNotFound", "EntryNotFound"):
            raise NotFoundError(f"{what}: not found ({tag})")
        if code == "GatedRepo":
            raise GatedRepoError(f"{what}: gated, its terms must be accepted first ({tag})", **kw)
        if msg == DISABLED_MESSAGE:
            raise DisabledRepoError(f"{what}: disabled by the Hub ({tag})", **kw)
        if code == "RepoNotFound" or (
            _REPO_URL.search(path) is not None
            and (s == 404 or (s == 401 and msg != INVALID_CREDENTIALS))
        ):
            raise RepoNotFoundError(f"{what}: repository not found ({tag})", **kw)
        if s == 404:
            raise NotFoundError(f"{what}: not found ({tag})")
        if s == 401:
            who = self.token.source if self.token else "this anonymous request"
            raise UnauthorizedError(f"{what}: credentials refused ({tag}); check {who}"
                                    f" (`hf auth login`){tail}", **kw)
        if s == 403:
            raise UnauthorizedError(f"{what}: forbidden ({tag}){tail}", **kw)
        if s == 400:
            raise BadRequestError(f"{what}: bad request ({tag}){tail}", **kw)
        raise HubRefusedError(f"{what}: refused ({tag}){tail}", **kw)

    def get(self, url: str, *, what: str, method: str = "GET", body: Any | None = None,
            repo: str | None = None) -> tuple[Any, str, httpx.Headers]:
        """Parsed JSON, raw text and headers of one URL, retrying what is worth retrying.

        Retried: transport faults, 408, 429 (after ``Retry-After``/``RateLimit``),
        5xx, and bodies that are not complete JSON. Everything else raises its typed
        error at once (see :meth:`_refuse`); messages name ``what`` and the code.
        """
        self.check_url(url)

        def once() -> tuple[Any, str, httpx.Headers]:
            ans = self._send(url, method, body)
            if not 200 <= ans.status < 300:
                self._refuse(ans, what, repo)
            text = ans.body.decode("utf-8", errors="replace")
            try:
                return json.loads(text), text, ans.headers
            except json.JSONDecodeError as exc:
                raise _Transient(f"incomplete JSON body ({len(text)} bytes): {exc.msg}") from None

        return self._retrying(what, repo, once)

    # -- Hub endpoints ------------------------------------------------------------------

    def list_url(
        self,
        *,
        sort: str = "downloads",
        limit: int = DEFAULT_PAGE_SIZE,
        expand: Sequence[str] = LIST_EXPAND,
        search: str | None = None,
        author: str | None = None,
    ) -> str:
        """URL of the first page of ``/api/models`` (later pages come from ``Link``)."""
        if sort not in SORTS:
            raise UsageError(f"--sort must be one of {'|'.join(SORTS)}")
        params: list[tuple[str, str]] = [("sort", sort), ("limit", str(limit))]
        if search:
            params.append(("search", search))
        if author:
            params.append(("author", author))
        params.extend(("expand", e) for e in expand)
        return self.url("/api/models", params)

    def list_page(self, url: str, *, page_no: int) -> Page:
        data, text, headers = self.get(url, what=f"page {page_no} ({url})")
        if not isinstance(data, list):
            raise NetworkError(f"page {page_no} ({url}) is not a JSON list of models")
        nxt = next_link(headers, url)
        if nxt is not None:
            self.check_url(nxt)
        total = headers.get("x-total-count")  # no official client reads it; progress only
        return Page(data, nxt, int(total) if total and total.isdigit() else None, text)

    def _repo_path(self, model_id: str) -> str:
        if not model_id or model_id.startswith("/") or ".." in model_id.split("/"):
            raise UsageError(f"not a model id: {model_id!r}")
        return quote(model_id, safe="/")

    def model_info(self, model_id: str, *, files: bool = True,
                   security: bool = True) -> dict[str, Any]:
        """``/api/models/{id}?blobs=true&securityStatus=true``: card, config, siblings with
        sizes and LFS hashes, the Hub's ``securityRepoStatus``. A renamed repository
        answers through a redirect, under its new id."""
        params = [("blobs", "true")] if files else []
        if security:
            params.append(("securityStatus", "true"))
        url = self.url(f"/api/models/{self._repo_path(model_id)}", params)
        data, _, _ = self.get(url, what=f"model {model_id}", repo=model_id)
        if not isinstance(data, dict):
            raise NetworkError(f"model {model_id}: answer is not a JSON object")
        return data

    def list_tree(self, model_id: str, *, revision: str = "main", expand: bool = True,
                  recursive: bool = True, max_files: int = 5000) -> TreeListing:
        """``/api/models/{id}/tree/{revision}`` page by page (``Link``), files only, at
        most ``max_files`` (then ``truncated``). With ``expand`` each file carries the
        Hub's ``securityFileStatus`` and the Hub serves 50 entries per page."""
        url: str | None = self.url(
            f"/api/models/{self._repo_path(model_id)}/tree/{quote(revision, safe='')}",
            [("recursive", "true" if recursive else "false"),
             ("expand", "true" if expand else "false")])
        out = TreeListing([])
        while url is not None:
            out.pages += 1
            data, _, headers = self.get(url, what=f"tree of {model_id} (page {out.pages})",
                                        repo=model_id)
            if not isinstance(data, list):
                raise NetworkError(f"tree of {model_id}: answer is not a JSON list")
            for raw in data:
                try:
                    f = tree_file(raw)
                except ValueError:
                    out.skipped += 1
                    continue
                if f is None:
                    continue
                if len(out.files) >= max_files:
                    out.truncated = True
                    return out
                out.files.append(f)
            url = next_link(headers, url)
            if url is not None:
                self.check_url(url)
        return out

    def read_range(self, model_id: str, path: str, *, start: int = 0, length: int,
                   revision: str = "main") -> bytes:
        """Bytes ``start .. start+length-1`` of a file (``/{id}/resolve/{rev}/{path}``
        with ``Range``), at most :data:`MAX_RANGE_BYTES`. Fewer bytes come back when
        the file is shorter. Redirects to the CDN are followed without credentials."""
        if start < 0 or length < 1 or length > MAX_RANGE_BYTES:
            raise UsageError(f"range length must be 1..{MAX_RANGE_BYTES:,} bytes")
        if not path or path.startswith("/") or ".." in path.split("/"):
            raise UsageError(f"not a file path in a repository: {path!r}")
        url = self.url(f"/{self._repo_path(model_id)}/resolve/{quote(revision, safe='')}/"
                       f"{quote(path, safe='/')}")
        what = f"file {path} of {model_id}"
        rng = {"range": f"bytes={start}-{start + length - 1}", "accept": "*/*"}

        def once() -> bytes:
            ans = self._send(url, headers=rng, limit=length, file_read=True)
            if ans.status == 206:
                return ans.body
            if ans.status == 200:
                if start == 0:
                    return ans.body  # Range ignored: the first bytes are still right
                raise NetworkError(f"{what}: the server ignored the Range header")
            if ans.status == 416:
                return b""  # the range starts past the end of the file
            self._refuse(ans, what, model_id)
            raise NetworkError(f"{what}: unexpected HTTP {ans.status}")

        return self._retrying(what, model_id, once)


def with_limit(url: str, limit: int) -> str:
    """The same listing URL asking for ``limit`` items per page (keyset cursors do
    not depend on the page size, so a cursor stays valid)."""
    parts = urlsplit(url)
    q = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "limit"]
    q.append(("limit", str(limit)))
    return urlunsplit(parts._replace(query=urlencode(q)))


def smaller_page(size: int) -> int | None:
    """The next page size down the ladder after the Hub refused ``size``."""
    for s in PAGE_SIZES:
        if s < size:
            return s
    return None


def _server_message(ans: _Answer) -> str:
    """The server's own words, one line: ``X-Error-Message`` or the JSON ``error``."""
    parts: list[str] = []
    head = ans.headers.get("x-error-message")
    if head:
        parts.append(head)
    try:
        doc = json.loads(ans.body.decode("utf-8", errors="replace")) if ans.body else None
    except json.JSONDecodeError:
        doc = None
    if isinstance(doc, dict):
        err = doc.get("error") or doc.get("message") or doc.get("Message")
        if isinstance(err, str) and err not in parts:
            parts.append(err)
    return " ".join(" ".join(parts).split())[:200]


def next_link(headers: httpx.Headers, base: str) -> str | None:
    """The ``rel="next"`` target of a ``Link`` header (RFC 8288), absolute."""
    for value in headers.get_list("link"):
        for part in _split_links(value):
            m = re.match(r'\s*<([^>]*)>(.*)', part)
            if not m:
                continue
            params = m.group(2)
            if re.search(r';\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?', params):
                return str(urljoin(base, m.group(1)))
    return None


def _split_links(value: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    depth = False
    for ch in value:
        if ch == "<":
            depth = True
        elif ch == ">":
            depth = False
        if ch == "," and not depth:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out
