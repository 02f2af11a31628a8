"""Stream CSV rows as dicts with their line numbers, rejecting malformed rows."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

from modelatlas.errors import CorruptFileError
from modelatlas.sources.textio import open_text

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def header(head: bytes) -> list[str]:
    """Column names from the first line of a CSV file's first bytes."""
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    try:
        return next(csv.reader([first]))
    except (csv.Error, StopIteration):
        return []


def rows(path: Path) -> Iterator[tuple[str, dict[str, str] | None, str, str | None]]:
    """(location, row or None, raw text, error) per data row."""
    with open_text(path, newline="") as fh:
        reader = csv.reader(fh)
        try:
            names = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CorruptFileError(f"{path}: unreadable CSV header: {exc}") from exc
        width = len(names)
        while True:
            line = reader.line_num + 1
            try:
                values = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield f"line {line}", None, "", f"malformed CSV: {exc}"
                continue
            raw = ",".join(values)
            if not values:
                continue
            if len(values) != width:
                yield f"line {line}", None, raw, f"expected {width} fields, found {len(values)}"
                continue
            yield f"line {line}", dict(zip(names, values, strict=True)), raw, None
