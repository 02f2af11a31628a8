"""``modelatlas orgs``: the organisation registry (catalog + user file + heuristic).

Thin: with a store, it refreshes derived tables and lists the ``orgs`` table
(heuristic community entries included); without one, the catalog and user file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from modelatlas import derive, settings
from modelatlas.catalog import orgs as catalog_orgs
from modelatlas.cli import context
from modelatlas.cli.output import emit
from modelatlas.errors import UsageError

COLUMNS = ["org", "namespace", "display_name", "country", "region", "kind", "parent",
           "aliases", "source_url", "origin", "notes"]


def _store_exists() -> bool:
    db = context.state.db
    if db == ":memory:":
        return False
    return Path(db).expanduser().exists() if db else settings.default_db_path().exists()


def registry_rows() -> list[dict[str, Any]]:
    """Rows of ``orgs`` from the store when there is one, else from the registry files."""
    reg = catalog_orgs.registry(catalog_orgs.user_file())
    if not _store_exists():
        rows = [o.as_dict() for o in sorted(reg.values(), key=lambda o: o.org)]
    else:
        with context.store(create=False) as st:
            derive.refresh(st)
            rows = st.rows(
                "SELECT org, namespace, display_name, country, region, kind, parent, aliases,"
                " source_url, origin FROM orgs ORDER BY org"
            )
    for r in rows:
        entry = reg.get(str(r["org"]))
        r["notes"] = entry.notes if entry else (
            "heuristic: most of its repos declare a base model" if r["origin"] == "heuristic"
            else None)
    return [{c: r.get(c) for c in COLUMNS} for r in rows]


def orgs(
    region: str | None = typer.Option(None, "--region", help="us|china|eu|other|unknown"),
    kind: str | None = typer.Option(None, "--kind", help="big-tech|lab|academic|..."),
    origin: str | None = typer.Option(None, "--origin", help="catalog|user|heuristic"),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout."),
) -> None:
    """Organisations: Hub namespace -> developer, country, region, kind, parent, source."""
    for name, value, allowed in (("--region", region, catalog_orgs.REGIONS),
                                 ("--kind", kind, catalog_orgs.KINDS),
                                 ("--origin", origin, catalog_orgs.ORIGINS)):
        if value is not None and value not in allowed:
            raise UsageError(f"{name} must be one of {', '.join(allowed)}, got {value!r}")
    rows = [r for r in registry_rows()
            if (region is None or r["region"] == region)
            and (kind is None or r["kind"] == kind)
            and (origin is None or r["origin"] == origin)]
    emit(rows, as_json=as_json, as_csv=as_csv,
         columns=COLUMNS if (as_json or as_csv) else
         ["namespace", "display_name", "country", "region", "kind", "parent", "origin"],
         title="organisations")


def register(app: typer.Typer) -> None:
    app.command("orgs")(orgs)
