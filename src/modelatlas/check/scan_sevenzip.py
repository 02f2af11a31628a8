"""7-Zip archives, opened with py7zr (as picklescan's ``[7z]`` extra does).

Model files are sometimes uploaded 7z-packed; whoever unpacks one and calls
``torch.load`` unpickles what is inside, so the members are scanned like any
file. The declared sizes are checked against the budget before anything is
decompressed (7z decoders write exactly the declared sizes); members are
extracted into a private temporary folder and only regular files are read
(links and devices that an archive can create are listed, never followed).
An archive that is encrypted, corrupt or over budget is a high finding.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAGIC = b"7z\xbc\xaf\x27\x1c"


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    import py7zr
    from py7zr.exceptions import ArchiveError, PasswordRequired

    lim = ctx.budget.limits
    out: list[Finding] = []
    with ctx.seekable(blob) as f:
        try:
            archive = py7zr.SevenZipFile(f, mode="r")
        except (ArchiveError, PasswordRequired, OSError, ValueError, EOFError) as exc:
            return [Finding(blob.label, "high", "7z",
                            f"7z archive cannot be opened ({type(exc).__name__}): "
                            "not verified")]
        with archive:
            if archive.needs_password():
                return [Finding(blob.label, "high", "7z",
                                "encrypted 7z archive: cannot be read, so not verified")]
            infos = [i for i in archive.list() if not i.is_directory]
            total = sum(int(i.uncompressed or 0) for i in infos)
            if total > lim.member_bytes or len(infos) + ctx.budget.members > lim.members:
                return [Finding(blob.label, "high", "7z",
                                f"7z archive declares {len(infos):,} files and {total:,} bytes, "
                                "above the scan budget: not verified")]
            ctx.budget.charge_bytes(total)
            with tempfile.TemporaryDirectory(prefix="modelatlas-7z-") as tmp:
                root = Path(tmp)
                archive.extractall(path=root)
                for info in infos:
                    p = root / info.filename
                    try:
                        inside = p.resolve().is_relative_to(root.resolve())
                    except OSError:
                        inside = False
                    if not inside or p.is_symlink() or not p.is_file():
                        ctx.budget.charge_member()
                        out.append(Finding(f"{blob.label}:{info.filename}", "medium", "7z",
                                           "link, device or path outside the archive: "
                                           "not followed"))
                        continue
                    out.extend(ctx.member(blob, info.filename, p.stat().st_size,
                                          lambda p=p: p.open("rb")))  # type: ignore[misc]
    return out


SCANNER = register(Scanner("7z", "7-Zip archives (py7zr, bounded)",
                           lambda b: b.head.startswith(MAGIC), scan, priority=16))
