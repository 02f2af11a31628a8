"""Ingest files into the store: detect, stream, commit each file on its own.

Each file is one transaction (see :mod:`modelatlas.store.ingest`). A file that
cannot be read at all is quarantined with the reason, the other files still go
in, and the run reports the failures; nothing committed before is touched.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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


GROUP_BYTES = 32 * 1024 * 1024
GROUP_FILES = 200


@dataclass
class _Planned:
    path: Path
    form: registry.FileFormat
    plan: ReadPlan
    simulated: bool


def _plan(path: Path, fmt: str, snapshot: dt.date | None, batch_size: int) -> _Planned:
    form = registry.detect(path) if fmt == "auto" else registry.get(fmt)
    simulated = False
    snap = snapshot
    if form.name == "hub-parquet":
        simulated = parquet_simulated(path)
        snap = parquet_snapshot(path) or snap
    snap = snap or date_in_name(path) or dt.datetime.now(dt.UTC).date()
    return _Planned(path, form, ReadPlan(str(path), snap, batch_size), simulated)


def _groups(planned: list[_Planned]) -> Iterator[list[_Planned]]:
    """Consecutive small files of one format share a transaction (many daily files
    would otherwise pay the fixed cost of a commit each); big files go alone."""
    group: list[_Planned] = []
    size = 0
    for p in planned:
        fsize = p.path.stat().st_size
        fits = (group and p.form.name == group[0].form.name
                and p.simulated == group[0].simulated
                and size + fsize <= GROUP_BYTES and len(group) < GROUP_FILES)
        if group and not fits:
            yield group
            group, size = [], 0
        group.append(p)
        size += fsize
    if group:
        yield group


def _commit_group(store: Store, group: list[_Planned], run_id: str,
                  summary: IngestSummary) -> None:
    before = len(summary.snapshots)
    label = str(group[0].path) if len(group) == 1 else (
        f"{group[0].path} (+{len(group) - 1} more)")
    commit_input(store, itertools.chain.from_iterable(p.form.read(p.plan) for p in group),
                 run_id=run_id, source_label=label, simulated=group[0].simulated,
                 summary=summary)
    summary.inputs[-1:] = [str(p.path) for p in group]
    # Only complete listings (Hub dumps) may later imply a model was removed.
    mark_scope(store.con, "hf", summary.snapshots[before:], group[0].form.name,
               full=True if group[0].simulated else None)


def _fail(store: Store, run_id: str, summary: IngestSummary, path: Path,
          exc: ModelAtlasError) -> None:
    summary.failed.append(f"{path}: {exc}")
    summary.quarantined += quarantine(
        store, run_id, str(path), [Rejected("file", str(path), str(exc))]
    )


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    snapshot: dt.date | None = None,
    batch_size: int | None = None,
    on_file: Callable[[Path, int, int], None] | None = None,
) -> IngestSummary:
    """Ingest every file; returns the summary (``failed`` lists unreadable files).

    Each file is committed whole or not at all; a file that cannot be read is
    quarantined and the others still go in.
    """
    files = expand(paths)
    batch_size = batch_size or int(settings.get("batch_size"))
    run_id = new_run(store, "ingest file", " ".join(map(str, paths)))
    summary = IngestSummary(run_id)
    planned: list[_Planned] = []
    for path in files:
        try:
            planned.append(_plan(path, fmt, snapshot, batch_size))
        except InputError as exc:
            _fail(store, run_id, summary, path, exc)
    done = 0
    try:
        for group in _groups(planned):
            if on_file:
                on_file(group[-1].path, done + len(group), len(files))
            try:
                _commit_group(store, group, run_id, summary)
            except InputError as exc:
                if len(group) == 1:
                    _fail(store, run_id, summary, group[0].path, exc)
                else:  # find the bad file(s): commit the group's files one by one
                    for p in group:
                        try:
                            _commit_group(store, [p], run_id, summary)
                        except InputError as exc1:
                            _fail(store, run_id, summary, p.path, exc1)
            done += len(group)
    except ModelAtlasError:
        finish_run(store, summary, "failed")
        raise
    finish_run(store, summary, "failed" if summary.failed else "ok",
               "; ".join(summary.failed)[:2000])
    if summary.snapshots and not settings.get("skip_derive"):
        derive.refresh(store)
    return summary
