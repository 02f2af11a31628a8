"""``modelatlas share``, ``cadence``, ``concentration`` and ``ram``: adoption metrics.

Thin: parse the options, refresh derived tables, call :mod:`modelatlas.metrics`,
render. Definitions: docs/metrics.md.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import typer

from modelatlas import derive
from modelatlas.cli import context
from modelatlas.cli.output import emit
from modelatlas.metrics import cadence as cadence_m
from modelatlas.metrics import concentration as concentration_m
from modelatlas.metrics import ram as ram_m
from modelatlas.metrics import share as share_m

SINCE = typer.Option(None, "--since", help="First date (YYYY-MM-DD or YYYY-MM).")
UNTIL = typer.Option(None, "--until", help="Last date (YYYY-MM-DD or YYYY-MM).")
JSON = typer.Option(False, "--json", help="One JSON document on stdout.")
CSV = typer.Option(False, "--csv", help="CSV on stdout.")


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """DataFrame rows as plain dicts (NaN/NaT -> None, numpy scalars -> Python)."""
    clean = df.astype(object).where(pd.notna(df), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in clean.to_dict("records")]


def share(
    by: str = typer.Option("region", "--by", help="region|country|org|family|kind"),
    metric: str = typer.Option(
        "downloads", "--metric", help="downloads|likes|models|derivatives|downloads_alltime"),
    attribution: str = typer.Option("direct", "--attribution", help="direct|root"),
    freq: str = typer.Option("month", "--freq", help="month|snapshot"),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Adoption share per period and group (downloads: 30-day counter at the last
    snapshot of each month a model appears in; see docs/metrics.md)."""
    with context.store(create=False) as st:
        derive.refresh(st)
        df = share_m.share(st, by=by, metric=metric, attribution=attribution, freq=freq,
                           since=since, until=until)
    emit(records(df), as_json=as_json, as_csv=as_csv, columns=share_m.COLUMNS,
         title=f"{metric} share by {by} ({attribution} attribution, per {freq})")


def cadence(
    monthly: bool = typer.Option(False, "--monthly", help="New models per org and month."),
    limit: int = typer.Option(20, "--limit", help="Rows to show in the table; 0 for all."),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Release cadence per org: mainline releases and median days between them."""
    with context.store(create=False) as st:
        derive.refresh(st)
        df = (cadence_m.monthly_releases(st, since=since, until=until) if monthly
              else cadence_m.release_intervals(st, since=since, until=until))
    rows = records(df)
    if not (as_json or as_csv) and limit > 0:
        rows = rows[:limit]
    emit(rows, as_json=as_json, as_csv=as_csv, title="release cadence")


def concentration(
    attribution: str = typer.Option("direct", "--attribution", help="direct|root"),
    freq: str = typer.Option("month", "--freq", help="month|snapshot"),
    since: str | None = SINCE,
    until: str | None = UNTIL,
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """Concentration of downloads per period: HHI, top-10 share, community share."""
    with context.store(create=False) as st:
        derive.refresh(st)
        df = concentration_m.concentration(st, attribution=attribution, freq=freq,
                                           since=since, until=until)
    emit(records(df), as_json=as_json, as_csv=as_csv, columns=concentration_m.COLUMNS,
         title=f"concentration of downloads ({attribution} attribution)")


def ram(
    model_id: str = typer.Argument(..., help="Hub model id, e.g. Qwen/Qwen2.5-7B-Instruct."),
    as_json: bool = JSON,
    as_csv: bool = CSV,
) -> None:
    """ATOM Relative Adoption Metric of one model at 7..365 days (missing where the
    snapshots do not allow it)."""
    with context.store(create=False) as st:
        derive.refresh(st)
        df = ram_m.ram(st, model_id)
    emit(records(df), as_json=as_json, as_csv=as_csv,
         columns=["days", "age_days", "size_class", "cumulative_downloads",
                  "reference_downloads", "class_models", "rank", "ram"],
         title=f"Relative Adoption Metric: {model_id}")


def register(app: typer.Typer) -> None:
    app.command("share")(share)
    app.command("cadence")(cadence)
    app.command("concentration")(concentration)
    app.command("ram")(ram)
