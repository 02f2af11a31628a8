"""Run the web app with uvicorn: print the URL, log each request to stderr."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from modelatlas.settings import default_db_path


def run_server(db: str | Path | None, *, host: str, port: int,
               allow_hosts: Iterable[str] = ()) -> None:
    """Serve the store at ``db`` until interrupted (answering only to the loopback names,
    ``host`` and ``allow_hosts`` in the Host header)."""
    import uvicorn
    from fastapi import Request

    from modelatlas.web.app import create_app

    path = Path(db) if db else default_db_path()
    app = create_app(path, bound=host, allow_hosts=allow_hosts)

    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[..., Any]) -> Any:
        t0 = time.perf_counter()
        response = await call_next(request)
        ms = (time.perf_counter() - t0) * 1000
        path_q = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        print(f"{request.method} {_printable(path_q[:300])} {response.status_code} {ms:.1f}ms",
              file=sys.stderr, flush=True)
        return response

    threading.Thread(target=_warm, args=(app,), name="modelatlas-warm", daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    print(f"modelatlas serving {path} at http://{shown}:{port}/ (API: /api/queries;"
          " Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        app.state.shared.close()


def _warm(app: Any) -> None:
    """Import the chart code, bundle the Vega runtime and load the check's catalogs while
    the server waits for its first request, so the first page a user opens does not pay
    for them."""
    try:
        import modelatlas.report.charts
        import modelatlas.web.page_charts  # noqa: F401

        app.state.site.assets.url("vega.js")
        _warm_check(app)
    except Exception as exc:  # a warm-up only: the first page retries and reports it
        print(f"note: warm-up failed ({type(exc).__name__}: {str(exc)[:200]});"
              " the first page will try again", file=sys.stderr, flush=True)


def _warm_check(app: Any) -> None:
    """The first check of a process imports the check package and parses the licence,
    base-model, organisation and re-upload catalogs (YAML: seconds on a loaded machine,
    against about 0.1 s for a later check): run one, on the store's most downloaded
    model (read through the ``models`` query, as any client would), and drop it."""
    from modelatlas.check import check as run_check
    from modelatlas.queries import get

    resp = app.state.site.api.answer(get("models"), {"limit": "1"})
    rows = json.loads(bytes(resp.body))
    if rows:
        with app.state.shared.reader() as reader:
            run_check(str(rows[0]["id"]), reader=reader, folders=False)


def _printable(text: str) -> str:
    """A request line without control characters (a terminal never gets raw escapes)."""
    from modelatlas.cli.output import plain

    return plain(text)
