"""``modelatlas ingest file``: Hub data files into the store."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from modelatlas.cli import context
from modelatlas.cli.output import plain, print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import InputError
from modelatlas.metrics.populations import RECORDABLE
from modelatlas.queries import Param

if TYPE_CHECKING:  # the ingest machinery (pyarrow, numpy) loads only when ingesting
    from modelatlas.store.ingest import IngestSummary

FORMATS = ("auto", "hub-json", "hub-parquet", "tags-csv", "trending-parquet", "modelinfo-csv")
GROUP = "Ingest Hub metadata into the store (files or live APIs)."
JSON = Param("as_json", "bool", default=False, flag="--json",
             help="Print the run summary as JSON.")
#: ``--population``: what the input covers, recorded on its snapshots instead of what
#: the source declares (docs/metrics.md, "Populations"); a bad choice exits 2.
POPULATION = Param("population", choices=RECORDABLE,
                   help="Population the input's snapshots cover (default: what the source"
                        " declares).")


def ingest_file(v: Values) -> None:
    """Ingest Hub dump, JSON, tag-CSV or trending files (each file in one transaction;
    one over ``MODELATLAS_INGEST_PART_ROWS`` rows in several)."""
    from modelatlas.pipeline import ingest_files

    paths = [Path(p) for p in v["paths"]]
    as_json = v["as_json"]
    if context.state.engine == "spark":  # issue 14: into a Spark table folder (--db DIR)
        from modelatlas.spark.ingest import ingest_to

        summary = ingest_to(context.state.db, [str(p) for p in v["paths"]], fmt=v["format"],
                            snapshot=v["snapshot"], master=context.state.spark_master,
                            population=v["population"])
        _report(summary, as_json)
        return
    with context.store() as st:
        if sys.stderr.isatty() and not as_json:
            from rich.console import Console
            from rich.progress import Progress

            with Progress(console=Console(stderr=True), transient=True) as bar:
                task = bar.add_task("ingest", total=None)

                def tick(p: Path, i: int, n: int) -> None:
                    bar.update(task, total=n, completed=i - 1, description=p.name[:40])

                summary = ingest_files(st, paths, fmt=v["format"], snapshot=v["snapshot"],
                                       on_file=tick, population=v["population"])
        else:
            summary = ingest_files(st, paths, fmt=v["format"], snapshot=v["snapshot"],
                                   population=v["population"])
    _report(summary, as_json)


def _report(summary: IngestSummary, as_json: bool) -> None:
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
    for note in summary.population_notes:
        print(f"note: {plain(note)}", file=sys.stderr)
    if summary.failed:
        n = len(summary.failed)
        raise InputError(f"{n} file(s) could not be read: {summary.failed[0]}"
                         + (f" (and {n - 1} more)" if n > 1 else ""))


COMMANDS = (
    Command(("ingest", "file"), "Ingest Hub dump, JSON, tag-CSV or trending files (each file"
            " in one transaction; one over MODELATLAS_INGEST_PART_ROWS rows in several).",
            (Param("paths", positional=True, required=True, many=True, max_length=4096,
                   help="Files or folders to ingest."),
             Param("format", default="auto", choices=FORMATS, help="Input format."),
             Param("snapshot", "date", help="Snapshot date (YYYY-MM-DD)."),
             POPULATION, JSON),
            ingest_file, group_help=GROUP),
)
