"""Hub dump Parquet, the layout of the public ``cfahlgren1/hub-stats`` ``models.parquet``.

The dump has used camelCase and snake_case over time; both are accepted, missing
columns become null and extra columns are ignored. Mapping is columnar (Arrow
compute), never a Python loop over rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from modelatlas.sources import hubfields
from modelatlas.sources.parquetio import columns, iter_batches, open_parquet
from modelatlas.sources.records import (
    RECORD_SCHEMA,
    Batch,
    ReadPlan,
    Rejected,
    conform,
    timestamps,
)
from modelatlas.sources.registry import FileFormat, register

# The Hub's spellings (shared with JSON records) plus dump-only columns.
ALIASES: dict[str, tuple[str, ...]] = {
    **hubfields.ALIASES,
    "params_total": ("params_total", "parameters"),
    "snapshot": ("snapshot",),
}
EXTRA = ("safetensors", "simulated")


def columns_for(names: list[str]) -> dict[str, str]:
    """canonical name -> the file's column name, for the columns present."""
    found = {}
    for canon, options in ALIASES.items():
        for o in options:
            if o in names:
                found[canon] = o
                break
    return found


def _sniff(path: Path, head: bytes) -> bool:
    names = columns(path, head)
    return names is not None and "id" in names and "mined_date" not in names


def _as_text(col: pa.ChunkedArray | pa.Array) -> pa.Array:
    if pa.types.is_boolean(col.type):
        return pc.if_else(col, "true", "false")
    return pc.cast(col, pa.string())


def _params(batch: pa.RecordBatch) -> pa.Array | None:
    if "safetensors" not in batch.schema.names:
        return None
    st = batch.column("safetensors")
    if pa.types.is_struct(st.type) and "total" in [f.name for f in st.type]:
        return pc.cast(pc.struct_field(st, "total"), pa.int64())
    return None


def map_batch(batch: pa.RecordBatch, plan: ReadPlan) -> pa.RecordBatch:
    cols = columns_for(batch.schema.names)
    arrays: dict[str, pa.Array] = {}
    for canon, src in cols.items():
        col = batch.column(src)
        target = RECORD_SCHEMA.field(canon).type
        if pa.types.is_timestamp(target):
            arrays[canon] = timestamps(col)
        elif pa.types.is_string(target):
            arrays[canon] = _as_text(col)
        elif pa.types.is_list(target):
            arrays[canon] = pc.cast(col, target) if pa.types.is_list(col.type) else pa.nulls(
                len(col), target)
        elif pa.types.is_date32(target):
            arrays[canon] = pc.cast(col, target)
        else:
            arrays[canon] = pc.cast(col, target, safe=False)
    if "params_total" not in arrays:
        p = _params(batch)
        if p is not None:
            arrays["params_total"] = p
    if "snapshot" not in arrays:
        arrays["snapshot"] = pa.array([plan.snapshot] * batch.num_rows, pa.date32())
    elif plan.snapshot is not None:
        arrays["snapshot"] = pc.fill_null(arrays["snapshot"], pa.scalar(plan.snapshot))
    return conform(pa.RecordBatch.from_pydict(arrays))


def _read(plan: ReadPlan) -> Iterator[Batch]:
    path = Path(plan.path)
    names = open_parquet(path).schema_arrow.names
    wanted = sorted(set(columns_for(names).values()) | {e for e in EXTRA if e in names})
    if "id" not in columns_for(names):
        yield Batch(conform(pa.table({})), [Rejected("file", str(names), "no id column")])
        return
    for batch in iter_batches(path, plan.batch_size, wanted):
        yield Batch(map_batch(batch, plan))


def simulated(path: Path) -> bool:
    """True when the file says it is SIMULATED (schema metadata written by ``synth``)."""
    meta = open_parquet(path).schema_arrow.metadata or {}
    return meta.get(b"modelatlas.simulated") == b"true"


def snapshot_of(path: Path) -> dt.date | None:
    meta = open_parquet(path).schema_arrow.metadata or {}
    v = meta.get(b"modelatlas.snapshot")
    return dt.date.fromisoformat(v.decode()) if v else None


FORMAT = register(FileFormat("hub-parquet", "Hub dump Parquet (hub-stats layout)", _sniff,
                             _read, 10))
