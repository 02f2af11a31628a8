"""Run the web app with uvicorn: print the URL, log each request to stderr."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from modelatlas import settings
from modelatlas.settings import default_db_path
from modelatlas.web.warmup import HEADER


def run_server(db: str | Path | None, *, host: str, port: int,
               allow_hosts: Iterable[str] = ()) -> None:
    """Serve the store at ``db`` until interrupted (answering only to the loopback names,
    ``host`` and ``allow_hosts`` in the Host header)."""
    import uvicorn
    from fastapi import Request

    from modelatlas.web.app import create_app

    path = Path(db) if db else default_db_path()
    app = create_app(path, bound=host, allow_hosts=allow_hosts,
                     page_budget=page_budget())

    @app.middleware("http")
    async def _log(request: Request, call_next: Callable[..., Any]) -> Any:
        t0 = time.perf_counter()
        response = await call_next(request)
        ms = (time.perf_counter() - t0) * 1000
        path_q = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        who = "warm-up " if request.headers.get(HEADER) else ""
        print(f"{who}{request.method} {_printable(path_q[:300])} {response.status_code}"
              f" {ms:.1f}ms", file=sys.stderr, flush=True)
        return response

    threading.Thread(target=_warm, args=(app, host, port), name="modelatlas-warm",
                     daemon=True).start()
    shown = f"[{host}]" if ":" in host else host
    print(f"modelatlas serving {path} at http://{shown}:{port}/ (API: /api/queries;"
          " Ctrl-C to stop)", file=sys.stderr, flush=True)
    try:
        # Ctrl-C: requests still running get 3 s, then the store interrupts its statements
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False,
                    timeout_graceful_shutdown=3)
    finally:
        app.state.shared.close()


def page_budget() -> float | None:
    """MODELATLAS_PAGE_BUDGET as seconds (0 or less, or not a number: no budget)."""
    try:
        value = float(settings.get("page_budget"))
    except ValueError:
        return None
    return value if value > 0 else None


def _warm(app: Any, host: str, port: int) -> None:
    """Import the chart code and bundle the Vega runtime while the server starts, then
    build the default views (:mod:`modelatlas.web.warmup`) once it accepts requests,
    and the most downloaded model's page and check (which also parses the check's
    licence, base-model and re-upload catalogs: 1.8 s the first time), so the first
    page a user opens does not pay for them. ``GET /api/ready`` reports progress."""
    try:
        import modelatlas.report.charts
        import modelatlas.web.page_charts  # noqa: F401

        app.state.site.assets.url("vega.js")
    except Exception as exc:  # a warm-up only: the first page retries and reports it
        print(f"note: warm-up failed ({type(exc).__name__}: {str(exc)[:200]});"
              " the first page will try again", file=sys.stderr, flush=True)
    if settings.get("serve_warmup").strip() not in ("0", "false", "no", "off"):
        app.state.warmup.run(host, port, lambda: _top_model_views(app))
        _follow_writes(app, host, port)


#: Seconds between looks at whether a writer has finished with the store.
FOLLOW_POLL_S = 2.0


def _follow_writes(app: Any, host: str, port: int) -> None:
    """After a writer (an ingest from another process) has let go of the store,
    reconnect at once and, when the data changed, build the default views again, so
    the first user after an ingest does not pay for them either. Runs until the
    server stops; never raises."""
    from modelatlas.store.lock import write_requested
    from modelatlas.web.shared import StoreBusy

    shared = app.state.shared
    last = shared.generation
    while not shared.stopping.wait(FOLLOW_POLL_S):
        if shared.connected or shared.path is None or write_requested(shared.path):
            continue
        try:
            with shared.reader():
                pass
        except StoreBusy:
            continue  # the writer still holds the store
        except Exception as exc:  # a warm-up only: the next request reports it
            print(f"note: could not reopen the store after a write ({type(exc).__name__}:"
                  f" {str(exc)[:200]})", file=sys.stderr, flush=True)
            continue
        if shared.generation != last:
            last = shared.generation
            print("note: the store changed; building the default views again"
                  " (GET /api/ready)", file=sys.stderr, flush=True)
            app.state.warmup.reset()
            app.state.warmup.run(host, port, lambda: _top_model_views(app))


def _top_model_views(app: Any) -> list[str]:
    """The most downloaded model's page and check (read through the ``models`` query,
    as any client would); none on an empty store."""
    from modelatlas.queries import get

    resp = app.state.site.api.answer(get("models"), {"limit": "1"})
    rows = json.loads(bytes(resp.body))
    if not rows:
        return []
    model = str(rows[0]["id"])
    return ["/model?id=" + quote(model, safe=""), "/api/check/" + quote(model, safe="/")]


def _printable(text: str) -> str:
    """A request line without control characters (a terminal never gets raw escapes)."""
    from modelatlas.cli.output import plain

    return plain(text)
