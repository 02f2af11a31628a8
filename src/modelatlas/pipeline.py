"""Ingest files into the store: detect, stream, commit each file on its own.

Each file is one transaction (see :mod:`modelatlas.store.ingest`). A file that
cannot be read at all is quarantined with the reason, the other files still go
in, and the run reports the failures; nothing committed before is touched.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from modelatlas import derive, settings
from modelatlas.errors import InputError, ModelAtlasError
from modelatlas.licenses.history import mark_scope
from modelatlas.sources import registry
from modelatlas.sources.file_hub_parquet import simulated as parquet_simulated
from modelatlas.sources.file_hub_parquet import snapshot_of as parquet_snapshot
from modelatlas.sources.records import ReadPlan, Rejected
from modelatlas.store.db import Store
from modelatlas.store.ingest import IngestSummary, commit_input, finish_run, new_run, quarantine

ISO_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DMY_IN_NAME = re.compile(r"(\d{2})-(\d{2})-(\d{4})")


def date_in_name(path: Path) -> dt.date | None:
    """A snapshot date written in a file name (YYYY-MM-DD or dd-mm-yyyy), if any."""
    for rx, order in ((ISO_IN_NAME, (1, 2, 3)), (DMY_IN_NAME, (3, 2, 1))):
        m = rx.search(path.name)
        if m:
            try:
                return dt.date(*(int(m.group(i)) for i in order))
            except ValueError:
                continue
    return None


def expand(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, with folders expanded to the data files they hold (sorted)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(
                sorted(
                    f for f in p.iterdir()
                    if f.is_file() and f.suffix.lower() in (
                        ".parquet", ".csv", ".json", ".jsonl", ".ndjson", ".gz")
                )
            )
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"no such file: {p}")
    return out


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    snapshot: dt.date | None = None,
    batch_size: int | None = None,
    on_file: Callable[[Path, int, int], None] | None = None,
) -> IngestSummary:
    """Ingest every file; returns the summary (``failed`` lists unreadable files)."""
    files = expand(paths)
    batch_size = batch_size or int(settings.get("batch_size"))
    run_id = new_run(store, "ingest file", " ".join(map(str, paths)))
    summary = IngestSummary(run_id)
    for i, path in enumerate(files, 1):
        if on_file:
            on_file(path, i, len(files))
        try:
            form = registry.detect(path) if fmt == "auto" else registry.get(fmt)
            simulated = False
            snap = snapshot
            if form.name == "hub-parquet":
                simulated = parquet_simulated(path)
                snap = parquet_snapshot(path) or snap
            snap = snap or date_in_name(path) or dt.datetime.now(dt.UTC).date()
            plan = ReadPlan(str(path), snap, batch_size)
            before = len(summary.snapshots)
            commit_input(store, form.read(plan), run_id=run_id, source_label=str(path),
                         simulated=simulated, summary=summary)
            # Only complete listings (Hub dumps) may later imply a model was removed.
            mark_scope(store.con, "hf", summary.snapshots[before:], form.name,
                       full=True if simulated else None)
        except InputError as exc:
            summary.failed.append(f"{path}: {exc}")
            summary.quarantined += quarantine(
                store, run_id, str(path), [Rejected("file", str(path), str(exc))]
            )
        except ModelAtlasError:
            finish_run(store, summary, "failed")
            raise
    finish_run(store, summary, "failed" if summary.failed else "ok",
               "; ".join(summary.failed)[:2000])
    if summary.snapshots:
        derive.refresh(store)
    return summary
