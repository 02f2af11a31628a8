"""FastAPI app: JSON API over :class:`modelatlas.atlas.Atlas`, and the report as dashboard.

Thin like the CLI: parse, call the library, serialise. Expected failures become
JSON errors with status 400/404; every query goes through the library's
parameterised SQL; the dashboard is the self-contained report (every untrusted
string escaped by the report), rebuilt when the store changes. No page loads
anything from a CDN (FastAPI's Swagger UI, which does, is turned off; the
OpenAPI schema stays at /openapi.json).
"""

from __future__ import annotations

import math
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.errors import ModelAtlasError, NotFoundError, UsageError
from modelatlas.store import queries


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = (
        df.astype(object).where(pd.notna(df), None).to_dict(orient="records")
    )
    for row in out:
        for k, v in row.items():
            if isinstance(v, float) and not math.isfinite(v):
                row[k] = None
            elif hasattr(v, "isoformat"):
                row[k] = v.isoformat()
    return out


def create_app(db: str | Path | None = None) -> FastAPI:
    """The app over the store at ``db`` (one connection, serialised by a lock)."""
    atlas = Atlas.open(db)
    lock = threading.Lock()
    cache_dir = Path(tempfile.mkdtemp(prefix="modelatlas-dashboard-"))
    built: dict[str, str] = {}
    app = FastAPI(title="modelatlas", docs_url=None, redoc_url=None,
                  description="Open-weight AI ecosystem metrics (same definitions as the CLI).")

    def call(fn: Callable[[], Any]) -> Any:
        with lock:
            derive.refresh(atlas.store)
            return fn()

    @app.exception_handler(ModelAtlasError)
    async def _expected(_: Request, exc: ModelAtlasError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFoundError) else 400
        return JSONResponse({"error": str(exc)}, status_code=status)

    @app.get("/api/stats")
    def stats() -> dict[str, int]:
        return call(lambda: queries.stats(atlas.store))  # type: ignore[no-any-return]

    @app.get("/api/models")
    def models(org: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        if not 0 <= limit <= 10_000:
            raise UsageError("limit must be between 0 and 10000")
        rows = call(lambda: queries.models(atlas.store, org=org, limit=limit))
        return _records(pd.DataFrame(rows))

    @app.get("/api/share")
    def share(by: str = "region", metric: str = "downloads", attribution: str = "direct",
              freq: str = "month", since: str | None = None,
              until: str | None = None) -> list[dict[str, Any]]:
        df = call(lambda: atlas.share(by=by, metric=metric, attribution=attribution,
                                      freq=freq, since=since, until=until))
        return _records(df)

    @app.get("/api/concentration")
    def concentration(attribution: str = "direct", freq: str = "month") -> list[dict[str, Any]]:
        return _records(call(lambda: atlas.concentration(attribution=attribution, freq=freq)))

    @app.get("/api/cadence")
    def cadence() -> list[dict[str, Any]]:
        return _records(call(atlas.cadence))

    @app.get("/api/licenses")
    def licenses(by: str = "license") -> list[dict[str, Any]]:
        return _records(call(lambda: atlas.license_usage(by=by)))

    @app.get("/api/changes")
    def changes(kind: str | None = None, since: str | None = None,
                limit: int = 100) -> list[dict[str, Any]]:
        return _records(call(lambda: atlas.changes(kind=kind, since=since, limit=limit)))

    @app.get("/api/lineage/{model_id:path}")
    def lineage(model_id: str) -> dict[str, Any]:
        return call(lambda: atlas.lineage(model_id))  # type: ignore[no-any-return]

    @app.get("/api/check/{model_id:path}")
    def check(model_id: str, use: str = "commercial", users: int | None = None) -> Any:
        if "/" not in model_id or model_id.startswith((".", "/")):
            raise UsageError("the web API checks Hub ids in the store, not local paths")
        return call(lambda: atlas.check(model_id, use=use, users=users))

    @app.get("/", response_class=HTMLResponse)
    def dashboard() -> FileResponse:
        def build() -> Path:
            fp = derive.fingerprint(atlas.store)
            html = cache_dir / "index.html"
            if built.get("fp") != fp or not html.exists():
                atlas.report(cache_dir)
                built["fp"] = fp
            return html

        return FileResponse(call(build), media_type="text/html")

    app.state.atlas = atlas
    return app
