"""``modelatlas import osai DIR`` and ``import mof DIR``: openness reference files."""

from __future__ import annotations

from pathlib import Path

from modelatlas.cli import context
from modelatlas.cli.output import plain, print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.queries import Param

GROUP = "Import reference data (openness frameworks, ATOM lists)."
JSON = Param("as_json", "bool", default=False, flag="--json",
             help="Print the import summary as JSON.")


def folder(help: str) -> Param:
    return Param("folder", positional=True, required=True, max_length=4096, help=help)


def import_osai(v: Values) -> None:
    """Load Open Source AI Index project files; scores and ranks as published."""
    from modelatlas.openness import imports

    with context.store() as st:
        summary = imports.import_osai(st, Path(v["folder"]))
    if v["as_json"]:
        print_json(summary)
        return
    print(plain(
        f"imported {summary['projects']} OSAI projects from {v['folder']} "
        f"({len(summary['skipped'])} skipped, {summary['linked']} linked to a Hub id, "
        f"{summary['in_store']} of them in the store)"))


def import_mof(v: Values) -> None:
    """Load Model Openness Framework model files; definitions from the folder above."""
    from modelatlas.openness import imports

    with context.store() as st:
        summary = imports.import_mof(st, Path(v["folder"]))
    if v["as_json"]:
        print_json(summary)
        return
    classes = ", ".join(f"{k}: {n}" for k, n in sorted(summary["classes"].items()))
    print(plain(
        f"imported {summary['models']} MOF models from {v['folder']} ({classes}); "
        f"{summary['linked']} linked to a Hub id, {summary['in_store']} in the store; "
        f"{len(summary['errors'])} unreadable"))


COMMANDS = (
    Command(("import", "osai"), "Load Open Source AI Index project files; scores and ranks "
            "as published.", (folder("Folder of OSAI project files (projects/*.yaml)."), JSON),
            import_osai, group_help=GROUP),
    Command(("import", "mof"), "Load Model Openness Framework model files.",
            (folder("Folder of MOF model files (models/*.yml)."), JSON), import_mof),
)
