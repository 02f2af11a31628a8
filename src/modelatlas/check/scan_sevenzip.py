"""7-Zip archives: recognised, never trusted.

picklescan opens ``.7z`` through py7zr; modelatlas does not ship a 7-Zip
decoder (its native dependencies are not worth one format no model loader reads
directly), so a 7z archive cannot be verified and is a high finding: whatever
is inside would be unpickled by whoever unpacks it and calls ``torch.load``.
"""

from __future__ import annotations

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAGIC = b"7z\xbc\xaf\x27\x1c"


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    return [Finding(blob.label, "high", "7z",
                    "7-Zip archive: not opened by modelatlas, so its contents (often "
                    "pickles) are not verified; unpack it and check the folder")]


SCANNER = register(Scanner("7z", "7-Zip archives (flagged, not opened)",
                           lambda b: b.head.startswith(MAGIC), scan, priority=16))
