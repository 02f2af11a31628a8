"""CSV dumps whose ``metadata`` column holds a whole Hub ModelInfo record.

As in the family-tree dumps (model_id, metadata, depth, children, ...): the
record is JSON, and in some rows its values are Python-literal strings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modelatlas.sources import csvrows, hubfields
from modelatlas.sources.records import Batch, ReadPlan, to_batches
from modelatlas.sources.registry import FileFormat, register


def _sniff(path: Path, head: bytes) -> bool:
    return "metadata" in csvrows.header(head)


def _convert(row: dict[str, str]) -> dict[str, Any]:
    try:
        rec = json.loads(row["metadata"])
    except json.JSONDecodeError as exc:
        raise ValueError(f"metadata is not JSON: {exc.msg}") from None
    return hubfields.canonical(rec)


def _read(plan: ReadPlan) -> Iterator[Batch]:
    items = ((loc, raw, row, err) for loc, row, raw, err in csvrows.rows(Path(plan.path)))
    yield from to_batches(items, plan, _convert)


FORMAT = register(
    FileFormat("modelinfo-csv", "CSV with a Hub ModelInfo record per row", _sniff, _read, 25,
               population="modelinfo")  # whatever one file held
)
