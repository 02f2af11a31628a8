"""HTTP client for the Hugging Face Hub API: polite, bounded retries, one host only.

What it speaks (as ``huggingface_hub.HfApi.list_models`` / ``model_info`` do):

* ``GET {endpoint}/api/models?sort=downloads&direction=-1&limit=1000&expand=author&...``
  returns a JSON list of ModelInfo objects; the next page is announced in the
  ``Link: <URL>; rel="next"`` response header (GitHub-style, cursor inside the
  URL). ``expand`` is repeated once per field, as ``huggingface_hub`` sends it.
* ``GET {endpoint}/api/models/{id}?blobs=true`` returns one model's details with
  file sizes in ``siblings``.

Why this is not ``huggingface_hub`` itself: a whole-Hub crawl needs a retry
policy we control (bounded, with jitter, honouring ``Retry-After`` and the IETF
``RateLimit`` headers the Hub sends), a cursor we can checkpoint, a clock tests
can replace (the ``sleep`` seam), and a guarantee that no request leaves the
configured endpoint host (mirrors via ``HF_ENDPOINT``, no redirects elsewhere).
"""

from __future__ import annotations

import email.utils
import json
import random
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import httpx

from modelatlas import __version__, settings
from modelatlas.errors import NetworkError, NotFoundError, UsageError

# Fields we store, asked for with ``expand=`` (ModelInfo property names). Not
# ``cardData``: it can be large (eval results) and the Hub already mirrors its
# licence and base model into ``license:*`` / ``base_model:*`` tags; ``ingest
# details`` fetches the card for the models that need it.
LIST_EXPAND: tuple[str, ...] = (
    "author", "createdAt", "lastModified", "downloads", "downloadsAllTime", "likes",
    "tags", "pipeline_tag", "library_name", "gated", "safetensors",
)  # fmt: skip
SORTS: tuple[str, ...] = ("downloads", "likes", "createdAt", "lastModified")
RETRY_STATUS: frozenset[int] = frozenset({429, 500, 502, 503, 504})
MAX_PAGE_SIZE = 1000  # the Hub serves at most 1000 models per page
# IETF draft-ietf-httpapi-ratelimit-headers: RateLimit: "api";r=<remaining>;t=<reset seconds>
_RATELIMIT_RE = re.compile(r'"?[\w-]+"?\s*;\s*r\s*=\s*(?P<r>\d+)\s*;\s*t\s*=\s*(?P<t>\d+)')


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


class HubClient:
    """GET JSON from one endpoint host with bounded, polite retries.

    ``sleep`` and ``now`` are the clock seam: tests pass a recorder instead of
    really waiting. ``transport`` lets tests plug an ``httpx`` transport.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        token: str | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        user_agent: str | None = None,
    ) -> None:
        parts = urlsplit(endpoint.rstrip("/"))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UsageError(f"endpoint must be an http(s) URL, not {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self._origin = (parts.scheme, parts.netloc.lower())
        self.policy = policy or RetryPolicy.from_env()
        self._sleep = sleep
        self._now = now
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not crypto
        headers = {"user-agent": user_agent or f"modelatlas/{__version__}",
                   "accept": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            headers=headers,
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

    def url(self, path: str, params: Sequence[tuple[str, str]] = ()) -> str:
        q = f"?{urlencode(list(params))}" if params else ""
        return f"{self.endpoint}{path}{q}"

    # -- requests ---------------------------------------------------------------------

    def get(self, url: str, *, what: str, method: str = "GET",
            body: Any | None = None) -> tuple[Any, str, httpx.Headers]:
        """Parsed JSON, raw text and headers of one URL, retrying what is worth retrying.

        Retried: 429 (after ``Retry-After``/``RateLimit``), 5xx, connection errors,
        timeouts, and bodies that are not complete JSON. Not retried: other 4xx.
        Raises ``NetworkError`` (one line, naming ``what``) once attempts run out.
        """
        last = "no attempt"
        for attempt in range(1, self.policy.attempts + 1):
            wait: float | None = None
            try:
                resp = self._send(url, method, body)
            except httpx.TransportError as exc:
                last = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            else:
                self.stats.statuses[resp.status_code] = (
                    self.stats.statuses.get(resp.status_code, 0) + 1
                )
                if resp.status_code == 200:
                    text = resp.text
                    try:
                        return json.loads(text), text, resp.headers
                    except json.JSONDecodeError as exc:
                        last = f"incomplete JSON body ({len(text)} bytes): {exc.msg}"
                elif resp.status_code in RETRY_STATUS:
                    last = f"HTTP {resp.status_code}"
                    if resp.status_code in (429, 503):
                        wait = retry_after(resp.headers, self._now())
                elif resp.status_code == 404:
                    raise NotFoundError(f"{what}: not found (HTTP 404)")
                else:
                    raise NetworkError(
                        f"{what} failed: HTTP {resp.status_code} {_reason(resp)}".rstrip()
                    )
            if attempt == self.policy.attempts:
                break
            if wait is None:
                wait = self.policy.backoff(attempt, self._rng)
            else:
                wait += self._rng.uniform(0, 1)  # spread clients released together
            wait = min(wait, self.policy.max_wait) * self.policy.wait_scale
            self.stats.retries += 1
            self.stats.waited += wait
            self._sleep(wait)
        raise NetworkError(
            f"{what} failed after {self.policy.attempts} attempts ({last}); "
            "the checkpoint is kept, rerun the same command to continue"
        )

    def _send(self, url: str, method: str, body: Any | None) -> httpx.Response:
        """One request; follows redirects only within the endpoint host."""
        for _ in range(5):
            self.check_url(url)
            self.stats.requests += 1
            if method == "GET":
                resp = self._http.get(url)
            else:
                resp = self._http.request(method, url, json=body)
            if resp.is_redirect and "location" in resp.headers:
                url = urljoin(url, resp.headers["location"])
                continue
            resp.read()
            return resp
        raise httpx.TooManyRedirects("more than 5 redirects", request=resp.request)

    # -- Hub endpoints ------------------------------------------------------------------

    def list_url(
        self,
        *,
        sort: str = "downloads",
        direction: int = -1,
        limit: int = MAX_PAGE_SIZE,
        expand: Sequence[str] = LIST_EXPAND,
        search: str | None = None,
        author: str | None = None,
    ) -> str:
        """URL of the first page of ``/api/models`` (later pages come from ``Link``)."""
        if sort not in SORTS:
            raise UsageError(f"--sort must be one of {'|'.join(SORTS)}")
        params: list[tuple[str, str]] = [
            ("sort", sort), ("direction", str(direction)), ("limit", str(limit)),
        ]  # fmt: skip
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
        nxt = _next_link(headers, url)
        if nxt is not None:
            self.check_url(nxt)
        total = headers.get("x-total-count")
        return Page(data, nxt, int(total) if total and total.isdigit() else None, text)

    def model_info(self, model_id: str) -> dict[str, Any]:
        """``/api/models/{id}?blobs=true``: full details with file sizes."""
        url = self.url(f"/api/models/{quote(model_id, safe='/')}", [("blobs", "true")])
        data, _, _ = self.get(url, what=f"model {model_id}")
        if not isinstance(data, dict):
            raise NetworkError(f"model {model_id}: answer is not a JSON object")
        return data


def _reason(resp: httpx.Response) -> str:
    try:
        doc = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return resp.reason_phrase
    if isinstance(doc, dict) and isinstance(doc.get("error"), str):
        return str(doc["error"])[:200]
    return resp.reason_phrase


def _next_link(headers: httpx.Headers, base: str) -> str | None:
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
