"""NumPy ``.npy`` arrays (and, through the zip scanner, the arrays in ``.npz``).

An ``.npy`` file is a magic string, a header (a Python dict literal with
``descr``, ``fortran_order`` and ``shape``) and the data. When the dtype holds
Python objects (``descr`` with an ``O``), the data is a pickle that
``np.load(allow_pickle=True)`` unpickles: it is handed to the pickle scanner.
The header is read with :func:`ast.literal_eval` (literals only, nothing runs),
bounded in size as NumPy itself bounds it.
"""

from __future__ import annotations

import ast
import struct
from typing import IO

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAGIC = b"\x93NUMPY"
MAX_HEADER = 65_536  # numpy's own limit for untrusted headers (format._MAX_HEADER_SIZE)


def header(raw: bytes) -> tuple[dict[str, object], int]:
    """(header dict, offset of the data) of an ``.npy`` head, ValueError when malformed."""
    if not raw.startswith(MAGIC) or len(raw) < 10:
        raise ValueError("not an .npy header")
    major = raw[6]
    if major == 1:
        (n,) = struct.unpack("<H", raw[8:10])
        start = 10
    elif major in (2, 3):
        (n,) = struct.unpack("<I", raw[8:12])
        start = 12
    else:
        raise ValueError(f"unsupported .npy version {major}")
    if n > MAX_HEADER:
        raise ValueError(f"header of {n:,} bytes is above numpy's {MAX_HEADER:,}")
    text = raw[start:start + n]
    if len(text) < n:
        raise ValueError("header runs past the data read")
    d = ast.literal_eval(text.decode("latin-1").strip())
    if not isinstance(d, dict) or "descr" not in d:
        raise ValueError("header is not a dict with 'descr'")
    return d, start + n


def has_objects(descr: object) -> bool:
    if isinstance(descr, str):
        return "O" in descr
    if isinstance(descr, list | tuple):
        return any(has_objects(x) for x in descr)
    return False


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    with ctx.stream(blob) as f:
        raw = f.read(MAX_HEADER + 16)
    try:
        d, offset = header(raw)
    except (ValueError, SyntaxError, MemoryError, RecursionError) as exc:
        return [Finding(blob.label, "high", "numpy",
                        f"invalid .npy header ({str(exc)[:160]}): not verified")]
    if not has_objects(d.get("descr")):
        return []

    def after_header() -> IO[bytes]:
        s = blob.opener()
        s.read(offset)
        return s

    return [Finding(blob.label, "medium", "numpy",
                    "object array: np.load(allow_pickle=True) unpickles its data"),
            *ctx.member(blob, "(object array pickle)", None, after_header)]


SCANNER = register(Scanner("numpy", ".npy arrays (object arrays carry a pickle)",
                           lambda b: b.head.startswith(MAGIC), scan, priority=18))
