"""Daily trending snapshots (one Parquet file a day, ``mined_date`` as dd-mm-yyyy).

The snapshot date is the ``mined_date`` column, else the date in the file name
(``name_dd-mm-yyyy.parquet``), else ``--snapshot``. Trending rows carry no tags
or creation date: they are observations of downloads and likes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from modelatlas.sources.parquetio import columns, iter_batches, open_parquet
from modelatlas.sources.records import Batch, ReadPlan, conform, timestamps
from modelatlas.sources.registry import FileFormat, register

NAME_DATE = re.compile(r"(\d{2})-(\d{2})-(\d{4})(?=\D*$)")


def _sniff(path: Path, head: bytes) -> bool:
    names = columns(path, head)
    return names is not None and "id" in names and ("mined_date" in names or "trending" in names)


def _name_date(path: Path) -> str | None:
    m = NAME_DATE.search(path.stem)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def _read(plan: ReadPlan) -> Iterator[Batch]:
    path = Path(plan.path)
    names = set(open_parquet(path).schema_arrow.names)
    wanted = [c for c in ("id", "author", "downloads", "likes", "gated", "lastModified",
                          "pipeline_tag", "mined_date") if c in names]
    fallback = _name_date(path) or (plan.snapshot.isoformat() if plan.snapshot else None)
    for b in iter_batches(path, plan.batch_size, wanted):
        n = b.num_rows
        if "mined_date" in names:
            md = b.column("mined_date")
            iso = pc.if_else(
                pc.match_substring_regex(md, r"^\d{2}-\d{2}-\d{4}$"),
                pc.binary_join_element_wise(
                    pc.utf8_slice_codeunits(md, 6, 10), pc.utf8_slice_codeunits(md, 3, 5),
                    pc.utf8_slice_codeunits(md, 0, 2), "-"),
                pa.scalar(fallback, pa.string()),
            )
            iso = pc.fill_null(iso, pa.scalar(fallback, pa.string()))
        else:
            iso = pa.array([fallback] * n, pa.string())
        snap = pc.cast(pc.strptime(iso, "%Y-%m-%d", "s"), pa.date32()) if n else pa.array(
            [], pa.date32())
        cols: dict[str, pa.Array] = {
            "id": b.column("id"),
            "snapshot": snap,
            "location": pc.cast(pa.array(range(1, n + 1)), pa.string()),
        }
        if "author" in names:
            cols["author"] = b.column("author")
        if "downloads" in names:
            cols["downloads_30d"] = pc.cast(b.column("downloads"), pa.int64())
        if "likes" in names:
            cols["likes"] = pc.cast(b.column("likes"), pa.int64())
        if "gated" in names:
            g = b.column("gated")
            cols["gated"] = pc.if_else(g, "true", "false") if pa.types.is_boolean(
                g.type) else pc.cast(g, pa.string())
        if "lastModified" in names:
            cols["last_modified"] = timestamps(b.column("lastModified"))
        if "pipeline_tag" in names:
            cols["pipeline_tag"] = b.column("pipeline_tag")
        yield Batch(conform(pa.RecordBatch.from_pydict(cols)))


FORMAT = register(
    FileFormat("trending-parquet", "daily trending snapshot Parquet", _sniff, _read, 5)
)
