"""Stream CSV rows as dicts with their line numbers, rejecting malformed rows.

Every budget is bounded: a physical line longer than ``MAX_RECORD_BYTES`` is
skipped (never held whole), a field is at most that long, and a row holding bytes
that are not UTF-8 or a NUL byte is rejected with the reason; the rows around it
are still read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from modelatlas.errors import CorruptFileError
from modelatlas.sources.records import MAX_RECORD_BYTES, bad_text, clip, printable
from modelatlas.sources.textio import OVERLONG, bounded_lines, open_text

csv.field_size_limit(MAX_RECORD_BYTES)


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
        reader = csv.reader(bounded_lines(fh, MAX_RECORD_BYTES))
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
            if not values:
                continue
            raw = ",".join(values)
            # OVERLONG holds a NUL: one test of the joined text spares a scan per field.
            if "\x00" in raw and any(OVERLONG in v for v in values):
                yield (f"line {line}", None, "",
                       f"record longer than {MAX_RECORD_BYTES:,} characters")
                continue
            why = bad_text(raw)
            if why:
                yield f"line {line}", None, clip(printable(raw)), why
                continue
            if len(values) != width:
                yield f"line {line}", None, clip(raw), (
                    f"expected {width} fields, found {len(values)}")
                continue
            yield f"line {line}", dict(zip(names, values, strict=True)), raw, None
