"""``modelatlas serve``: the dashboard and JSON API on 127.0.0.1 by default."""

from __future__ import annotations

import typer

from modelatlas.cli import context


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to bind (loopback)."),
    port: int = typer.Option(8000, "--port"),
) -> None:
    """Serve the dashboard (/) and the JSON API (/api/...) over the store."""
    import uvicorn

    from modelatlas.settings import default_db_path
    from modelatlas.web import create_app

    app = create_app(context.state.db or default_db_path())
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {host}: anyone who can reach it can read the store")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
