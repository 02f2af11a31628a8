"""``modelatlas import atom DIR``: ATOM Project parameter counts and release dates (for RAM)."""

from __future__ import annotations

import typer

from modelatlas.cli import context
from modelatlas.cli.commands.importing import import_app
from modelatlas.cli.output import emit, print_json
from modelatlas.metrics.atom_reference import load_atom


def import_atom(
    folder: str = typer.Argument(..., help="Folder with models.csv, model_parameters.csv, ..."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
) -> None:
    """Import the ATOM Project's tracked models, parameter counts and release-date corrections."""
    with context.store() as st:
        counts = load_atom(st, folder)
    if as_json:
        print_json(counts)
    else:
        emit([{"table": k, "rows": v} for k, v in counts.items()], as_json=False, as_csv=False)


def register(app: typer.Typer) -> None:
    import_app.command("atom")(import_atom)
