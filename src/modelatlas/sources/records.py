"""The canonical record every source yields, as Arrow, plus rejected records.

Sources map their input onto ``RECORD_SCHEMA`` and stream it in batches; the
store validates and parses tags set-based (SQL) at commit, so every source gets
the same rules. Timestamps are UTC; a source rejects a record whose timestamp it
cannot read (``parse_timestamp``) rather than guessing.

Hostile input is normal: every batch goes through :func:`screen` before it
reaches the store, which turns oversized text, NUL bytes, invalid UTF-8 and
oversized lists into rejected records (with the row and the reason) instead of
letting one of them fail the whole batch. :func:`batch_from_rows` isolates rows
Arrow cannot convert (an integer past 64 bits, a lone surrogate) the same way.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

TS = pa.timestamp("us", tz="UTC")
BASE_MODEL = pa.struct([("id", pa.string()), ("relation", pa.string())])

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
        # The Hub's own lineage field (``baseModels``): parents with their relation.
        pa.field("base_models", pa.list_(BASE_MODEL)),
        pa.field("trending_score", pa.float64()),
        pa.field("used_storage", pa.int64()),
        pa.field("children_count", pa.int64()),
        pa.field("snapshot", pa.date32()),
        # When the record was observed, at the resolution the source gives (an hourly
        # list's hour); NULL when only the snapshot date is known.
        pa.field("observed_at", TS),
        pa.field("location", pa.string()),  # row/line in the input, for quarantine
    ]
)
FIELDS = tuple(RECORD_SCHEMA.names)

# Budgets for one record (deny by default: anything beyond is quarantined, never stored).
MAX_RECORD_BYTES = 8 * 1024 * 1024  # one raw line / record as read
MAX_TEXT = 64 * 1024  # any scalar text field
MAX_LIST = 10_000  # elements of a list field (tags, parents)
MAX_ITEM = 4096  # one list element
QUARANTINE_CHARS = 64 * 1024  # raw content kept in quarantine for one record
INT64 = (-(2**63), 2**63 - 1)
# Timestamps outside this window are errors in the data, not dates (the Hub was
# founded in 2016; a year-1 or year-9999 stamp is a placeholder or corruption).
TS_MIN = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
TS_MAX = dt.datetime(2200, 1, 1, tzinfo=dt.UTC)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Rejected:
    """A record a source could not map: kept (cut to a budget), with why."""

    location: str
    record: str
    reason: str


@dataclass
class Batch:
    """One batch from a source: good records (Arrow) and the rejected ones."""

    records: pa.RecordBatch
    rejected: list[Rejected] = field(default_factory=list)


def clip(text: str, limit: int = QUARANTINE_CHARS) -> str:
    """Raw content for quarantine, cut to ``limit`` characters (the cut is marked)."""
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [cut: {len(text):,} characters in all]"


def bad_text(value: str) -> str | None:
    """Why a text value read from a file cannot be stored, or None.

    Readers decode with ``surrogateescape``: an invalid UTF-8 byte becomes a lone
    surrogate, found here, so one bad line is rejected and the rest of the file read.
    """
    if _SURROGATE.search(value):
        return "invalid UTF-8"
    if "\x00" in value:
        return "NUL byte in record"
    return None


def check_int(value: int, what: str) -> int:
    """``value`` if it fits a 64-bit integer, else ValueError (never OverflowError later)."""
    if not INT64[0] <= value <= INT64[1]:
        raise ValueError(f"{what} out of range: {str(value)[:40]}")
    return value


def parse_timestamp(value: Any, what: str) -> dt.datetime | None:
    """ISO 8601 text (``Z`` or offset; naive means UTC) or a datetime, as aware UTC.

    ValueError (never OverflowError) for text that is not a timestamp and for
    stamps outside [1970, 2200).
    """
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        d = value
    elif isinstance(value, dt.date):
        d = dt.datetime(value.year, value.month, value.day)
    else:
        text = str(value).strip()
        if len(text) > 64:
            raise ValueError(f"unparseable {what}: {text[:60]!r}")
        try:
            d = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"unparseable {what}: {text[:60]!r}") from None
    try:
        d = d.replace(tzinfo=dt.UTC) if d.tzinfo is None else d.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"{what} out of range: {value!s:.60}") from None
    if not TS_MIN <= d < TS_MAX:
        raise ValueError(f"{what} out of range: {d.isoformat()}")
    return d


def timestamps(col: pa.Array | pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """A column of timestamps or ISO strings as UTC timestamps, plus a "bad" mask.

    Vectorised; a value that is present but unreadable or outside [1970, 2200)
    becomes null *and* is flagged in the mask, so the caller rejects that row
    (a source never silently drops a stamp, nor fails the batch for one row).
    """
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    n = len(col)
    if pa.types.is_null(col.type):
        return pa.nulls(n, TS), pa.array([False] * n)
    if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
        if pa.types.is_date(col.type):
            col = pc.cast(pc.cast(col, pa.date32()), pa.timestamp("s"))
        unit = col.type.unit
        per_s = {"s": 1, "ms": 1000, "us": 10**6, "ns": 10**9}[unit]
        raw = col.view(pa.int64())  # the stored integers, whatever the time zone
        lo, hi = int(TS_MIN.timestamp()) * per_s, int(TS_MAX.timestamp()) * per_s
        bad = pc.fill_null(pc.or_(pc.less(raw, lo), pc.greater_equal(raw, hi)), False)
        ok = pc.if_else(bad, pa.scalar(None, pa.int64()), raw)
        return pc.cast(pc.cast(ok, pa.timestamp(unit, tz="UTC")), TS), bad
    text = pc.utf8_trim_whitespace(pc.cast(col, pa.string()))
    present = pc.fill_null(pc.greater(pc.utf8_length(text), 0), False)
    try:
        parsed = pc.cast(text, TS)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        vals: list[dt.datetime | None] = []
        for v in text.to_pylist():
            try:
                vals.append(parse_timestamp(v, "timestamp"))
            except ValueError:
                vals.append(None)
        parsed = pa.array(vals, TS)
    else:
        raw = parsed.view(pa.int64())
        lo, hi = int(TS_MIN.timestamp()) * 10**6, int(TS_MAX.timestamp()) * 10**6
        out_of_range = pc.fill_null(pc.or_(pc.less(raw, lo), pc.greater_equal(raw, hi)), False)
        parsed = pc.if_else(out_of_range, pa.scalar(None, TS), parsed)
    bad = pc.and_(present, pc.is_null(parsed))
    return parsed, bad


def empty_batch() -> pa.RecordBatch:
    return pa.RecordBatch.from_pylist([], schema=RECORD_SCHEMA)


def _ts_or_none(value: Any) -> dt.datetime | None:
    try:
        return parse_timestamp(value, "timestamp")
    except ValueError:
        return None


_TS_FIELDS = ("created_at", "last_modified", "observed_at")


def _canon(r: dict[str, Any]) -> dict[str, Any]:
    """The row with timestamps given as text parsed. Missing keys stay missing
    (``from_pylist`` reads them as null) and the row is copied only when a
    timestamp is text: a copy per row was a fifth of a CSV's reading time."""
    if not any(isinstance(r.get(k), str) for k in _TS_FIELDS):
        return r
    d = dict(r)
    for k in _TS_FIELDS:
        if isinstance(d.get(k), str):
            d[k] = _ts_or_none(d[k])
    return d


def printable(text: str) -> str:
    """``text`` storable as VARCHAR: lone surrogates (undecodable bytes) escaped."""
    if _SURROGATE.search(text):
        return text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def row_json(row: dict[str, Any]) -> str:
    """A canonical row as JSON text, for quarantine."""
    return clip(printable(json.dumps(row, default=str, ensure_ascii=False)))


def batch_from_rows(rows: Sequence[dict[str, Any]],
                    rejected: list[Rejected] | None = None) -> pa.RecordBatch:
    """Arrow batch from canonical dicts (missing keys become null).

    Timestamps given as text are parsed here; sources that must reject bad ones
    parse them first with ``parse_timestamp``. A row Arrow cannot convert is
    moved to ``rejected`` (when given) with the reason; the others still go in.
    """
    out = [_canon(r) for r in rows]
    try:
        return pa.RecordBatch.from_pylist(out, schema=RECORD_SCHEMA)
    except (pa.ArrowException, OverflowError, TypeError, ValueError, UnicodeError):
        if rejected is None:
            raise
    good = []
    for d in out:  # rare path: find the rows that cannot be converted, one by one
        try:
            pa.RecordBatch.from_pylist([d], schema=RECORD_SCHEMA)
        except (pa.ArrowException, OverflowError, TypeError, ValueError, UnicodeError) as exc:
            rejected.append(Rejected(str(d.get("location") or "?"), row_json(d),
                                     f"value cannot be stored: {str(exc).splitlines()[0][:200]}"))
            continue
        good.append(d)
    return pa.RecordBatch.from_pylist(good, schema=RECORD_SCHEMA)


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


def _string_problems(col: pa.Array, limit: int) -> list[tuple[pa.Array, str]]:
    """(mask, reason) for values that are too long or hold a NUL byte.

    Fast path on the raw buffers (one ``memchr``-speed scan, the longest offset gap):
    the per-value checks run only when the buffers say a value might be bad.
    """
    if len(col) == 0 or col.null_count == len(col):
        return []
    bufs = col.buffers()
    wide = pa.types.is_large_string(col.type) or pa.types.is_large_binary(col.type)
    offsets = np.frombuffer(bufs[1], dtype=np.int64 if wide else np.int32)[
        col.offset: col.offset + len(col) + 1]
    data = bufs[2]
    out: list[tuple[pa.Array, str]] = []
    if len(offsets) > 1 and int(np.diff(offsets).max()) > limit:
        length = pc.fill_null(pc.binary_length(col), 0)
        out.append((pc.greater(length, limit), f"text longer than {limit:,} bytes"))
    if data is not None and data.size and (np.frombuffer(data, dtype=np.uint8) == 0).any():
        out.append((pc.fill_null(pc.match_substring(col, "\x00"), False), "NUL byte in record"))
    return out


def _invalid_utf8(col: pa.Array) -> pa.Array | None:
    """Mask of values that are not valid UTF-8, or None when the column is valid."""
    try:
        col.validate(full=True)
        return None
    except pa.ArrowInvalid:
        pass
    flat = col.view(pa.binary()) if pa.types.is_string(col.type) else col
    bad = []
    for v in flat.to_pylist():  # rare path: only for a batch holding bad bytes
        try:
            if v is not None:
                v.decode("utf-8")
            bad.append(False)
        except UnicodeDecodeError:
            bad.append(True)
    return pa.array(bad)


def screen(batch: pa.RecordBatch) -> tuple[pa.RecordBatch, list[Rejected]]:
    """Split a canonical batch into storable rows and rejected ones (with reasons).

    Vectorised: a batch without problems costs a few column scans. Checks text
    length (``MAX_TEXT``; an id is checked again at 256 in SQL), NUL bytes,
    invalid UTF-8, list length (``MAX_LIST``) and list element length (``MAX_ITEM``).
    """
    n = batch.num_rows
    if n == 0:
        return batch, []
    reasons: list[tuple[pa.Array, str]] = []
    for f in RECORD_SCHEMA:
        col = batch.column(f.name)
        if pa.types.is_string(f.type):
            utf = _invalid_utf8(col)
            if utf is not None:
                reasons.append((utf, "invalid UTF-8"))
                col = pc.if_else(utf, pa.scalar(None, pa.string()),
                                 col.view(pa.binary())).view(pa.string())
            reasons.extend(_string_problems(col, MAX_TEXT))
        elif pa.types.is_list(f.type):
            lengths = pc.fill_null(pc.list_value_length(col), 0)
            reasons.append((pc.greater(lengths, MAX_LIST),
                            f"{f.name} has more than {MAX_LIST:,} items"))
            values = col.flatten()
            if pa.types.is_struct(values.type):
                values = pc.struct_field(values, "id")
            parents = pc.list_parent_indices(col)
            utf = _invalid_utf8(values)
            item_checks = [] if utf is None else [(utf, "invalid UTF-8")]
            if utf is not None:
                values = pc.if_else(utf, pa.scalar(None, pa.binary()),
                                    values.view(pa.binary())).view(pa.string())
            item_checks.extend(_string_problems(values, MAX_ITEM))
            for mask, why in item_checks:
                if pc.any(mask).as_py():
                    rows = pc.unique(pc.filter(parents, mask))
                    hit = pc.is_in(pa.array(range(n), pa.int64()), value_set=pc.cast(
                        rows, pa.int64()))
                    reasons.append((hit, f"{f.name}: {why}"))
    bad_any = None
    for mask, _ in reasons:
        bad_any = mask if bad_any is None else pc.or_(bad_any, mask)
    if bad_any is None or not pc.any(bad_any).as_py():
        return batch, []
    rejected: list[Rejected] = []
    bad_rows = pc.indices_nonzero(bad_any).to_pylist()
    for i in bad_rows:
        why = "; ".join(dict.fromkeys(r for mask, r in reasons if mask[i].as_py()))
        rejected.append(Rejected(_location(batch, i), _row_text(batch, i), why))
    return batch.filter(pc.invert(bad_any)), rejected


def _location(batch: pa.RecordBatch, i: int) -> str:
    loc = batch.column("location")[i].as_py()
    return str(loc) if loc is not None else f"row {i + 1}"


def _row_text(batch: pa.RecordBatch, i: int) -> str:
    """One row as JSON for quarantine, bytes that are not UTF-8 shown escaped."""
    row: dict[str, Any] = {}
    for f in batch.schema:
        col = batch.column(f.name)
        if pa.types.is_string(f.type):
            v = col.view(pa.binary())[i].as_py()
            row[f.name] = None if v is None else clip(v.decode("utf-8", "backslashreplace"))
        elif pa.types.is_list(f.type):
            try:
                row[f.name] = col[i].as_py()
            except (UnicodeDecodeError, pa.ArrowException):
                row[f.name] = "<unreadable list>"
        else:
            row[f.name] = col[i].as_py()
    return row_json(row)


def to_batches(
    items: Iterable[tuple[str, str | None, Any, str | None]],
    plan: ReadPlan,
    convert: Callable[[Any], dict[str, Any]],
) -> Iterator[Batch]:
    """Turn (location, raw text, payload, error) items into canonical batches.

    ``convert`` maps a payload to a canonical row or raises ``ValueError``; an
    error (from reading or converting) sends the record to the rejected list with
    its raw content (the payload as JSON when no raw text was kept). Deeply nested
    payloads that exhaust the recursion limit are rejected the same way.
    """
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for loc, raw, payload, err in items:
        if err is None:
            try:
                row = convert(payload)
                row.setdefault("snapshot", plan.snapshot)
                row.setdefault("observed_at", plan.observed_at)
                row["location"] = loc
                rows.append(row)
            except ValueError as exc:
                err = str(exc)[:500]
            except RecursionError:
                err = "record nested too deeply"
        if err is not None:
            rejected.append(Rejected(loc, _raw_text(raw, payload), err))
        if len(rows) >= plan.batch_size:
            yield Batch(batch_from_rows(rows, rejected), rejected)
            rows, rejected = [], []
    yield Batch(batch_from_rows(rows, rejected), rejected)


def _raw_text(raw: str | None, payload: Any) -> str:
    if raw is not None:
        text = raw
    elif isinstance(payload, str):
        text = payload
    else:
        try:
            text = json.dumps(payload, default=str, ensure_ascii=False)
        except (RecursionError, ValueError, TypeError):
            text = repr(payload)[:QUARANTINE_CHARS]
    return clip(printable(text))


@dataclass
class ReadPlan:
    """What a source needs to read one input."""

    path: str
    snapshot: dt.date | None  # from --snapshot, the file's metadata or its name
    batch_size: int
    observed_at: dt.datetime | None = None  # from the file name, when it says the hour


SourceIter = Iterator[Batch]
