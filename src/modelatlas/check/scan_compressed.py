"""Compressed streams: gzip, bzip2, xz, lzma and zlib (``.pkl.gz``, joblib's compressors).

``joblib.dump(..., compress=...)`` writes zlib, gzip, bz2, lzma or xz around a
pickle, and ``.pkl.gz`` is common on the Hub; a decompressed stream goes back
to the scanner registry as a member, so the pickle (or tar, or zip) inside is
scanned like any other. Decompression is streamed and bounded by the
per-stream and total byte budgets, so a decompression bomb is a high finding,
not an outage.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import zlib
from collections.abc import Callable
from typing import IO

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

_SUFFIX = {"gzip": (".gz", ".gzip"), "bzip2": (".bz2",), "xz": (".xz",),
           "lzma": (".lzma",), "zlib": (".z", ".zlib")}


class _ZlibReader:
    """A file-like zlib decompressor (the stdlib has none for bare zlib streams)."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw, self.d, self.buf = raw, zlib.decompressobj(), b""

    def read(self, n: int = -1) -> bytes:
        want = n if n >= 0 else 1 << 62
        while len(self.buf) < want and not self.d.eof:
            chunk = self.raw.read(1 << 16)
            if not chunk:
                break
            self.buf += self.d.decompress(chunk, max(want - len(self.buf), 1 << 16))
            while self.d.unconsumed_tail and len(self.buf) < want:
                self.buf += self.d.decompress(self.d.unconsumed_tail, 1 << 16)
        out, self.buf = self.buf[:want], self.buf[want:]
        return out

    def close(self) -> None:
        self.raw.close()

    def __enter__(self) -> _ZlibReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _zlib_head(head: bytes) -> bool:
    if len(head) < 2 or head[0] & 0x0F != 8 or (head[0] * 256 + head[1]) % 31:
        return False
    try:
        return bool(zlib.decompressobj().decompress(head[:512], 64))
    except zlib.error:
        return False


def kind(blob: Blob) -> str | None:
    h = blob.head
    if h.startswith(b"\x1f\x8b"):
        return "gzip"
    if h.startswith(b"BZh") and h[3:4].isdigit():
        return "bzip2"
    if h.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if h[:3] == b"\x5d\x00\x00" and blob.suffix in (".lzma", ".joblib", ".pkl", ".z"):
        return "lzma"
    if _zlib_head(h):
        return "zlib"
    return None


def _opener(what: str, blob: Blob, ctx: ScanContext) -> Callable[[], IO[bytes]]:
    def open_() -> IO[bytes]:
        raw = ctx.stream(blob)
        if what == "gzip":
            return gzip.GzipFile(fileobj=raw)  # type: ignore[return-value]
        if what == "bzip2":
            return bz2.BZ2File(raw)  # type: ignore[return-value]
        if what == "xz":
            return lzma.LZMAFile(raw, format=lzma.FORMAT_XZ)  # type: ignore[return-value]
        if what == "lzma":
            return lzma.LZMAFile(raw, format=lzma.FORMAT_ALONE)  # type: ignore[return-value]
        return _ZlibReader(raw)  # type: ignore[return-value]
    return open_


def inner_name(name: str, what: str) -> str:
    low = name.lower()
    for s in _SUFFIX[what]:
        if low.endswith(s):
            return name[: -len(s)]
    return f"{name}({what})"


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    what = kind(blob)
    if what is None:
        return []
    return ctx.member(blob, inner_name(blob.name.rsplit("/", 1)[-1], what), None,
                      _opener(what, blob, ctx))


SCANNER = register(Scanner("compressed", "gzip, bzip2, xz, lzma and zlib streams",
                           lambda b: kind(b) is not None, scan, priority=14))
