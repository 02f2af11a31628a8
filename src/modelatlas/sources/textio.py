"""Open text inputs: UTF-8 (with or without BOM), any line endings, gzip transparently.

Hostile files are normal, so reading never fails on one bad line:

* bytes that are not UTF-8 are decoded with ``surrogateescape`` (readers find the
  resulting lone surrogates with :func:`modelatlas.sources.records.bad_text` and
  reject that record only);
* :func:`bounded_lines` never holds more than ``limit`` characters of one line in
  memory: a longer line is skipped in chunks and replaced by :data:`OVERLONG`,
  so a 50 MB line (or a 5 GB one) costs one rejected record, not the file.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO

OVERLONG = "\x00modelatlas:overlong-line\x00"
"""Stands for a line longer than the budget (it cannot occur in valid text: NUL)."""


def open_text(path: Path, newline: str | None = None) -> IO[str]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig",
                                errors="surrogateescape", newline=newline)
    return path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline=newline)


def bounded_lines(fh: IO[str], limit: int) -> Iterator[str]:
    """The lines of ``fh`` (with their line end); a line over ``limit`` characters
    becomes ``OVERLONG + "\\n"`` after being skipped chunk by chunk."""
    while True:
        line = fh.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith("\n"):
            yield line
            continue
        while True:  # skip the rest of the overlong line without keeping it
            rest = fh.readline(limit)
            if not rest or rest.endswith("\n"):
                break
        yield OVERLONG + "\n"
