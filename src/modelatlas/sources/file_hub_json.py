"""Hub ModelInfo records as JSON lines (or one JSON array), as ``/api/models`` returns them.

Both layouts are streamed: JSON lines line by line (each line bounded by
``MAX_RECORD_BYTES``), a JSON array item by item (``raw_decode`` over a growing
buffer), so memory never follows the file size. A bad record (invalid JSON or
UTF-8, a NUL byte, nesting deep enough to exhaust the parser, an oversized line)
is rejected with its reason and the next one is read; in an array, where the end
of a broken item cannot be found, the rest of the array is rejected as one record.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from modelatlas.sources import file_modelinfo_csv, hubfields
from modelatlas.sources.records import (
    MAX_RECORD_BYTES,
    Batch,
    ReadPlan,
    bad_text,
    clip,
    printable,
    to_batches,
)
from modelatlas.sources.registry import FileFormat, register
from modelatlas.sources.textio import OVERLONG, bounded_lines, open_text

_DECODER = json.JSONDecoder()
_WS = " \t\r\n"
CHUNK = 1 << 16


def _sniff(path: Path, head: bytes) -> bool:
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return s[:1] in (b"{", b"[") and (b'"id"' in head or b'"modelId"' in head)


Item = tuple[str, Any, str | None]


def _decode(text: str, where: str) -> Item:
    why = bad_text(text)
    if why:
        return where, clip(printable(text.rstrip("\r\n"))), why
    try:
        return where, json.loads(text), None
    except json.JSONDecodeError as exc:
        return where, clip(text.rstrip("\r\n")), f"invalid JSON: {exc.msg}"
    except RecursionError:
        return where, clip(text.rstrip("\r\n")), "record nested too deeply"


def _lines(fh: IO[str]) -> Iterator[Item]:
    for n, line in enumerate(bounded_lines(fh, MAX_RECORD_BYTES), 1):
        if line.startswith(OVERLONG):
            yield f"line {n}", "", f"record longer than {MAX_RECORD_BYTES:,} characters"
        elif line.strip():
            yield _decode(line, f"line {n}")


def _array(fh: IO[str]) -> Iterator[Item]:
    """Items of a top-level JSON array, decoded one at a time."""
    buf = fh.read(CHUNK).lstrip(_WS)[1:]  # past the opening bracket
    eof = False
    i = 0
    want = CHUNK
    while True:
        buf = buf.lstrip(_WS + ",")
        if not buf and not eof:
            more = fh.read(CHUNK)
            eof = not more
            buf = more
            continue
        if not buf or buf[0] == "]":
            return
        try:
            obj, end = _DECODER.raw_decode(buf)
        except json.JSONDecodeError as exc:
            if not eof and len(buf) <= MAX_RECORD_BYTES:
                more = fh.read(want)  # an item cut by the buffer: read on (doubling)
                eof = not more
                buf += more
                want = min(want * 2, MAX_RECORD_BYTES)
                continue
            why = (f"record longer than {MAX_RECORD_BYTES:,} characters"
                   if len(buf) > MAX_RECORD_BYTES else f"invalid JSON: {exc.msg}")
            yield (f"item {i + 1} and the rest of the array", clip(buf),
                   why + "; the rest of the array cannot be delimited")
            return
        except RecursionError:
            yield (f"item {i + 1} and the rest of the array", clip(buf),
                   "record nested too deeply; the rest of the array cannot be delimited")
            return
        i += 1
        want = CHUNK
        text = buf[:end]
        buf = buf[end:]
        problem = bad_text(text)
        yield (f"item {i}", clip(printable(text)), problem) if problem else (
            f"item {i}", obj, None)


def _records(path: Path) -> Iterator[Item]:
    """(location, parsed record or raw text, error) for each record in the file."""
    with open_text(path) as fh:
        first = fh.read(1)
        while first and first.isspace():
            first = fh.read(1)
        fh.seek(0)
        yield from (_array(fh) if first == "[" else _lines(fh))


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
    FileFormat("hub-json", "Hub ModelInfo records, JSON lines or a JSON array", _sniff, _read, 30,
               population="modelinfo")  # whatever one file held: a tree, a search
)
