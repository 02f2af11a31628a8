"""The ``modelatlas`` command line: thin, it parses, calls the library, renders.

Each command group lives in its own module under ``modelatlas.cli.commands``
and registers itself on import (``register(app)``), so adding a command never
touches this file. Expected failures (``ModelAtlasError``) become one line on
stderr and exit 1 (2 for usage errors); only bugs keep a traceback.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click
import typer

from modelatlas.cli import commands
from modelatlas.cli.context import state
from modelatlas.errors import ModelAtlasError

app = typer.Typer(
    name="modelatlas",
    help="Measure the open-weight AI ecosystem and check models before you build on them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    db: str | None = typer.Option(
        None, "--db", help="DuckDB store path (else $MODELATLAS_DB, else the user data dir)."
    ),
    orgs: str | None = typer.Option(
        None, "--orgs", help="YAML/CSV file extending or overriding the org catalog."
    ),
) -> None:
    state.db = db
    if orgs:
        os.environ["MODELATLAS_ORGS"] = orgs


def _load_commands() -> None:
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{commands.__name__}.{info.name}")
        module.register(app)


_load_commands()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, mapping expected errors to exit codes."""
    try:
        app(args=argv, standalone_mode=False)
    except ModelAtlasError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except click.exceptions.Abort:
        print("aborted", file=sys.stderr)
        return 1
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        return 1
    return 0


def run() -> None:
    sys.exit(main())
