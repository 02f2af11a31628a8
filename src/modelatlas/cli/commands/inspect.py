"""``modelatlas stats`` and ``modelatlas models``: what is in the store."""

from __future__ import annotations

import typer

from modelatlas.cli import context
from modelatlas.cli.output import emit, print_json
from modelatlas.store import queries


def stats(as_json: bool = typer.Option(False, "--json", help="One JSON object.")) -> None:
    """Counts of models, snapshots, observations, edges and quarantined records."""
    with context.store(create=False) as st:
        d = queries.stats(st)
    if as_json:
        print_json(d)
    else:
        emit([{"what": k, "count": v} for k, v in d.items()], as_json=False, as_csv=False)


def models(
    org: str | None = typer.Option(None, "--org", help="Only this Hub namespace."),
    limit: int = typer.Option(20, "--limit", help="Rows to show; 0 for all."),
    as_json: bool = typer.Option(False, "--json"),
    as_csv: bool = typer.Option(False, "--csv"),
) -> None:
    """List models with their latest observation (most downloaded first)."""
    with context.store(create=False) as st:
        rows = queries.models(st, org=org, limit=limit)
    emit(rows, as_json=as_json, as_csv=as_csv,
         columns=["id", "org", "created_at", "license", "pipeline_tag", "downloads", "likes"])


def quarantined(
    limit: int = typer.Option(20, "--limit", help="Rows to show; 0 for all."),
    as_json: bool = typer.Option(False, "--json"),
    as_csv: bool = typer.Option(False, "--csv"),
) -> None:
    """Records that were rejected at ingest, with the reason."""
    with context.store(create=False) as st:
        rows = queries.quarantine(st, limit=limit)
    emit(rows, as_json=as_json, as_csv=as_csv, columns=["at", "source", "location", "reason"])


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
    app.command("models")(models)
    app.command("quarantine")(quarantined)
