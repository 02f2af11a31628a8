"""A bounded reader of the protobuf wire format, for ONNX and TensorFlow files.

ONNX models and TensorFlow SavedModels are protobuf messages. Their schemas
are not needed to find what matters (operator names and domains, external
data paths): the wire format says where each field starts and how long it is,
so the reader walks only the fields asked for and skips the rest (weights)
by seeking, never holding a large message in memory. Every length is checked
against the bytes that remain and the nesting is bounded.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5
MAX_NESTING = 64


class WireError(ValueError):
    """The bytes are not a well-formed protobuf message."""


def _varint(f: IO[bytes]) -> int:
    shift = result = 0
    while True:
        b = f.read(1)
        if not b:
            raise EOFError
        result |= (b[0] & 0x7F) << shift
        if not b[0] & 0x80:
            return result
        shift += 7
        if shift > 63:
            raise WireError("varint longer than 10 bytes")


def fields(f: IO[bytes], start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """``(field number, wire type, value or offset, length)`` for each field in [start, end).

    For LEN fields the third item is the offset of the payload; for the others it
    is the value (fixed-width values are returned as 0: nothing here needs them).
    """
    pos = start
    while pos < end:
        f.seek(pos)
        try:
            key = _varint(f)
        except EOFError:
            raise WireError("truncated field key") from None
        number, wire = key >> 3, key & 7
        if number == 0:
            raise WireError("field number 0")
        if wire == VARINT:
            try:
                value = _varint(f)
            except EOFError:
                raise WireError("truncated varint") from None
            pos = f.tell()
            yield number, wire, value, 0
        elif wire == LEN:
            try:
                n = _varint(f)
            except EOFError:
                raise WireError("truncated length") from None
            off = f.tell()
            if off + n > end:
                raise WireError(f"field {number} of {n:,} bytes runs past its message")
            pos = off + n
            yield number, wire, off, n
        elif wire in (I64, I32):
            pos = f.tell() + (8 if wire == I64 else 4)
            if pos > end:
                raise WireError("truncated fixed-width field")
            yield number, wire, 0, 0
        else:
            raise WireError(f"unsupported wire type {wire}")


def text(f: IO[bytes], off: int, n: int, cap: int = 4096) -> str:
    """A string field (cut at ``cap`` bytes)."""
    f.seek(off)
    return f.read(min(n, cap)).decode("utf-8", errors="replace")


def end_of(f: IO[bytes]) -> int:
    f.seek(0, 2)
    return f.tell()
