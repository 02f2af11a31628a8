"""``modelatlas ingest file``: Hub data files into the store."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from modelatlas.cli import context
from modelatlas.cli.output import print_json
from modelatlas.dates import parse_date
from modelatlas.errors import InputError, UsageError
from modelatlas.pipeline import ingest_files

ingest_app = typer.Typer(help="Ingest Hub metadata into the store.", no_args_is_help=True)

FORMATS = ("auto", "hub-json", "hub-parquet", "tags-csv", "trending-parquet", "modelinfo-csv")


@ingest_app.command("file")
def ingest_file(
    paths: list[Path] = typer.Argument(..., help="Files or folders to ingest."),
    fmt: str = typer.Option("auto", "--format", help="|".join(FORMATS)),
    snapshot: str | None = typer.Option(None, "--snapshot", help="Snapshot date (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Ingest Hub dump, JSON, tag-CSV or trending files (each file in one transaction)."""
    if fmt not in FORMATS:
        raise UsageError(f"--format must be one of {'|'.join(FORMATS)}")
    snap = parse_date(snapshot, "--snapshot")
    with context.store() as st:
        if sys.stderr.isatty() and not as_json:
            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("ingest", total=None)

                def tick(p: Path, i: int, n: int) -> None:
                    bar.update(task, total=n, completed=i - 1, description=p.name[:40])

                summary = ingest_files(st, paths, fmt=fmt, snapshot=snap, on_file=tick)
        else:
            summary = ingest_files(st, paths, fmt=fmt, snapshot=snap)
    d = summary.as_dict()
    if as_json:
        print_json(d)
    else:
        snaps = d["snapshots"]
        span = f"{snaps[0]}..{snaps[-1]}" if len(snaps) > 1 else (snaps[0] if snaps else "none")
        print(
            f"ingested {d['records']:,} records from {len(d['inputs'])} file(s): "
            f"{d['models']:,} model rows, {d['observations']:,} observations, "
            f"{d['edges']:,} edges, {d['quarantined']:,} quarantined; snapshots {span}"
        )
    if summary.failed:
        n = len(summary.failed)
        raise InputError(f"{n} file(s) could not be read: {summary.failed[0]}"
                         + (f" (and {n - 1} more)" if n > 1 else ""))


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
