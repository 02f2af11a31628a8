"""Ingest files into the store: detect, order by time, stream, commit, derive.

Each input is one transaction (see :mod:`modelatlas.store.ingest`). Inputs are
applied in the order of their own observation time, whatever the command-line
order: snapshot date, then the time a file name states (the hourly new-model
lists), then the order given. So ingesting many files in one command equals
ingesting them one by one in time order, and any command-line order of the same
files gives the same store.

A file that cannot be read at all is quarantined with the reason and the other
files still go in; the run is marked ``failed`` only when nothing could be read
(and never left ``running``, whatever happens).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from modelatlas import derive, settings
from modelatlas.errors import InputError, ModelAtlasError
from modelatlas.metrics.populations import recordable
from modelatlas.sources import registry
from modelatlas.sources.file_hub_parquet import simulated as parquet_simulated
from modelatlas.sources.file_hub_parquet import snapshot_of as parquet_snapshot
from modelatlas.sources.records import ReadPlan, Rejected
from modelatlas.store.db import Store
from modelatlas.store.ingest import (
    IngestSummary,
    commit_input,
    finish_run,
    new_run,
    part_rows,
    quarantine,
)

ISO_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DMY_IN_NAME = re.compile(r"(\d{2})-(\d{2})-(\d{4})")
TIME_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})[T_ ](\d{2})[-:](\d{2})(?:[-:](\d{2}))?")
DATA_SUFFIXES = (".parquet", ".csv", ".json", ".jsonl", ".ndjson", ".gz")


def _date_in(text: str) -> dt.date | None:
    for rx, order in ((ISO_IN_NAME, (1, 2, 3)), (DMY_IN_NAME, (3, 2, 1))):
        for m in rx.finditer(text):
            try:
                return dt.date(*(int(m.group(i)) for i in order))
            except ValueError:
                continue
    return None


def date_in_name(path: Path) -> dt.date | None:
    """A snapshot date written in a file name (YYYY-MM-DD or dd-mm-yyyy), else in the
    name of its folder (the weekly dump layout ``models/<date>/models.parquet``)."""
    return _date_in(path.name) or _date_in(path.parent.name)


def time_in_name(path: Path) -> dt.datetime | None:
    """An observation time written in a file name (``2026-09-24T10-19-39``), as UTC."""
    m = TIME_IN_NAME.search(path.name)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(g) for g in m.groups(default="0"))
    try:
        return dt.datetime(y, mo, d, h, mi, sec, tzinfo=dt.UTC)
    except ValueError:
        return None


def _data_files(folder: Path) -> list[Path]:
    return sorted(f for f in folder.iterdir()
                  if f.is_file() and f.suffix.lower() in DATA_SUFFIXES)


def expand(paths: Sequence[str | Path]) -> list[Path]:
    """Files named, with folders expanded to the data files they hold, and to those of
    their sub-folders named by a date (the weekly layout ``models/<date>/...``)."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(_data_files(p))
            for sub in sorted(d for d in p.iterdir() if d.is_dir()):
                if _date_in(sub.name):
                    out.extend(_data_files(sub))
        elif p.exists():
            out.append(p)
        else:
            raise InputError(f"no such file: {p}")
    return out


GROUP_BYTES = 32 * 1024 * 1024
GROUP_FILES = 200
# Only files up to this size share a transaction: a commit costs ~0.16 s, which
# matters for a 30 KB daily trending file, not for a 7 MB dump of 250k models; and
# several dumps in one transaction cost about twice the CPU per snapshot of one
# each (11 monthly 250k-model snapshots: 116 CPU-s grouped 4 by 4, against ~5 CPU-s
# for one alone, docs/benchmarks.md).
SMALL_FILE = 1024 * 1024


@dataclass
class _Planned:
    path: Path
    form: registry.FileFormat
    plan: ReadPlan
    simulated: bool
    order: int

    def sort_key(self) -> tuple[dt.date, dt.datetime, int]:
        snap = self.plan.snapshot or dt.date.min
        at = self.plan.observed_at or dt.datetime.combine(snap, dt.time(), dt.UTC)
        return snap, at, self.order


def _plan(path: Path, fmt: str, snapshot: dt.date | None, batch_size: int,
          order: int) -> _Planned:
    form = registry.detect(path) if fmt == "auto" else registry.get(fmt)
    simulated = False
    snap = snapshot
    if form.name == "hub-parquet":
        simulated = parquet_simulated(path)
        snap = parquet_snapshot(path) or snap
    snap = snap or date_in_name(path) or dt.datetime.now(dt.UTC).date()
    at = time_in_name(path)
    if at is not None and at.date() != snap:
        at = None  # the name's time belongs to another day than the snapshot: not used
    return _Planned(path, form, ReadPlan(str(path), snap, batch_size, at), simulated, order)


def _groups(planned: list[_Planned]) -> Iterator[list[_Planned]]:
    """Consecutive small files of one format share a transaction (many daily files
    would otherwise pay the fixed cost of a commit each); big files go alone."""
    group: list[_Planned] = []
    size = 0
    for p in planned:
        fsize = p.path.stat().st_size
        fits = (group and fsize <= SMALL_FILE
                and p.form.name == group[0].form.name
                and p.simulated == group[0].simulated
                and size + fsize <= GROUP_BYTES and len(group) < GROUP_FILES)
        if group and not fits:
            yield group
            group, size = [], 0
        group.append(p)
        # a big file closes its own group: the next file starts a new one
        size += fsize if fsize <= SMALL_FILE else GROUP_BYTES + 1
    if group:
        yield group


def _commit_group(store: Store, group: list[_Planned], run_id: str,
                  summary: IngestSummary, population: str | None = None) -> None:
    label = str(group[0].path) if len(group) == 1 else (
        f"{group[0].path} (+{len(group) - 1} more)")
    # Only complete listings (Hub dumps, simulated hubs) may later imply a removal.
    scope = (group[0].form.name, True if group[0].simulated else None)
    # What the snapshots cover: the user's --population, else what the format declares.
    declared = ((population, "user") if population is not None
                else (group[0].form.population, "source"))
    commit_input(store, itertools.chain.from_iterable(p.form.read(p.plan) for p in group),
                 run_id=run_id, source_label=label, simulated=group[0].simulated,
                 summary=summary, scope=scope, population=declared)
    summary.inputs[-1:] = [str(p.path) for p in group]


def _fail(store: Store, run_id: str, summary: IngestSummary, path: Path,
          exc: ModelAtlasError) -> None:
    summary.failed.append(f"{path}: {exc}")
    summary.quarantined += quarantine(
        store, run_id, str(path), [Rejected("file", str(path), str(exc))]
    )


def _commit_all(store: Store, planned: list[_Planned], run_id: str, summary: IngestSummary,
                n_files: int, on_file: Callable[[Path, int, int], None] | None,
                population: str | None = None) -> None:
    done = 0
    for group in _groups(planned):
        if on_file:
            on_file(group[-1].path, done + len(group), n_files)
        try:
            _commit_group(store, group, run_id, summary, population)
        except ModelAtlasError as exc:
            if len(group) == 1:
                _fail(store, run_id, summary, group[0].path, exc)
            else:  # find the bad file(s): commit the group's files one by one
                for p in group:
                    try:
                        _commit_group(store, [p], run_id, summary, population)
                    except ModelAtlasError as exc1:
                        _fail(store, run_id, summary, p.path, exc1)
        done += len(group)


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    fmt: str = "auto",
    snapshot: dt.date | None = None,
    batch_size: int | None = None,
    on_file: Callable[[Path, int, int], None] | None = None,
    population: str | None = None,
) -> IngestSummary:
    """Ingest every file; returns the summary (``failed`` lists unreadable files).

    Each input is committed whole or not at all; a file that cannot be read is
    quarantined and the others still go in. Every snapshot written records its
    population: ``population`` when given (``--population``), else the one the
    file's format declares (:func:`modelatlas.store.ingest.record_population`).
    """
    if population is not None:
        population = recordable(population)
    files = expand(paths)
    part_rows()  # a malformed MODELATLAS_INGEST_PART_ROWS fails before anything is read
    batch_size = batch_size or int(settings.get("batch_size"))
    run_id = new_run(store, "ingest file", " ".join(map(str, paths)))
    summary = IngestSummary(run_id)
    status, message = "failed", "interrupted"
    try:
        planned: list[_Planned] = []
        for i, path in enumerate(files):
            try:
                planned.append(_plan(path, fmt, snapshot, batch_size, i))
            except InputError as exc:
                _fail(store, run_id, summary, path, exc)
        planned.sort(key=_Planned.sort_key)
        _commit_all(store, planned, run_id, summary, len(files), on_file, population)
        status = "failed" if summary.nothing_read else "ok"
        message = "; ".join(summary.failed)
    except BaseException as exc:
        message = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        # If the store itself failed, the original error is the one to report.
        with contextlib.suppress(duckdb.Error, ModelAtlasError):
            finish_run(store, summary, status, message)
    if summary.snapshots and not settings.get("skip_derive"):
        derive.refresh(store)
    return summary
