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
from modelatlas.sources.records import Batch, ReadPlan, Rejected, batch_from_rows
from modelatlas.sources.registry import FileFormat, register


def _sniff(path: Path, head: bytes) -> bool:
    return "metadata" in csvrows.header(head)


def _read(plan: ReadPlan) -> Iterator[Batch]:
    out: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    for loc, row, raw, err in csvrows.rows(Path(plan.path)):
        if row is not None:
            try:
                rec = json.loads(row["metadata"])
                canon = hubfields.canonical(rec)
                canon["snapshot"] = plan.snapshot
                canon["location"] = loc
                out.append(canon)
            except json.JSONDecodeError as exc:
                err = f"metadata is not JSON: {exc.msg}"
            except ValueError as exc:
                err = str(exc)
        if err is not None:
            rejected.append(Rejected(loc, raw, err))
        if len(out) >= plan.batch_size:
            yield Batch(batch_from_rows(out), rejected)
            out, rejected = [], []
    yield Batch(batch_from_rows(out), rejected)


FORMAT = register(
    FileFormat("modelinfo-csv", "CSV with a Hub ModelInfo record per row", _sniff, _read, 25)
)
