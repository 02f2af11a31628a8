"""Tag-list CSVs of new Hub models (created_at, model, author, downloads, likes, tags).

Tags are joined by ``"; "``; the source cuts the column at a fixed length and
marks the cut with an ellipsis. The cut tag is kept raw in ``truncated_tags``
so it is never parsed into a bogus licence or lineage edge.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modelatlas.sources import csvrows
from modelatlas.sources.hubfields import as_int
from modelatlas.sources.records import Batch, ReadPlan, parse_timestamp, to_batches
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


def _read(plan: ReadPlan) -> Iterator[Batch]:
    items = ((loc, raw, row, err) for loc, row, raw, err in csvrows.rows(Path(plan.path)))
    yield from to_batches(items, plan, _convert)


FORMAT = register(FileFormat("tags-csv", "tag-list CSV of new models", _sniff, _read, 20,
                            population="new-models"))  # hourly lists: a sample of the inflow
