"""FastAPI app: every registered query at ``GET /api/<name>``, the same JSON as the CLI.

Thin like the CLI: routes are generated from the query registry (parameter
names are the CLI options in snake_case, a positional argument is the last
path segments), answers are encoded once and cached per store generation.
Expected failures are JSON errors: 400 (bad parameter), 404 (not in the
store), 422 (a value of the wrong type), 503 (a writer holds the store). No
page loads anything from a CDN (FastAPI's Swagger UI, which does, is off; the
schema is at /openapi.json). The server only reads.

The dashboard's pages (:mod:`modelatlas.web.pages`) read the same answers
through :class:`Api`; :mod:`modelatlas.web.security` wraps everything (Host
allowlist, GET/HEAD only, Content-Security-Policy) and
:mod:`modelatlas.web.assets` serves the page scripts from memory.
"""

from __future__ import annotations

import gzip
import inspect
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi import Query as Q
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from modelatlas.cli.output import to_json
from modelatlas.errors import ModelAtlasError, NotFoundError, UsageError
from modelatlas.queries import Param, Query, all_queries
from modelatlas.queries._engine import Reader, store_answer, stored_answer
from modelatlas.web.assets import Assets
from modelatlas.web.assets import mount as mount_assets
from modelatlas.web.pages import Site
from modelatlas.web.pages import mount as mount_pages
from modelatlas.web.security import Guard, allowed_hosts
from modelatlas.web.shared import SharedStore, StoreBusy
from modelatlas.web.warmup import WarmUp

ERROR = {"type": "object", "properties": {"error": {"type": "string"}},
         "required": ["error"]}
RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A parameter value is invalid.",
          "content": {"application/json": {"schema": ERROR}}},
    404: {"description": "Not in the store.",
          "content": {"application/json": {"schema": ERROR}}},
    422: {"description": "A parameter has the wrong type."},
    503: {"description": "A writer holds the store; retry shortly.",
          "content": {"application/json": {"schema": ERROR}}},
}

_PY = {"str": str, "int": int, "float": float, "bool": bool, "date": str}


def _annotation(p: Param) -> Any:
    return _PY[p.type] | None


def _query_default(p: Param) -> Any:
    extra: dict[str, Any] = {}
    if p.choices:
        extra["enum"] = list(p.choices)
    lo = p.web_minimum if p.web_minimum is not None else p.minimum
    hi = p.web_maximum if p.web_maximum is not None else p.maximum
    if lo is not None:
        extra["minimum"] = lo
    if hi is not None:
        extra["maximum"] = hi
    if p.type == "date":
        extra["pattern"] = r"^\d{4}(-\d{2}(-\d{2})?)?$"
    default = p.web_default if p.web_default is not None else p.default
    if default is not None and not isinstance(default, bool | int | float | str):
        default = str(default)
    if default is not None:
        extra["default"] = default
    return Q(None, description=p.help, max_length=p.max_length if p.type == "str" else None,
             json_schema_extra=extra or None)


#: Answers at least this large go out gzip-compressed to clients that accept it (the
#: compressed copy is made once and cached beside the plain one): a 16 MB ``orgs``
#: list is ~1.5 MB on the wire, and moving the plain bytes through the server's HTTP
#: layer cost more than the cache saved.
GZIP_MIN_BYTES = 256 * 1024


def _accepts_gzip(request: Request | None) -> bool:
    if request is None:
        return False
    return any(part.split(";")[0].strip() == "gzip"
               for part in request.headers.get("accept-encoding", "").split(","))


class Api:
    """The routes' shared state: the store, and how one query answer is produced."""

    def __init__(self, shared: SharedStore) -> None:
        self.shared = shared

    def answer(self, q: Query, raw: dict[str, Any], request: Request | None = None
               ) -> Response:
        args = q.parse({k: v for k, v in raw.items() if v is not None}, web=True)
        return self.cached(q.name + to_json(sorted(args.items())),
                           lambda reader: reader.run(q, args).document(), request)

    def _response(self, gen: str, key: str, body: bytes, request: Request | None,
                  headers: dict[str, str] | None = None) -> Response:
        """``body`` as JSON; gzip-compressed (once, then cached) when it is large and
        the client accepts it."""
        if len(body) < GZIP_MIN_BYTES:
            return Response(body, media_type="application/json", headers=headers)
        out = {**(headers or {}), "Vary": "Accept-Encoding"}
        if not _accepts_gzip(request):
            return Response(body, media_type="application/json", headers=out)
        packed = self.shared.answers.get((gen, key + "\x00gzip"))
        if packed is None:
            packed = gzip.compress(body, compresslevel=5, mtime=0)
            self.shared.answers.put((gen, key + "\x00gzip"), packed)
        return Response(packed, media_type="application/json",
                        headers={**out, "Content-Encoding": "gzip"})

    def cached(self, key: str, produce: Callable[[Reader], Any],
               request: Request | None = None) -> Response:
        """The JSON of ``produce(reader)``, encoded once per store generation and ``key``
        (a query and its parsed arguments, a check and its id and use): the one answer
        cache of the server (:class:`~modelatlas.web.shared.AnswerCache`), dropped when
        the store changes. While a writer holds the store a cached answer is served
        marked stale; without one, StoreBusy (503)."""
        gen = self.shared.generation or ""
        body = self.shared.answers.get((gen, key))
        if body is not None and self.shared.connected:
            return self._response(gen, key, body, request)
        try:
            with self.shared.reader() as reader:
                gen = self.shared.generation or ""
                # the file is emptied when the store changes; the generation in the key
                # keeps an answer to its store state whatever happens to that rule
                kept = (stored_answer(reader.con, gen + "\x00" + key)
                        if self.shared.persistent else None)
                body = kept if kept is not None else to_json(produce(reader)).encode()
                if kept is None and self.shared.persistent:
                    store_answer(reader.con, gen + "\x00" + key, body)
        except StoreBusy:
            stale = self.shared.answers.get((gen, key))
            if stale is None:
                raise
            return self._response(gen, key, stale, request,
                                  {"X-Modelatlas-Stale": "store-busy"})
        self.shared.answers.put((gen, key), body)
        return self._response(gen, key, body, request)

    def check(self, model_id: str, use: str, users: int | None,
              request: Request | None = None) -> Response:
        """``GET /api/check/{org}/{name}``: the check of a Hub id (never a path), cached
        like a query answer (its inputs are the store and the shipped catalogs)."""
        from modelatlas.check import check as run_check
        from modelatlas.check import hubid

        model_id = hubid.require(model_id)  # the Hub's grammar: no path form passes
        if use not in ("commercial", "research", "saas"):
            raise UsageError("use must be one of commercial|research|saas")
        return self.cached(
            "check" + to_json([model_id, use, users]),
            lambda reader: run_check(model_id, reader=reader, use=use, users=users,
                                     folders=False).as_dict(), request)


def _endpoint(api: Api, q: Query, with_positional: bool) -> Callable[..., Response]:
    """A route function whose signature declares the query's parameters (for OpenAPI)."""
    pos = q.positional()
    # the request (for its Accept-Encoding) is injected by FastAPI, not a query parameter
    params = [inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                annotation=Request)]
    for p in q.params:
        if not p.web or (p is pos and not with_positional):
            continue
        if p is pos:
            params.append(inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                            annotation=str))
        else:
            params.append(inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY,
                                            default=_query_default(p),
                                            annotation=_annotation(p)))

    def route(request: Request, **values: Any) -> Response:
        return api.answer(q, values, request)

    route.__signature__ = inspect.Signature(params, return_annotation=Any)  # type: ignore[attr-defined]
    route.__name__ = q.method + ("_by_id" if with_positional else "")
    route.__doc__ = q.help
    return route


def create_app(db: str | Path | None = None, *, watch: bool = True,
               bound: str | None = None, allow_hosts: Iterable[str] = (),
               page_budget: float | None = None) -> FastAPI:
    """The app over the store at ``db`` (``None``/``":memory:"``: an empty in-memory one).

    It answers requests whose ``Host`` is a loopback name, ``bound`` (the interface
    ``serve`` listens on), a name in ``MODELATLAS_ALLOWED_HOSTS`` or in ``allow_hosts``;
    any other Host gets 400 (:mod:`modelatlas.web.security`). ``page_budget``: seconds a
    page request waits for its view to be built before a self-reloading "computing"
    page is shown (None: as long as it takes)."""
    path = None if db is None or str(db) == ":memory:" else Path(db).expanduser()
    shared = SharedStore(path, watch=watch)
    api = Api(shared)
    site = Site(api, Assets(), budget=page_budget)
    app = FastAPI(title="modelatlas", docs_url=None, redoc_url=None,
                  description="Open-weight AI ecosystem metrics; every query of the CLI, with "
                              "the same parameters and the same JSON.")

    def _failure(request: Request, status: int, message: str,
                 headers: dict[str, str] | None = None) -> Response:
        """JSON for the API (and anything asking for JSON), an HTML page for pages."""
        if request.url.path.startswith(("/api/", "/openapi", "/static/")):
            return JSONResponse({"error": message}, status_code=status, headers=headers)
        return site.error(status, message, headers)

    @app.exception_handler(ModelAtlasError)
    async def _expected(request: Request, exc: ModelAtlasError) -> Response:
        status = (404 if isinstance(exc, NotFoundError) else 503 if isinstance(exc, StoreBusy)
                  else 400)
        headers = {"Retry-After": "5"} if status == 503 else None
        return _failure(request, status, str(exc), headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own answers (no such route, method not allowed) in the same shape
        # as every other error, so the documented error schema holds for them too.
        return _failure(request, exc.status_code, str(exc.detail),
                        dict(exc.headers) if exc.headers else None)

    for q in all_queries():
        pos = q.positional()
        if pos is None or not pos.required:
            app.get(f"/api/{q.name}", summary=q.help, responses=RESPONSES,
                    name=q.method)(_endpoint(api, q, False))
        if pos is not None:
            app.get(f"/api/{q.name}/{{{pos.name}:path}}", summary=q.help, responses=RESPONSES,
                    name=q.method + "_by_id")(_endpoint(api, q, True))

    warmup = WarmUp()

    @app.get("/api/ready", summary="Readiness: whether serve's start-up warm-up has built "
             "the default views (their first answers are then cached), with each view's "
             "status and time; state 'off' when this process runs no warm-up.")
    def ready() -> dict[str, Any]:
        return warmup.document()

    @app.get("/api/queries", summary="Every query with its parameters and choices.")
    def queries() -> list[dict[str, Any]]:
        return [q.describe() for q in all_queries()]

    @app.get("/api/check/{org}/{name}", responses=RESPONSES,
             summary="Due diligence on a Hub model in the store (Hub ids only, never paths).")
    def check(request: Request, org: str, name: str, use: str = "commercial",
              users: int | None = Q(None, ge=0, le=10**12)) -> Response:
        return api.check(f"{org}/{name}", use, users, request)

    mount_assets(app, site.assets)
    mount_pages(app, site)

    @app.middleware("http")
    async def _timing(request: Request, call_next: Callable[..., Any]) -> Any:
        t0 = time.perf_counter()
        response = await call_next(request)
        response.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
        return response

    app.add_middleware(Guard, hosts=allowed_hosts(bound, allow_hosts))
    app.state.shared = shared
    app.state.warmup = warmup
    app.state.site = site
    return app
