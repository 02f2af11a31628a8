"""Stream a Parquet file in Arrow batches, turning corruption into a clear error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from modelatlas.errors import CorruptFileError


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
