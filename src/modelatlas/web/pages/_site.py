"""What every page shares: asking registered queries, templates, the page cache, errors.

Pages read data the way every client does: :meth:`Site.ask` runs a registered
query through the same :class:`~modelatlas.web.app.Api` that serves
``GET /api/<name>`` (same parsing, same per-generation answer cache, the same
JSON), so a page shows exactly what the API answers and holds no metric code.
Templates are Jinja2 with autoescaping on: every string from data is escaped
(and stripped of control characters by the ``text`` filter); data for scripts
(chart specs) goes into ``<script type="application/json">`` with ``<``, ``>``
and ``&`` escaped, never into executable script. A rendered page is cached per
store generation and URL, so a repeated view costs a dictionary lookup.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from modelatlas.cli.output import plain
from modelatlas.errors import ModelAtlasError, NotFoundError
from modelatlas.queries import Param, all_queries, get
from modelatlas.report.page import script_json
from modelatlas.web.shared import AnswerCache, StoreBusy
from modelatlas.web.warmup import HEADER as WARMUP_HEADER

if TYPE_CHECKING:
    from modelatlas.web.app import Api
    from modelatlas.web.assets import Assets

#: Longest text a page parameter (search box, sort key) may carry.
MAX_PARAM = 200
#: Rows of a table per page.
PAGE_ROWS = 50

#: Pages built at once in the background (2 cores: more would only share them).
BUILDERS = 2
#: Views being built (or built and not yet collected) at most; beyond, 503.
MAX_INFLIGHT = 64
#: Seconds between reloads of the "computing" page.
REFRESH_S = 2

NAV = (("/", "Overview"), ("/orgs", "Organisations"), ("/families", "Families"),
       ("/licences", "Licences"), ("/changes", "Changes"), ("/openness", "Openness"))


class Stale(Exception):
    """An answer came from the cache while a writer holds the store (do not cache the
    page built from it)."""


@dataclass
class Asked:
    """The answers one page read, and whether any of them was stale."""

    site: Site
    stale: bool = False
    calls: list[str] = field(default_factory=list)

    def __call__(self, name: str, /, **params: Any) -> Any:
        """The JSON answer of ``GET /api/<name>?<params>`` (None values dropped);
        ModelAtlasError (NotFoundError, UsageError, StoreBusy) as the API raises it."""
        q = get(name)
        raw = {k: v for k, v in params.items() if v is not None}
        resp = self.site.api.answer(q, raw)
        if resp.headers.get("X-Modelatlas-Stale"):
            self.stale = True
        self.calls.append(api_url(q.name, raw, q.positional()))
        return json.loads(bytes(resp.body))

    def maybe(self, name: str, /, **params: Any) -> tuple[Any, str | None]:
        """``(answer, None)``, or ``(None, message)`` when the query answers with an
        expected error (nothing imported, not in the store, a bad filter value): the
        page shows the message in place of that panel. StoreBusy propagates."""
        try:
            return self(name, **params), None
        except StoreBusy:
            raise
        except ModelAtlasError as exc:
            return None, str(exc)


def api_url(name: str, raw: Mapping[str, Any], positional: Param | None = None) -> str:
    """The ``GET /api/<name>`` URL of an answer (a positional value as path segments)."""
    rest = dict(raw)
    path = f"/api/{name}"
    if positional is not None and positional.name in rest:
        segments = str(rest.pop(positional.name)).split("/")
        path += "/" + "/".join(quote(s, safe="") if s not in (".", "..") else s.replace(
            ".", "%2E") for s in segments)
    return path + (f"?{urlencode(rest)}" if rest else "")


def describe(name: str) -> dict[str, Any] | None:
    """The registry's description of a query (as ``GET /api/queries`` lists it), or None
    when this build has no such query."""
    for q in all_queries():
        if q.name == name:
            return q.describe()
    return None


def has_param(query: str, param: str) -> bool:
    d = describe(query)
    return d is not None and any(p["name"] == param for p in d["params"])


def choices(query: str, param: str) -> tuple[str, ...]:
    d = describe(query)
    for p in d["params"] if d else ():
        if p["name"] == param:
            return tuple(p.get("choices", ()))
    return ()


# -- template helpers ------------------------------------------------------------------

def href(path: str, params: Mapping[str, Any] | None = None, **more: Any) -> str:
    """A same-site URL with its query string (None and empty values dropped)."""
    merged = {**(params or {}), **more}
    q = {k: ("true" if v is True else "false" if v is False else v)
         for k, v in merged.items() if v is not None and v != ""}
    return path + (f"?{urlencode(q)}" if q else "")


def model_url(model_id: Any) -> str:
    return href("/model", id=str(model_id))


def org_url(org: Any) -> str:
    return href("/org", name=str(org))


def tree_url(root: Any) -> str:
    return href("/tree", root=str(root))


def _num(v: Any, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, bool) or not isinstance(v, int | float):
        return plain(v)
    if isinstance(v, float) and not v.is_integer():
        return f"{v:,.{digits or 2}f}" if abs(v) < 100 else f"{v:,.0f}"
    return f"{int(v):,}"


def _pct(v: Any) -> str:
    if v is None or not isinstance(v, int | float) or isinstance(v, bool):
        return "–"
    return f"{100 * v:.1f}%"


def _text(v: Any) -> str:
    """Data shown as inert text: control characters (ANSI escapes) made visible."""
    if v is None:
        return "–"
    if isinstance(v, list | dict):
        return plain(json.dumps(v, ensure_ascii=False))
    return plain(v)


#: Longest cell text in a generic table (a MOF entry's component list can be pages long;
#: the JSON answer has it whole).
MAX_CELL = 120


def _cell(v: Any) -> str:
    """A table cell: lists as "a, b, c", mappings as "k: v; ...", cut at MAX_CELL."""
    def one(x: Any) -> str:
        return _num(x) if isinstance(x, int | float) and not isinstance(x, bool) else _text(x)

    if isinstance(v, list):
        text = ", ".join(one(x) for x in v) if v else "–"
    elif isinstance(v, dict):
        text = "; ".join(f"{_text(k)}: {one(x)}" for k, x in v.items()) if v else "–"
    else:
        text = _text(v)
    return text if len(text) <= MAX_CELL else text[:MAX_CELL - 1] + "…"


def _script_json(doc: Any) -> Markup:
    return Markup(script_json(doc))  # noqa: S704 (script_json escapes <, > and &)


def _safe_link(url: Any) -> str | None:
    """An external link only when it is http(s) (a catalog's ``javascript:`` stays text)."""
    text = str(url or "")
    return text if re.match(r"^https?://[^\s<>\"']+$", text) else None


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("modelatlas.web", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    env.filters.update(num=_num, pct=_pct, text=_text, cell=_cell, script_json=_script_json,
                       safe_link=_safe_link)
    env.globals.update(href=href, model_url=model_url, org_url=org_url, tree_url=tree_url,
                       nav=NAV)
    return env


# -- the site ------------------------------------------------------------------------

@dataclass
class Site:
    """The pages' shared state: the API door, assets, templates, rendered pages."""

    api: Api
    assets: Assets
    env: jinja2.Environment = field(default_factory=environment)
    pages: AnswerCache = field(default_factory=lambda: AnswerCache(64 * 1024 * 1024))
    #: Seconds a request waits for its page to be built before the "computing" page
    #: is shown (None: wait however long the build takes; in-process apps and tests).
    budget: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _inflight: dict[tuple[str, str], tuple[Future[Response], float]] = field(
        default_factory=dict)
    _pool: ThreadPoolExecutor | None = None
    _memo: dict[str, tuple[str, Any, list[str]]] = field(default_factory=dict)

    def memo(self, ask: Asked, name: str, produce: Callable[[Asked], Any]) -> Any:
        """``produce(ask)``, computed once per store generation and ``name`` and shared
        by every page that needs it (a joined table of several large answers: decoding
        the 16 MB ``orgs`` answer of a whole-Hub store alone takes a second). The
        answers it read are listed on each page that uses it; a result built from a
        stale answer is not kept. Callers must not modify what it returns."""
        gen = self.api.shared.generation or ""
        with self._lock:
            hit = self._memo.get(name)
        if hit is not None and hit[0] == gen:
            ask.calls.extend(hit[2])
            return hit[1]
        before = len(ask.calls)
        value = produce(ask)
        if not ask.stale:
            with self._lock:
                self._memo[name] = (gen, value, ask.calls[before:])
        return value

    def render(self, template: str, **ctx: Any) -> str:
        return self.env.get_template(template).render(
            static=self.assets.url, **ctx)

    def page(self, request: Request, template: str,
             build: Callable[[Asked], Mapping[str, Any]], *, cache: bool = True) -> Response:
        """Build (or fetch from the cache) one page; expected failures become an error
        page with the API's status and one-line message.

        With a ``budget`` (``serve``: MODELATLAS_PAGE_BUDGET seconds), a page whose
        answers are not computed yet (the first view of a heavy query on a large
        store: seconds to minutes) is built in the background: if it is not done
        within the budget, a small "computing" page (202) that reloads itself comes
        back at once, and the reload gets the built page. A second request for the
        same view joins the build under way instead of starting another."""
        shared = self.api.shared
        key = (shared.generation or "", str(request.url.path) + "?" + request.url.query)
        if cache and shared.connected:
            # connected: no writer has changed the store since this generation was read
            body = self.pages.get(key)
            if body is not None:
                return HTMLResponse(body)
        path = request.url.path
        if self.budget is None:
            return self._build(key, path, template, build, cache)
        # serve's own warm-up wants the built page, not the "computing" one
        budget = None if request.headers.get(WARMUP_HEADER) else self.budget
        with self._lock:
            entry = self._inflight.get(key)
            if entry is None:
                if len(self._inflight) >= MAX_INFLIGHT:
                    for k in [k for k, (f, _) in self._inflight.items() if f.done()]:
                        del self._inflight[k]
                if len(self._inflight) >= MAX_INFLIGHT:
                    return self.error(503, "too many views are being computed at once;"
                                      " retry in a few seconds", {"Retry-After": "5"})
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(BUILDERS, "modelatlas-page")
                entry = (self._pool.submit(self._build, key, path, template, build, cache),
                         time.monotonic())
                self._inflight[key] = entry
        job, started = entry
        try:
            response = job.result(timeout=budget)
        except FutureTimeout:
            return self.pending(path, time.monotonic() - started)
        with self._lock:
            if self._inflight.get(key) is entry:
                del self._inflight[key]
        return response

    def _build(self, key: tuple[str, str], path: str, template: str,
               build: Callable[[Asked], Mapping[str, Any]], cache: bool) -> Response:
        shared = self.api.shared
        asked = Asked(self)
        try:
            ctx = dict(build(asked))
            stats, _ = asked.maybe("stats")
            html = self.render(template, stats=stats or {}, stale=asked.stale,
                               api_calls=asked.calls, path=path, **ctx)
        except StoreBusy as exc:
            return self.error(503, str(exc), {"Retry-After": "5"})
        except NotFoundError as exc:
            return self.error(404, str(exc))
        except ModelAtlasError as exc:
            return self.error(400, str(exc))
        body = html.encode()
        if cache and not asked.stale and shared.generation == key[0]:
            self.pages.put(key, body)
            with self._lock:   # the page cache answers from now on; a waiter has the job
                self._inflight.pop(key, None)
        headers = {"X-Modelatlas-Stale": "store-busy"} if asked.stale else None
        return HTMLResponse(body, headers=headers)

    def pending(self, path: str, waited: float) -> HTMLResponse:
        """The page shown while a view is computed: interactive at once (navigation,
        search), reloading itself every :data:`REFRESH_S` seconds until the view is
        there."""
        html = self.render("pending.html", waited=waited, refresh=REFRESH_S, stats={},
                           stale=False, api_calls=[], path=path)
        return HTMLResponse(html, status_code=202,
                            headers={"Cache-Control": "no-store"})

    def error(self, status: int, message: str,
              headers: Mapping[str, str] | None = None) -> HTMLResponse:
        titles = {400: "Bad request", 404: "Not found", 405: "Not allowed",
                  503: "Store busy"}
        html = self.render("error.html", title=titles.get(status, "Error"), status=status,
                           message=message, stats={}, stale=False, api_calls=[], path="")
        return HTMLResponse(html, status_code=status, headers=dict(headers or {}))


def text_param(request: Request, name: str, default: str = "") -> str:
    """A page's own query parameter (search text, sort key), bounded."""
    value = request.query_params.get(name, default)
    if len(value) > MAX_PARAM or "\x00" in value:
        from modelatlas.errors import UsageError

        raise UsageError(f"{name} is longer than {MAX_PARAM} characters or has a NUL")
    return value


def page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    from modelatlas.errors import UsageError

    if not raw.isdigit() or not 1 <= int(raw) <= 100_000:
        raise UsageError("page must be a whole number from 1 to 100000")
    return int(raw)


def paged(rows: list[Any], page: int, size: int = PAGE_ROWS) -> dict[str, Any]:
    """One page of ``rows`` and the numbers the pager shows."""
    pages = max(1, math.ceil(len(rows) / size))
    page = min(page, pages)
    return {"rows": rows[(page - 1) * size: page * size], "page": page, "pages": pages,
            "total": len(rows), "first": (page - 1) * size + 1 if rows else 0,
            "last": min(page * size, len(rows))}


def sort_rows(rows: list[dict[str, Any]], key: str, descending: bool) -> list[dict[str, Any]]:
    """Rows sorted by one column, unknown values last whatever the direction."""
    def order(r: dict[str, Any]) -> tuple[int, float, str]:
        v = r[key]
        if isinstance(v, int | float) and not isinstance(v, bool):
            return (0, float(v), "")
        return (1, 0.0, str(v).lower())

    known = [r for r in rows if r.get(key) is not None]
    unknown = [r for r in rows if r.get(key) is None]
    known.sort(key=order, reverse=descending)
    return known + unknown
