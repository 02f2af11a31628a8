"""Tag-list CSVs of new Hub models (created_at, model, author, downloads, likes, tags).

Tags are joined by ``"; "``; the source cuts the column at a fixed length and
marks the cut with an ellipsis. The cut tag is kept raw in ``truncated_tags``
so it is never parsed into a bogus licence or lineage edge.

These lists come by the million (the hourly new-models files), so rows are
converted a column at a time: a row whose every field has the plain shape
(printable ASCII, a decimal integer, an ISO timestamp with its zone, no cut tag)
is converted by Arrow; any other row goes through :func:`_convert`, the per-row
reference that rejects with a reason. Both give the same values
(``tests/test_file_tags_csv.py`` compares them); runs of rows keep their file order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelatlas.sources import csvrows
from modelatlas.sources.hubfields import as_int
from modelatlas.sources.records import (
    TS,
    Batch,
    ReadPlan,
    conform,
    parse_timestamp,
    timestamps,
    to_batches,
)
from modelatlas.sources.registry import FileFormat, register

COLUMNS = {"created_at", "model", "author", "downloads", "likes", "tags"}
ELLIPSES = ("…", "...")


def _sniff(path: Path, head: bytes) -> bool:
    return set(csvrows.header(head)) >= COLUMNS


def split_tags(text: str) -> tuple[list[str], list[str]]:
    """(tags, truncated) from a '; '-joined tag string whose end may be cut."""
    text = text.strip()
    if not text:
        return [], []
    tags = [t.strip() for t in text.split(";") if t.strip()]
    truncated: list[str] = []
    if tags and text.endswith(ELLIPSES):
        truncated.append(tags[-1])
    return tags, truncated


def _convert(row: dict[str, str]) -> dict[str, Any]:
    tags, cut = split_tags(row.get("tags", ""))
    return {
        "id": row["model"].strip(),
        "author": row.get("author") or None,
        "created_at": parse_timestamp(row.get("created_at"), "created_at"),
        "downloads_30d": as_int(row.get("downloads") or None, "downloads"),
        "likes": as_int(row.get("likes") or None, "likes"),
        "tags": tags,
        "truncated_tags": cut,
    }


# Shapes both conversions agree on (anything else takes the per-row path).
_PLAIN = r"^[\x20-\x7e]*$"
_INT = "^(-?(0|[1-9][0-9]{0,17}))?$"  # empty (null) or at most 18 digits: fits 64 bits
_STAMP = (r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
          r"(Z|[+-][0-9]{2}:[0-9]{2}))?$")

Item = tuple[str, dict[str, str] | None, str, str | None]  # csvrows.rows: loc, row, raw, err


COLUMNS_READ = ("created_at", "model", "author", "downloads", "likes", "tags")


def _columns(rows: Sequence[dict[str, str]]) -> dict[str, pa.Array]:
    """The chunk's fields as string columns (a missing or empty field is '')."""
    return {name: pa.array([r.get(name) or "" for r in rows], pa.string())
            for name in COLUMNS_READ}


def _plain_mask(cols: dict[str, pa.Array]) -> tuple[np.ndarray, pa.Array]:
    """Which rows the columnar path converts exactly, and their parsed ``created_at``."""
    ok = np.ones(len(cols["model"]), dtype=bool)
    for name, pattern in (("model", _PLAIN), ("author", _PLAIN), ("tags", _PLAIN),
                          ("downloads", _INT), ("likes", _INT), ("created_at", _STAMP)):
        ok &= pc.match_substring_regex(cols[name], pattern).to_numpy(zero_copy_only=False)
    tags = pc.utf8_trim_whitespace(cols["tags"])
    ok &= ~pc.ends_with(tags, "...").to_numpy(zero_copy_only=False)
    created, bad = timestamps(cols["created_at"])
    ok &= ~bad.to_numpy(zero_copy_only=False)
    return ok, created


def _null_if_empty(col: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(col, ""), pa.scalar(None, pa.string()), col)


def _tag_lists(col: pa.Array) -> pa.Array:
    """``split_tags`` for plain rows, vectorised: split on ';', trim, drop empties."""
    parts = pc.split_pattern(pc.utf8_trim_whitespace(col), ";")
    flat = pc.utf8_trim_whitespace(pc.list_flatten(parts))
    keep = pc.greater(pc.utf8_length(flat), 0)
    owner = pc.filter(pc.list_parent_indices(parts), keep).to_numpy(zero_copy_only=False)
    counts = np.bincount(owner, minlength=len(col))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pc.filter(flat, keep))


def _plain_batch(cols: dict[str, pa.Array], created: pa.Array, locations: list[str],
                 plan: ReadPlan) -> Batch:
    """Plain rows (printable ASCII: the only whitespace is ' ', which is what
    ``str.strip`` and Arrow's trim both remove) converted by Arrow."""
    n = len(locations)
    table = pa.table({
        "id": pc.utf8_trim_whitespace(cols["model"]),
        "author": _null_if_empty(cols["author"]), "created_at": created,
        "downloads_30d": pc.cast(_null_if_empty(cols["downloads"]), pa.int64()),
        "likes": pc.cast(_null_if_empty(cols["likes"]), pa.int64()),
        "tags": _tag_lists(cols["tags"]),
        "truncated_tags": pa.array([[]] * n, pa.list_(pa.string())),
        "snapshot": pa.array([plan.snapshot] * n, pa.date32()),
        "observed_at": pa.array([plan.observed_at] * n, TS),
        "location": pa.array(locations, pa.string()),
    })
    return Batch(conform(table), [])


def _chunk(items: Sequence[Item], plan: ReadPlan) -> Iterator[Batch]:
    """Batches of one chunk of rows, in file order: runs of plain rows by Arrow, the
    rest (rejected lines included) row by row."""
    good = [i for i, (_, row, _, err) in enumerate(items) if err is None and row is not None]
    rows = [row for _, row, _, _ in (items[i] for i in good) if row is not None]
    plain = np.zeros(len(items), dtype=bool)
    cols = _columns(rows)
    created = pa.nulls(0, TS)
    if rows:
        ok, created = _plain_mask(cols)
        plain[np.asarray(good, dtype=np.int64)] = ok
    where = {i: k for k, i in enumerate(good)}  # item position -> row of ``cols``
    for is_plain, run in itertools.groupby(range(len(items)), key=lambda i: bool(plain[i])):
        idx = list(run)
        if is_plain:
            take = pa.array([where[i] for i in idx], pa.int64())
            yield _plain_batch({k: pc.take(v, take) for k, v in cols.items()},
                               pc.take(created, take), [items[i][0] for i in idx], plan)
        else:
            part = (items[i] for i in idx)
            yield from to_batches(((loc, raw, row, err) for loc, row, raw, err in part), plan,
                                  _convert)


def _read(plan: ReadPlan) -> Iterator[Batch]:
    items = csvrows.rows(Path(plan.path))
    while chunk := list(itertools.islice(items, plan.batch_size)):
        yield from _chunk(chunk, plan)


FORMAT = register(FileFormat("tags-csv", "tag-list CSV of new models", _sniff, _read, 20,
                            population="new-models"))  # hourly lists: a sample of the inflow
