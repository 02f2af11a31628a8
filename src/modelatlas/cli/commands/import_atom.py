"""``modelatlas import atom DIR``: ATOM Project parameter counts and release dates (for RAM)."""

from __future__ import annotations

from modelatlas.cli import context
from modelatlas.cli.commands.import_openness import GROUP, JSON, folder
from modelatlas.cli.output import print_json, print_table
from modelatlas.cli.spec import Command, Values


def import_atom(v: Values) -> None:
    """Import the ATOM Project's tracked models, parameter counts and release-date corrections."""
    from modelatlas.metrics.atom_reference import load_atom

    with context.store() as st:
        counts = load_atom(st, v["folder"])
    if v["as_json"]:
        print_json(counts)
    else:
        print_table([{"table": k, "rows": v} for k, v in counts.items()], ["table", "rows"],
                    kinds={"rows": "int"})


COMMANDS = (
    Command(("import", "atom"), "Import the ATOM Project's tracked models, parameter counts "
            "and release-date corrections.",
            (folder("Folder with models.csv, model_parameters.csv, ..."), JSON), import_atom,
            group_help=GROUP),
)
