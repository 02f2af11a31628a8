"""``modelatlas import osai DIR`` and ``import mof DIR``: openness reference files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from modelatlas.cli import context
from modelatlas.cli.commands.importing import import_app
from modelatlas.cli.output import print_json
from modelatlas.openness import imports


@import_app.command("osai")
def import_osai(
    folder: Annotated[
        Path, typer.Argument(help="Folder of OSAI project files (projects/*.yaml).")
    ],
    as_json: bool = typer.Option(False, "--json", help="Print the import summary as JSON."),
) -> None:
    """Load Open Source AI Index project files; scores and ranks as published."""
    with context.store() as st:
        summary = imports.import_osai(st, folder)
    if as_json:
        print_json(summary)
        return
    print(
        f"imported {summary['projects']} OSAI projects from {folder} "
        f"({len(summary['skipped'])} skipped, {summary['linked']} linked to a Hub id, "
        f"{summary['in_store']} of them in the store)"
    )


@import_app.command("mof")
def import_mof(
    folder: Annotated[Path, typer.Argument(help="Folder of MOF model files (models/*.yml).")],
    as_json: bool = typer.Option(False, "--json", help="Print the import summary as JSON."),
) -> None:
    """Load Model Openness Framework model files; definitions from the folder above."""
    with context.store() as st:
        summary = imports.import_mof(st, folder)
    if as_json:
        print_json(summary)
        return
    classes = ", ".join(f"{k}: {v}" for k, v in sorted(summary["classes"].items()))
    print(
        f"imported {summary['models']} MOF models from {folder} ({classes}); "
        f"{summary['linked']} linked to a Hub id, {summary['in_store']} in the store; "
        f"{len(summary['errors'])} unreadable"
    )


def register(app: typer.Typer) -> None:
    """Subcommands attach to ``import_app`` on import; nothing else to register."""
