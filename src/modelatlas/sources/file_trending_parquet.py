"""Daily trending snapshots (one Parquet file a day, ``mined_date`` as dd-mm-yyyy).

The snapshot date is the ``mined_date`` column, else the date in the file name
(``name_dd-mm-yyyy.parquet``), else ``--snapshot``. Trending rows carry no tags
or creation date: they are observations of downloads and likes, plus the
parameter count the Hub shows (``numParameters``, a float in these files,
rounded to a whole number) when the listing has it. A row whose values cannot be
stored (an unreadable ``lastModified``, a count that is not a whole number) is
quarantined; the others are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from modelatlas.sources.parquetio import columns, ints, iter_batches, open_parquet, row_labels
from modelatlas.sources.parquetio import split as split_bad
from modelatlas.sources.records import Batch, ReadPlan, conform, timestamps
from modelatlas.sources.registry import FileFormat, register

NAME_DATE = re.compile(r"(\d{2})-(\d{2})-(\d{4})(?=\D*$)")
COLUMNS = ("id", "author", "downloads", "likes", "gated", "lastModified", "pipeline_tag",
           "mined_date", "numParameters", "trendingScore")


def _sniff(path: Path, head: bytes) -> bool:
    names = columns(path, head)
    return names is not None and "id" in names and ("mined_date" in names or "trending" in names)


def _name_date(path: Path) -> str | None:
    m = NAME_DATE.search(path.stem)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def _snapshots(b: pa.RecordBatch, has_mined: bool, fallback: str | None) -> pa.Array:
    n = b.num_rows
    if has_mined:
        md = pc.cast(b.column("mined_date"), pa.string())
        iso = pc.if_else(
            pc.fill_null(pc.match_substring_regex(md, r"^\d{2}-\d{2}-\d{4}$"), False),
            pc.binary_join_element_wise(
                pc.utf8_slice_codeunits(md, 6, 10), pc.utf8_slice_codeunits(md, 3, 5),
                pc.utf8_slice_codeunits(md, 0, 2), "-"),
            pa.scalar(fallback, pa.string()),
        )
    else:
        iso = pa.array([fallback] * n, pa.string())
    if n == 0:
        return pa.array([], pa.date32())
    # An impossible date (31-02-2025) becomes null here; the store rejects the row.
    parsed = pc.strptime(iso, "%Y-%m-%d", "s", error_is_null=True)
    return pc.cast(parsed, pa.date32())


def _read(plan: ReadPlan) -> Iterator[Batch]:
    path = Path(plan.path)
    names = set(open_parquet(path).schema_arrow.names)
    wanted = [c for c in COLUMNS if c in names]
    fallback = _name_date(path) or (plan.snapshot.isoformat() if plan.snapshot else None)
    row = 1
    for b in iter_batches(path, plan.batch_size, wanted):
        n = b.num_rows
        checks: list[tuple[pa.Array, str]] = []
        cols: dict[str, pa.Array] = {
            "id": pc.cast(b.column("id"), pa.string()),
            "snapshot": _snapshots(b, "mined_date" in names, fallback),
            "location": row_labels(row, n),
        }
        if "author" in names:
            cols["author"] = pc.cast(b.column("author"), pa.string())
        for src, canon in (("downloads", "downloads_30d"), ("likes", "likes"),
                           ("numParameters", "params_total")):
            if src in names:
                col = b.column(src)
                if src == "numParameters" and pa.types.is_floating(col.type):
                    col = pc.round(col)
                cols[canon], bad = ints(col)
                checks.append((bad, f"{src} is not a whole number"))
        if "params_total" in cols:
            p = cols["params_total"]
            cols["params_total"] = pc.if_else(pc.fill_null(pc.greater(p, 0), False), p,
                                              pa.scalar(None, pa.int64()))
        if "trendingScore" in names:
            f = pc.cast(b.column("trendingScore"), pa.float64())
            cols["trending_score"] = pc.if_else(pc.is_finite(f), f, pa.scalar(None, pa.float64()))
        if "gated" in names:
            g = b.column("gated")
            cols["gated"] = pc.if_else(g, "true", "false") if pa.types.is_boolean(
                g.type) else pc.cast(g, pa.string())
        if "lastModified" in names:
            cols["last_modified"], bad = timestamps(b.column("lastModified"))
            checks.append((bad, "lastModified: unreadable or out-of-range timestamp"))
        if "pipeline_tag" in names:
            cols["pipeline_tag"] = pc.cast(b.column("pipeline_tag"), pa.string())
        good, rejected = split_bad(b, conform(pa.RecordBatch.from_pydict(cols)), checks, row)
        yield Batch(good, rejected)
        row += n


FORMAT = register(
    FileFormat("trending-parquet", "daily trending snapshot Parquet", _sniff, _read, 5,
               population="trending")  # one pipeline's trending list: filtered
)
