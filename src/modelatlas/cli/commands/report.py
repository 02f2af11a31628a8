"""``modelatlas report``: the self-contained HTML report, Markdown and data files."""

from __future__ import annotations

from pathlib import Path

import typer

from modelatlas import derive
from modelatlas.cli import context
from modelatlas.cli.output import print_json

OUT = typer.Option(Path("modelatlas-report"), "--out", help="Output folder.")


def report(
    out: Path = OUT,
    since: str | None = typer.Option(None, "--since", help="First date (YYYY-MM[-DD])."),
    until: str | None = typer.Option(None, "--until", help="Last date (YYYY-MM[-DD])."),
    as_json: bool = typer.Option(False, "--json", help="Print the written paths as JSON."),
) -> None:
    """Write index.html (opens offline), report.md and every table as CSV and Parquet."""
    from modelatlas.report import build_report

    with context.store(create=False) as st:
        derive.refresh(st)
        res = build_report(st, out, since=since, until=until)
    if as_json:
        print_json({"html": str(res.html), "markdown": str(res.markdown),
                    "files": [str(p) for p in res.files]})
    else:
        print(f"wrote {res.html} and {res.markdown} ({len(res.files)} data files)")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
