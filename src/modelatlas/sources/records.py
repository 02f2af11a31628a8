"""The canonical record every source yields, as Arrow, plus rejected records.

Sources map their input onto ``RECORD_SCHEMA`` and stream it in batches; the
store validates and parses tags set-based (SQL) at commit, so every source gets
the same rules. Timestamps are UTC; a source rejects a record whose timestamp it
cannot read (``parse_timestamp``) rather than guessing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us", tz="UTC")

RECORD_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("author", pa.string()),
        pa.field("created_at", TS),
        pa.field("last_modified", TS),
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


def parse_timestamp(value: Any, what: str) -> dt.datetime | None:
    """ISO 8601 text (``Z`` or offset; naive means UTC) or a datetime, as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        d = value
    elif isinstance(value, dt.date):
        d = dt.datetime(value.year, value.month, value.day)
    else:
        try:
            d = dt.datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise ValueError(f"unparseable {what}: {str(value)[:60]!r}") from None
    return d.replace(tzinfo=dt.UTC) if d.tzinfo is None else d.astimezone(dt.UTC)


def timestamps(col: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """A column of timestamps or ISO strings as UTC timestamps, vectorised.

    Strings Arrow cannot parse become null (callers that must not lose them
    parse record by record with ``parse_timestamp`` instead).
    """
    if pa.types.is_timestamp(col.type):
        if col.type.tz is None:
            col = pc.assume_timezone(col, "UTC")
        return pc.cast(col, TS)
    if pa.types.is_date(col.type):
        return pc.cast(pc.cast(col, pa.timestamp("us")), TS)
    text = pc.cast(col, pa.string())
    try:
        return pc.cast(text, TS)
    except pa.ArrowInvalid:
        out = []
        for v in text.to_pylist():
            try:
                out.append(parse_timestamp(v, "timestamp"))
            except ValueError:
                out.append(None)
        return pa.array(out, TS)


def empty_batch() -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=RECORD_SCHEMA)


def _ts_or_none(value: Any) -> dt.datetime | None:
    try:
        return parse_timestamp(value, "timestamp")
    except ValueError:
        return None


def batch_from_rows(rows: Sequence[dict[str, Any]]) -> pa.RecordBatch:
    """Arrow batch from canonical dicts (missing keys become null).

    Timestamps given as text are parsed here; sources that must reject bad ones
    parse them first with ``parse_timestamp``.
    """
    out = []
    for r in rows:
        d = {k: r.get(k) for k in FIELDS}
        for k in ("created_at", "last_modified"):
            if isinstance(d[k], str):
                d[k] = _ts_or_none(d[k])
        out.append(d)
    return pa.RecordBatch.from_pylist(out, schema=RECORD_SCHEMA)


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


def to_batches(
    items: Iterable[tuple[str, str | None, Any, str | None]],
    plan: ReadPlan,
    convert: Callable[[Any], dict[str, Any]],
) -> Iterator[Batch]:
    """Turn (location, raw text, payload, error) items into canonical batches.

    ``convert`` maps a payload to a canonical row or raises ``ValueError``; an
    error (from reading or converting) sends the record to the rejected list with
    its raw content (the payload as JSON when no raw text was kept).
    """
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for loc, raw, payload, err in items:
        if err is None:
            try:
                row = convert(payload)
                row.setdefault("snapshot", plan.snapshot)
                row["location"] = loc
                rows.append(row)
            except ValueError as exc:
                err = str(exc)
        if err is not None:
            text = raw if raw is not None else (
                payload if isinstance(payload, str) else json.dumps(payload, default=str))
            rejected.append(Rejected(loc, text, err))
        if len(rows) >= plan.batch_size:
            yield Batch(batch_from_rows(rows), rejected)
            rows, rejected = [], []
    yield Batch(batch_from_rows(rows), rejected)


@dataclass
class ReadPlan:
    """What a source needs to read one input."""

    path: str
    snapshot: dt.date | None  # from --snapshot
    batch_size: int


SourceIter = Iterator[Batch]
