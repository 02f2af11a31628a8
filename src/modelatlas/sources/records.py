"""The canonical record every source yields, as Arrow, plus rejected records.

Sources map their input onto ``RECORD_SCHEMA`` and stream it in batches; the
store validates and parses tags set-based (SQL) at commit, so every source gets
the same rules. Timestamps stay strings here: the store parses them and
quarantines the ones it cannot read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

RECORD_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("author", pa.string()),
        pa.field("created_at", pa.string()),
        pa.field("last_modified", pa.string()),
        pa.field("pipeline_tag", pa.string()),
        pa.field("library", pa.string()),
        pa.field("gated", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("truncated_tags", pa.list_(pa.string())),
        pa.field("downloads_30d", pa.int64()),
        pa.field("downloads_all_time", pa.int64()),
        pa.field("likes", pa.int64()),
        pa.field("params_total", pa.int64()),
        pa.field("params_active", pa.int64()),
        pa.field("card_license", pa.string()),
        pa.field("card_license_name", pa.string()),
        pa.field("card_license_link", pa.string()),
        pa.field("card_base_models", pa.list_(pa.string())),
        pa.field("card_base_relation", pa.string()),
        pa.field("snapshot", pa.date32()),
        pa.field("location", pa.string()),  # row/line in the input, for quarantine
    ]
)
FIELDS = tuple(RECORD_SCHEMA.names)


@dataclass(frozen=True)
class Rejected:
    """A record a source could not map: kept whole, with why."""

    location: str
    record: str
    reason: str


@dataclass
class Batch:
    """One batch from a source: good records (Arrow) and the rejected ones."""

    records: pa.RecordBatch
    rejected: list[Rejected] = field(default_factory=list)


def empty_batch() -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=RECORD_SCHEMA)


def batch_from_rows(rows: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    """Arrow batch from canonical dicts (missing keys become null)."""
    return pa.RecordBatch.from_pylist(
        [{k: r.get(k) for k in FIELDS} for r in rows], schema=RECORD_SCHEMA
    )


def conform(table: pa.Table | pa.RecordBatch) -> pa.RecordBatch:
    """Reorder/add columns so a batch has exactly ``RECORD_SCHEMA`` (missing -> null)."""
    n = table.num_rows
    cols = []
    for f in RECORD_SCHEMA:
        if f.name in table.schema.names:
            col = table.column(f.name)
            if col.type != f.type:
                col = col.cast(f.type)
            cols.append(col)
        else:
            cols.append(pa.nulls(n, f.type))
    if isinstance(table, pa.Table):
        table = pa.Table.from_arrays(cols, schema=RECORD_SCHEMA).combine_chunks()
        batches = table.to_batches()
        return batches[0] if batches else empty_batch()
    return pa.RecordBatch.from_arrays(cols, schema=RECORD_SCHEMA)


@dataclass
class ReadPlan:
    """What a source needs to read one input."""

    path: str
    snapshot: dt.date | None  # from --snapshot
    batch_size: int


SourceIter = Iterator[Batch]
