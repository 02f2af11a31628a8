"""``modelatlas serve``: the dashboard and JSON API on 127.0.0.1 by default."""

from __future__ import annotations

import sys

from modelatlas.cli import context
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import UsageError
from modelatlas.queries import Param


def serve(v: Values) -> None:
    """Serve the dashboard (/) and the JSON API (/api/...) over the store, read-only."""
    # Imported here, not at module level: every CLI call builds the parser from all
    # command modules, and the web stack (FastAPI, pages, charts) costs seconds to import.
    from modelatlas.web.security import LOOPBACK_NAMES, host_name
    from modelatlas.web.server import run_server

    host, port = v["host"], v["port"]
    extra = [h.strip() for h in (v["allow_host"] or "").split(",") if h.strip()]
    for name in extra:
        if host_name(name if ":" not in name or name.startswith("[") else f"[{name}]") is None:
            raise UsageError(f"--allow-host: {name[:60]!r} is not a host name")
    if host not in LOOPBACK_NAMES:
        print(f"warning: serving on {host}: anyone who can reach it can read the store",
              file=sys.stderr)
    run_server(context.state.db, host=host, port=port, allow_hosts=extra)


COMMANDS = (
    Command(("serve",), "Serve the dashboard (/) and the JSON API (/api/...) over the store, "
            "read-only.",
            (Param("host", default="127.0.0.1", max_length=255, help="Interface to bind."),
             Param("port", "int", default=8000, minimum=0, maximum=65535, help="TCP port."),
             Param("allow_host", max_length=2000,
                   help="More Host names to answer to, comma-separated (a name that reaches "
                        "this server, e.g. behind a proxy); loopback names and --host always "
                        "work, any other Host gets 400. Also MODELATLAS_ALLOWED_HOSTS.")),
            serve),
)
