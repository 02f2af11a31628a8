"""Hub dump Parquet: the ``cfahlgren1/hub-stats`` ``models.parquet`` layout.

The same layout is read whether the file stands alone or sits in a weekly dump
folder (``models/<date>/models.parquet``, one snapshot per date folder; the
pipeline takes the date from the folder name).

The dump has used camelCase and snake_case over time; both are accepted, missing
columns become null and extra columns are ignored. Mapping is columnar (Arrow
compute), never a Python loop over rows. Values that cannot be stored (an
unreadable or out-of-range timestamp, a count that is not a whole 64-bit number)
send their row to quarantine; the rest of the batch is kept.

Parameter counts, first found of: a ``params_total``/``parameters`` column,
``safetensors.total``, the sum of ``safetensors.parameters``, ``gguf.total``,
``numParameters``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from modelatlas.sources import hubfields
from modelatlas.sources.parquetio import (
    columns,
    ints,
    iter_batches,
    open_parquet,
    row_labels,
    split,
)
from modelatlas.sources.records import (
    BASE_MODEL,
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
    **{k: v for k, v in hubfields.ALIASES.items()
       if k not in ("base_models", "num_parameters", "children_count")},
    "params_total": ("params_total", "parameters"),
    "snapshot": ("snapshot",),
}
EXTRA = ("safetensors", "gguf", "numParameters", "num_parameters", "baseModels",
         "base_models", "childrenModelCount", "children_model_count", "simulated")


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


def _field(col: pa.Array, name: str) -> pa.Array | None:
    if pa.types.is_struct(col.type) and name in [f.name for f in col.type]:
        return pc.struct_field(col, name)
    return None


def _positive(arr: pa.Array) -> pa.Array:
    return pc.if_else(pc.fill_null(pc.greater(arr, 0), False), arr, pa.scalar(None, pa.int64()))


def _params(batch: pa.RecordBatch) -> tuple[pa.Array | None, list[tuple[pa.Array, str]]]:
    """Total parameters from the nested Hub fields (see the module docstring)."""
    names = batch.schema.names
    found: list[pa.Array] = []
    checks: list[tuple[pa.Array, str]] = []

    def add(arr: pa.Array | None, what: str) -> None:
        if arr is None:
            return
        as_int, bad = ints(arr)
        found.append(_positive(as_int))
        checks.append((bad, f"{what} is not a whole number"))

    if "safetensors" in names:
        st = batch.column("safetensors")
        add(_field(st, "total"), "safetensors.total")
        per_dtype = _field(st, "parameters")
        if per_dtype is not None and pa.types.is_struct(per_dtype.type):
            total = None
            for f in per_dtype.type:
                part, bad = ints(pc.struct_field(per_dtype, f.name))
                checks.append((bad, "safetensors.parameters is not a whole number"))
                part = pc.fill_null(part, 0)
                total = part if total is None else pc.add_checked(total, part)
            if total is not None:
                found.append(_positive(total))
        elif per_dtype is not None and pa.types.is_map(per_dtype.type):
            # a map per row (dtype -> count): few entries each, summed in Python
            sums: list[int | None] = []
            bad_rows: list[bool] = []
            for pairs in per_dtype.to_pylist():
                vals = [v for _, v in pairs or []]
                ok = all(isinstance(v, int) or v is None for v in vals)
                total = sum(v for v in vals if isinstance(v, int)) if ok else 0
                ok = ok and total <= 2**63 - 1
                sums.append(total if ok and total > 0 else None)
                bad_rows.append(not ok)
            found.append(pa.array(sums, pa.int64()))
            checks.append((pa.array(bad_rows), "safetensors.parameters is not a whole number"))
    if "gguf" in names:
        add(_field(batch.column("gguf"), "total"), "gguf.total")
    for name in ("numParameters", "num_parameters"):
        if name in names:
            num = batch.column(name)
            if pa.types.is_floating(num.type):
                num = pc.round(num)
            add(num, name)
            break
    if not found:
        return None, checks
    return pc.coalesce(*found), checks


def _base_models(batch: pa.RecordBatch) -> pa.Array | None:
    """``baseModels`` as a list of {id, relation}: a list of such structs, or the API's
    {relation, models: [{id}]} struct; anything else is left out (kept raw in tags)."""
    for name in ("baseModels", "base_models"):
        if name not in batch.schema.names:
            continue
        col = batch.column(name)
        rows = col.to_pylist()  # nested and small: Python is clearer than compute here
        out = []
        for value in rows:
            try:
                out.append(hubfields.base_models(value))
            except ValueError:
                out.append(None)
        return pa.array(out, pa.list_(BASE_MODEL))
    return None


def _children(batch: pa.RecordBatch) -> tuple[pa.Array | None, list[tuple[pa.Array, str]]]:
    for name in ("childrenModelCount", "children_model_count"):
        if name not in batch.schema.names:
            continue
        col = batch.column(name)
        if pa.types.is_struct(col.type):
            total = None
            checks = []
            for f in col.type:
                part, bad = ints(pc.struct_field(col, f.name))
                checks.append((bad, f"{name} is not a whole number"))
                total = part if total is None else pc.add_checked(
                    pc.fill_null(total, 0), pc.fill_null(part, 0))
            return total, checks
        arr, bad = ints(col)
        return arr, [(bad, f"{name} is not a whole number")]
    return None, []


def map_batch(batch: pa.RecordBatch, plan: ReadPlan, first_row: int = 1) -> Batch:
    """One batch as read -> canonical rows plus the rows rejected for a bad value."""
    cols = columns_for(batch.schema.names)
    arrays: dict[str, pa.Array] = {}
    checks: list[tuple[pa.Array, str]] = []
    for canon, src in cols.items():
        col = batch.column(src)
        target = RECORD_SCHEMA.field(canon).type
        if pa.types.is_timestamp(target):
            arrays[canon], bad = timestamps(col)
            checks.append((bad, f"{src}: unreadable or out-of-range timestamp"))
        elif pa.types.is_string(target):
            arrays[canon] = _as_text(col)
        elif pa.types.is_list(target):
            arrays[canon] = pc.cast(col, target) if pa.types.is_list(col.type) else pa.nulls(
                len(col), target)
        elif pa.types.is_date32(target):
            arrays[canon] = pc.cast(col, target)
        elif pa.types.is_floating(target):
            f = pc.cast(col, pa.float64())
            arrays[canon] = pc.if_else(pc.is_finite(f), f, pa.scalar(None, pa.float64()))
        else:
            arrays[canon], bad = ints(col)
            checks.append((bad, f"{src} is not a whole number"))
    if "params_total" not in arrays:
        p, more = _params(batch)
        checks.extend(more)
        if p is not None:
            arrays["params_total"] = p
    children, more = _children(batch)
    checks.extend(more)
    if children is not None:
        arrays["children_count"] = children
    bm = _base_models(batch)
    if bm is not None:
        arrays["base_models"] = bm
    if "snapshot" not in arrays:
        arrays["snapshot"] = pa.array([plan.snapshot] * batch.num_rows, pa.date32())
    elif plan.snapshot is not None:
        arrays["snapshot"] = pc.fill_null(arrays["snapshot"], pa.scalar(plan.snapshot))
    if plan.observed_at is not None:
        arrays["observed_at"] = pa.array([plan.observed_at] * batch.num_rows,
                                         RECORD_SCHEMA.field("observed_at").type)
    arrays["location"] = row_labels(first_row, batch.num_rows)
    mapped = conform(pa.RecordBatch.from_pydict(arrays))
    good, rejected = split(batch, mapped, checks, first_row)
    return Batch(good, rejected)


def _read(plan: ReadPlan) -> Iterator[Batch]:
    path = Path(plan.path)
    names = open_parquet(path).schema_arrow.names
    wanted = sorted(set(columns_for(names).values()) | {e for e in EXTRA if e in names})
    if "id" not in columns_for(names):
        yield Batch(conform(pa.table({})), [Rejected("file", str(names), "no id column")])
        return
    row = 1
    for batch in iter_batches(path, plan.batch_size, wanted):
        yield map_batch(batch, plan, row)
        row += batch.num_rows


def simulated(path: Path) -> bool:
    """True when the file says it is SIMULATED (schema metadata written by ``synth``)."""
    meta = open_parquet(path).schema_arrow.metadata or {}
    return meta.get(b"modelatlas.simulated") == b"true"


def snapshot_of(path: Path) -> dt.date | None:
    meta = open_parquet(path).schema_arrow.metadata or {}
    v = meta.get(b"modelatlas.snapshot")
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v.decode("ascii", "replace"))
    except ValueError:
        return None


FORMAT = register(FileFormat("hub-parquet", "Hub dump Parquet (hub-stats layout)", _sniff,
                             _read, 10, population="hub"))  # a dump lists the whole Hub
