"""GGUF header sanity, read as bytes with every count bounded by the file size.

Layout (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md): magic
``GGUF``, uint32 version (1-3), tensor count and metadata key/value count
(uint32 in v1, uint64 since v2), then the key/value pairs. Oversized counts and
string lengths are how crafted GGUF files have attacked parsers (heap overflows
in llama.cpp/ggml), so each length is checked against the bytes that remain.
The chat template stored in the metadata is handed to the template checker.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import IO, BinaryIO

from modelatlas.check import scan_code
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAX_COUNT = 1 << 24
MAX_KEY = 1 << 16
_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
STRING, ARRAY = 8, 9


class _Bad(Exception):
    pass


class _Reader:
    def __init__(self, f: BinaryIO, size: int, v1: bool) -> None:
        self.f, self.size, self.v1 = f, size, v1

    def left(self) -> int:
        return self.size - self.f.tell()

    def take(self, n: int) -> bytes:
        if n < 0 or n > self.left():
            raise _Bad(f"a length of {n:,} bytes runs past the end of the file")
        return self.f.read(n)

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def u64(self) -> int:
        return int(struct.unpack("<Q", self.take(8))[0])

    def count(self) -> int:
        return self.u32() if self.v1 else self.u64()

    def string(self) -> bytes:
        return self.take(self.count())

    def skip_value(self, vtype: int, depth: int = 0) -> bytes | None:
        if vtype in _SCALAR:
            self.take(_SCALAR[vtype])
            return None
        if vtype == STRING:
            return self.string()
        if vtype == ARRAY:
            if depth > 4:
                raise _Bad("arrays nested too deeply")
            etype, n = self.u32(), self.count()
            if etype in _SCALAR:
                if n * _SCALAR[etype] > self.left():
                    raise _Bad(f"array of {n:,} elements runs past the end of the file")
                self.f.seek(n * _SCALAR[etype], 1)
                return None
            if n > self.left():
                raise _Bad(f"array of {n:,} elements runs past the end of the file")
            for _ in range(n):
                self.skip_value(etype, depth + 1)
            return None
        raise _Bad(f"unknown metadata value type {vtype}")


def check_header(path: Path, label: str) -> tuple[list[Finding], str | None]:
    """Findings for one ``.gguf`` file and its chat template (if it carries one)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            return check_stream(f, size, label)
    except OSError as exc:
        return [Finding(label, "medium", "gguf", f"cannot be read: {exc}")], None


def check_stream(f: IO[bytes], size: int, label: str) -> tuple[list[Finding], str | None]:
    """Findings for a seekable GGUF stream of ``size`` bytes, and its chat template."""

    def bad(detail: str) -> tuple[list[Finding], str | None]:
        return [Finding(label, "high", "gguf", f"invalid GGUF header: {detail}")], None

    head = f.read(8)
    if len(head) < 8 or head[:4] != b"GGUF":
        return bad(f"magic is {head[:4]!r}, not b'GGUF'")
    version = int(struct.unpack("<I", head[4:8])[0])
    if version not in (1, 2, 3):
        return bad(f"unsupported version {version}")
    r = _Reader(f, size, version == 1)  # type: ignore[arg-type]
    template: str | None = None
    try:
        n_tensors, n_kv = r.count(), r.count()
        if n_tensors > MAX_COUNT or n_kv > MAX_COUNT:
            return bad(f"implausible counts: {n_tensors:,} tensors, {n_kv:,} keys")
        # a tensor info needs at least name length + dims + type + offset
        if n_tensors * 24 > size:
            return bad(f"{n_tensors:,} tensors cannot fit in {size:,} bytes")
        for _ in range(n_kv):
            klen = r.count()
            if klen > MAX_KEY:
                return bad(f"metadata key length {klen:,} is implausible")
            key = r.take(klen)
            value = r.skip_value(r.u32())
            if key == b"tokenizer.chat_template" and value is not None:
                template = value.decode("utf-8", errors="replace")
    except _Bad as exc:
        return bad(str(exc))
    except struct.error:
        return bad("truncated metadata")
    return [], template


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    with ctx.seekable(blob) as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        found, template = check_stream(f, size, blob.label)
    if template:
        found += scan_code.check_template(template, blob.label)
    return found


SCANNER = register(Scanner("gguf", "GGUF headers and their chat templates",
                           lambda b: b.head.startswith(b"GGUF") or b.suffix == ".gguf", scan,
                           priority=30))
