"""Run the web app with uvicorn: print the URL, log each request to stderr."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from modelatlas.settings import default_db_path


def run_server(db: str | Path | None, *, host: str, port: int) -> None:
    """Serve the store at ``db`` until interrupted."""
    import uvicorn
    from fastapi import Request

    from modelatlas.web.app import create_app

    path = Path(db) if db else default_db_path()
    app = create_app(path)

    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[..., Any]) -> Any:
        t0 = time.perf_counter()
        response = await call_next(request)
        ms = (time.perf_counter() - t0) * 1000
        path_q = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        print(f"{request.method} {path_q[:300]} {response.status_code} {ms:.1f}ms",
              file=sys.stderr, flush=True)
        return response

    shown = f"[{host}]" if ":" in host else host
    print(f"modelatlas serving {path} at http://{shown}:{port}/ (API: /api/queries;"
          " Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.shared.close()
