"""Safetensors header sanity, read as bytes (the tensors themselves are never loaded).

Layout (https://github.com/huggingface/safetensors#format): 8-byte little-endian
header length N, N bytes of UTF-8 JSON, then the data buffer. Each tensor entry
gives ``dtype``, ``shape`` and ``data_offsets`` [begin, end) relative to the
buffer. We check what the reference parser checks: N bounded (100 MB) and within
the file, JSON object, known dtypes, offsets inside the buffer, sizes matching
shape x dtype, no overlaps, and (as a warning) no unindexed holes.
"""

from __future__ import annotations

import math
import struct
from pathlib import Path
from typing import IO, Any

from modelatlas.check import jsonsafe
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAX_HEADER = 100_000_000
MAX_DEPTH = 4  # {"name": {"shape": [..]}} and __metadata__: nothing deeper is valid
DTYPE_BITS = {
    "BOOL": 8, "U8": 8, "I8": 8, "F8_E5M2": 8, "F8_E4M3": 8, "F8_E8M0": 8,
    "I16": 16, "U16": 16, "F16": 16, "BF16": 16, "I32": 32, "U32": 32, "F32": 32,
    "F64": 64, "I64": 64, "U64": 64, "C64": 64, "F4": 4, "F6_E2M3": 6, "F6_E3M2": 6,
}


def _bad(label: str, detail: str) -> list[Finding]:
    return [Finding(label, "high", "safetensors", f"invalid safetensors header: {detail}")]


def _entry_problem(name: str, entry: Any, buffer: int) -> str | None:
    if not isinstance(entry, dict):
        return f"entry {name!r} is not an object"
    dtype, shape, offs = entry.get("dtype"), entry.get("shape"), entry.get("data_offsets")
    if dtype not in DTYPE_BITS:
        return f"tensor {name!r} has unknown dtype {dtype!r}"
    if not (isinstance(shape, list)
            and all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)):
        return f"tensor {name!r} has an invalid shape {shape!r}"
    if not (isinstance(offs, list) and len(offs) == 2
            and all(isinstance(o, int) and not isinstance(o, bool) for o in offs)):
        return f"tensor {name!r} has invalid data_offsets {offs!r}"
    begin, end = offs
    if begin < 0 or end < begin:
        return f"tensor {name!r} has data_offsets out of order {offs!r}"
    if end > buffer:
        return f"tensor {name!r} ends at {end:,}, beyond the {buffer:,}-byte data buffer"
    bits = math.prod(shape) * DTYPE_BITS[dtype]
    if bits % 8 == 0 and (end - begin) != bits // 8:
        return (f"tensor {name!r} spans {end - begin:,} bytes but shape {shape} x {dtype} "
                f"needs {bits // 8:,}")
    return None


def check_header(path: Path, label: str) -> list[Finding]:
    """Findings for one ``.safetensors`` file (empty when the header is sound)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            return check_stream(f, size, label)
    except OSError as exc:
        return [Finding(label, "medium", "safetensors", f"cannot be read: {exc}")]


def check_stream(f: IO[bytes], size: int, label: str) -> list[Finding]:
    """Findings for a safetensors stream of ``size`` bytes (read: the header only)."""
    prefix = f.read(8)
    if len(prefix) < 8:
        return _bad(label, f"file is {size} bytes, shorter than the 8-byte length prefix")
    (n,) = struct.unpack("<Q", prefix)
    if n > MAX_HEADER:
        return _bad(label, f"header length {n:,} exceeds the {MAX_HEADER:,}-byte limit")
    if n > size - 8:
        return _bad(label, f"header length {n:,} runs past the end of the file "
                           f"({size:,} bytes)")
    raw = f.read(n)
    try:
        header = jsonsafe.loads(raw, max_bytes=MAX_HEADER, max_depth=MAX_DEPTH,
                                max_containers=2_000_000)
    except jsonsafe.JSONRejected as exc:
        if "invalid JSON" in str(exc):
            return _bad(label, f"header is not valid UTF-8 JSON ({exc})")
        return _bad(label, f"header not parsed: {exc}")
    if not isinstance(header, dict):
        return _bad(label, "header is not a JSON object")
    buffer = size - 8 - n
    meta = header.get("__metadata__")
    if meta is not None and not (
        isinstance(meta, dict) and all(isinstance(v, str) for v in meta.values())
    ):
        return _bad(label, "__metadata__ must map strings to strings")
    spans: list[tuple[int, int, str]] = []
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        problem = _entry_problem(name, entry, buffer)
        if problem:
            return _bad(label, problem)
        b, e = entry["data_offsets"]
        spans.append((b, e, name))
    spans.sort()
    pos = 0
    holes = 0
    for b, e, name in spans:
        if b < pos:
            return _bad(label, f"tensor {name!r} overlaps the previous tensor")
        holes += b - pos
        pos = e
    holes += buffer - pos
    if holes:
        return [Finding(label, "medium", "safetensors",
                        f"{holes:,} bytes of the data buffer are not covered by any tensor "
                        "(the reference parser rejects this)")]
    return []


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    with ctx.seekable(blob) as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(0)
        return check_stream(f, size, blob.label)


SCANNER = register(Scanner("safetensors", "safetensors headers (offsets, dtypes, sizes)",
                           lambda b: b.suffix == ".safetensors", scan, priority=30))
