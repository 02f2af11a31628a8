"""Hub ModelInfo records as JSON lines (or one JSON array), as ``/api/models`` returns them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from modelatlas.sources import file_modelinfo_csv, hubfields
from modelatlas.sources.records import Batch, ReadPlan, to_batches
from modelatlas.sources.registry import FileFormat, register
from modelatlas.sources.textio import open_text


def _sniff(path: Path, head: bytes) -> bool:
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return s[:1] in (b"{", b"[") and (b'"id"' in head or b'"modelId"' in head)


def _records(path: Path) -> Iterator[tuple[str, Any, str | None]]:
    """(location, parsed record or raw text, error) for each record in the file."""
    with open_text(path) as fh:
        first = fh.read(1)
        while first and first.isspace():
            first = fh.read(1)
        fh.seek(0)
        if first == "[":
            try:
                data = json.load(fh)
            except json.JSONDecodeError as exc:
                yield "array", fh_text(path), f"invalid JSON array: {exc.msg} at char {exc.pos}"
                return
            for i, rec in enumerate(data if isinstance(data, list) else [data], 1):
                yield f"item {i}", rec, None
            return
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                yield f"line {n}", json.loads(line), None
            except json.JSONDecodeError as exc:
                yield f"line {n}", line.rstrip("\n"), f"invalid JSON: {exc.msg}"


def fh_text(path: Path) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[:100_000]


def _read(plan: ReadPlan) -> Iterator[Batch]:
    path = Path(plan.path)
    with path.open("rb") as fh:
        head = fh.read(65536)
    if not _sniff(path, head) and file_modelinfo_csv.FORMAT.sniff(path, head):
        # The ModelInfo CSV dump (a `metadata` column per row) is Hub JSON too.
        yield from file_modelinfo_csv.FORMAT.read(plan)
        return
    items = ((loc, rec if err else None, rec, err) for loc, rec, err in _records(path))
    yield from to_batches(items, plan, hubfields.canonical)


FORMAT = register(
    FileFormat("hub-json", "Hub ModelInfo records, JSON lines or a JSON array", _sniff, _read, 30)
)
