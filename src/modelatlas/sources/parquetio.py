"""Stream a Parquet file in Arrow batches; per-row checks shared by the Parquet formats.

Corruption of the file itself becomes a clear ``CorruptFileError``. A bad *value*
(an unreadable or out-of-range timestamp, a count that is not a whole 64-bit
number) never fails the batch: the Parquet formats build a "bad" mask per check
and :func:`split` moves those rows to the rejected list with their content.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from modelatlas.errors import CorruptFileError
from modelatlas.sources.records import INT64, Rejected, clip, printable


def open_parquet(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise CorruptFileError(f"{path}: not a readable Parquet file ({exc})") from exc


def iter_batches(path: Path, batch_size: int, columns: list[str]) -> Iterator[pa.RecordBatch]:
    pf = open_parquet(path)
    try:
        yield from pf.iter_batches(batch_size=batch_size, columns=columns)
    except (pa.ArrowException, OSError) as exc:
        raise CorruptFileError(f"{path}: corrupted Parquet data ({exc})") from exc


def is_parquet(head: bytes) -> bool:
    return head[:4] == b"PAR1"


def columns(path: Path, head: bytes) -> list[str] | None:
    """Column names of a Parquet file, or None when it is not (readable) Parquet.

    For sniffing: never raises.
    """
    if not is_parquet(head):
        return None
    try:
        return list(open_parquet(path).schema_arrow.names)
    except Exception:
        return None


def row_labels(first_row: int, n: int) -> pa.Array:
    """``row <k>`` for k = first_row .. first_row + n - 1, vectorised."""
    nums = pc.cast(pa.array(np.arange(first_row, first_row + n, dtype=np.int64)), pa.string())
    return pc.binary_join_element_wise(pa.scalar("row "), nums, "")


def ints(col: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """A numeric column as int64 plus a mask of values that are not whole 64-bit numbers
    (fractions, NaN, infinities, unsigned values past 2**63 - 1): those become null."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    n = len(col)
    if pa.types.is_null(col.type):
        return pa.nulls(n, pa.int64()), pa.array([False] * n)
    if (pa.types.is_integer(col.type) and col.type.bit_width <= 32) or col.type == pa.int64():
        return pc.cast(col, pa.int64()), pa.array([False] * n)
    if pa.types.is_unsigned_integer(col.type):
        bad = pc.fill_null(pc.greater(col, pa.scalar(INT64[1], col.type)), False)
    elif pa.types.is_floating(col.type):
        f = pc.cast(col, pa.float64())
        finite = pc.is_finite(f)
        whole = pc.equal(pc.floor(f), f)
        in_range = pc.and_(pc.greater_equal(f, float(INT64[0])), pc.less(f, float(INT64[1])))
        bad = pc.fill_null(pc.invert(pc.and_(pc.and_(finite, whole), in_range)), False)
    else:  # text or anything else: what casts cleanly, row by row
        vals: list[int | None] = []
        flags: list[bool] = []
        for v in col.to_pylist():
            try:
                out = None if v is None else int(str(v).strip())
                ok = out is None or INT64[0] <= out <= INT64[1]
            except ValueError:
                out, ok = None, False
            vals.append(out if ok else None)
            flags.append(not ok)
        return pa.array(vals, pa.int64()), pa.array(flags)
    clean = pc.if_else(bad, pa.scalar(None, col.type), col)
    return pc.cast(clean, pa.int64(), safe=False), bad


def split(batch: pa.RecordBatch, mapped: pa.RecordBatch, checks: list[tuple[pa.Array, str]],
          first_row: int) -> tuple[pa.RecordBatch, list[Rejected]]:
    """Drop from ``mapped`` the rows any check flags; reject them with the source row.

    ``batch`` is the batch as read (its row goes to quarantine, as JSON),
    ``first_row`` the 1-based row number of its first row in the file.
    """
    bad_any = None
    for mask, _ in checks:
        bad_any = mask if bad_any is None else pc.or_(bad_any, mask)
    if bad_any is None or not pc.any(bad_any).as_py():
        return mapped, []
    rejected = []
    for i in pc.indices_nonzero(bad_any).to_pylist():
        why = "; ".join(dict.fromkeys(r for m, r in checks if m[i].as_py()))
        try:
            row = json.dumps(batch.slice(i, 1).to_pylist()[0], default=str, ensure_ascii=False)
        except (pa.ArrowException, ValueError, OverflowError, UnicodeDecodeError) as exc:
            row = f"<row unreadable: {exc}>"
        rejected.append(Rejected(f"row {first_row + i}", clip(printable(row)), why))
    return mapped.filter(pc.invert(bad_any)), rejected
