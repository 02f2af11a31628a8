"""``modelatlas licenses`` (catalog, usage, unmapped values) and ``modelatlas changes``.

Thin: parse, call :mod:`modelatlas.licenses`, render. Method and caveats:
docs/licences.md (a summary for measurement, not legal advice).
"""

from __future__ import annotations

import typer

from modelatlas import derive
from modelatlas.cli import context
from modelatlas.cli.output import emit, print_json
from modelatlas.dates import parse_date
from modelatlas.errors import UsageError
from modelatlas.licenses import get, registry
from modelatlas.licenses import usage as usage_m
from modelatlas.licenses.changes import KINDS, changes

CATALOG_COLUMNS = ["id", "family", "commercial_use", "user_cap_mau", "revenue_cap_usd",
                   "revocable"]


def licenses(
    license_id: str | None = typer.Argument(None, help="Show one licence in full."),
    unmapped: bool = typer.Option(False, "--unmapped",
                                  help="Raw licence values in the store that map to no id."),
    usage: bool = typer.Option(False, "--usage", help="Models and downloads per licence."),
    by: str = typer.Option("license", "--by", help="With --usage: license|family|region|"
                           "country|kind."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout."),
) -> None:
    """The licence catalog with obligations; --usage and --unmapped read the store."""
    if unmapped and usage:
        raise UsageError("--unmapped and --usage are exclusive")
    if by != "license" and not usage:
        raise UsageError("--by needs --usage")
    if license_id is not None:
        if unmapped or usage:
            raise UsageError("a licence id cannot be combined with --unmapped or --usage")
        lic = get(license_id).as_dict()
        if as_json:
            print_json(lic)
        else:
            emit([{"field": k, "value": v} for k, v in lic.items()], as_json=False,
                 as_csv=as_csv, title=lic["name"])
        return
    if unmapped or usage:
        with context.store(create=False) as st:
            derive.refresh(st)
            if unmapped:
                rows = usage_m.unmapped(st)
                cov = usage_m.coverage(st)
            else:
                rows = usage_m.usage(st, by=by)
        if unmapped:
            pct = "n/a" if cov["coverage"] is None else f"{cov['coverage']:.2%}"
            emit(rows, as_json=as_json, as_csv=as_csv, columns=["field", "value", "models"],
                 title=f"unmapped licence values (mapped: {cov['mapped']:,} of "
                       f"{cov['stated']:,} models stating a licence, {pct})")
        else:
            emit(rows, as_json=as_json, as_csv=as_csv,
                 title=f"licence usage by {by} (latest 30-day downloads)")
        return
    entries = [lic.as_dict() for lic in registry.catalog().values()]
    emit(entries, as_json=as_json, as_csv=as_csv,
         columns=None if as_json or as_csv else CATALOG_COLUMNS, title="licence catalog")


def changes_cmd(
    since: str | None = typer.Option(None, "--since", help="First date (YYYY-MM-DD)."),
    until: str | None = typer.Option(None, "--until", help="Last date (YYYY-MM-DD)."),
    kind: str | None = typer.Option(None, "--kind", help="|".join(KINDS)),
    model: str | None = typer.Option(None, "--model", help="Only this model id."),
    limit: int = typer.Option(0, "--limit", help="At most N events (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout."),
) -> None:
    """Licence changes, gating added/removed, removals, reappearances, org renames."""
    if limit < 0:
        raise UsageError("--limit must be >= 0")
    d_since, d_until = parse_date(since, "--since"), parse_date(until, "--until")
    with context.store(create=False) as st:
        derive.refresh(st)
        rows = changes(st, since=d_since, until=d_until, kind=kind, model=model,
                       limit=limit or None)
    emit(rows, as_json=as_json, as_csv=as_csv,
         columns=["at", "kind", "model_id", "old", "new", "narrowed"],
         title="licence and access changes")


def register(app: typer.Typer) -> None:
    app.command("licenses")(licenses)
    app.command("changes")(changes_cmd)
