"""Open text inputs: UTF-8 (with or without BOM), any line endings, gzip transparently."""

from __future__ import annotations

import gzip
import io
from pathlib import Path
from typing import IO


def open_text(path: Path, newline: str | None = None) -> IO[str]:
    with path.open("rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline=newline)
    return path.open("r", encoding="utf-8-sig", newline=newline)
