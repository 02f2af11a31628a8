"""``modelatlas import ...``: reference data (OSAI, MOF, ATOM). Subcommands live in
their owners' modules and attach themselves to ``import_app``."""

from __future__ import annotations

import typer

import_app = typer.Typer(help="Import reference data (openness frameworks, ATOM lists).",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
