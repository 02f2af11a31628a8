"""``modelatlas serve``: the dashboard and JSON API on 127.0.0.1 by default."""

from __future__ import annotations

import sys

from modelatlas.cli import context
from modelatlas.cli.spec import Command, Values
from modelatlas.queries import Param

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def serve(v: Values) -> None:
    """Serve the dashboard (/) and the JSON API (/api/...) over the store, read-only."""
    from modelatlas.web.server import run_server

    host, port = v["host"], v["port"]
    if host not in LOOPBACK:
        print(f"warning: serving on {host}: anyone who can reach it can read the store",
              file=sys.stderr)
    run_server(context.state.db, host=host, port=port)


COMMANDS = (
    Command(("serve",), "Serve the dashboard (/) and the JSON API (/api/...) over the store, "
            "read-only.",
            (Param("host", default="127.0.0.1", max_length=255, help="Interface to bind."),
             Param("port", "int", default=8000, minimum=0, maximum=65535, help="TCP port.")),
            serve),
)
