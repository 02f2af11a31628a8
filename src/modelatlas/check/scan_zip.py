"""Zip archives under any name: torch checkpoints, ``.npz``, ``.keras``, plain ``.zip``.

A zip is recognised by content (a local file header at the start, or an end of
central directory record at the end, which is how ``torch.load`` and
``zipfile`` decide), so a pickle followed by a zip (a polyglot) is opened as a
zip as well as read as a pickle. Members are opened with picklescan's
``RelaxedZipFile``, which, like PyTorch's own reader, tolerates local headers
that disagree with the central directory; each member goes back to the
scanner registry (so nested archives are opened too, within the depth budget).
Encrypted members cannot be read, so they cannot be verified: high.
"""

from __future__ import annotations

import zipfile

from picklescan.relaxed_zipfile import RelaxedZipFile

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

LOCAL = b"PK\x03\x04"
EMPTY = b"PK\x05\x06"


def _has_end_record(blob: Blob, ctx: ScanContext) -> bool:
    if blob.head.startswith((LOCAL, EMPTY)):
        return True
    with ctx.seekable(blob) as f:
        return zipfile.is_zipfile(f)


POLYGLOT_MEMBER_MAX = 64_000_000


def claims(blob: Blob) -> bool:
    """A zip header at the start; else the end record is looked for in files on disk,
    and in small members that start as a pickle (a polyglot inside an archive)."""
    if blob.head.startswith((LOCAL, EMPTY)) or blob.path is not None:
        return True
    return (blob.size is not None and blob.size <= POLYGLOT_MEMBER_MAX
            and blob.head[:1] == b"\x80")


def _plain(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """True when a member flagged as encrypted reads as plain data (a fake flag)."""
    try:
        with zf.open(info, "r") as m:
            m.read(64)
        return True
    except (zipfile.BadZipFile, RuntimeError, OSError, EOFError, ValueError,
            NotImplementedError):
        return False
    except Exception:  # zlib.error and friends
        return False


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    if not _has_end_record(blob, ctx):
        return []
    out: list[Finding] = []
    with ctx.seekable(blob) as f:
        try:
            zf = RelaxedZipFile(f, "r")
        except zipfile.BadZipFile as exc:
            return [Finding(blob.label, "high", "zip",
                            f"zip archive cannot be opened ({exc}): not verified")]
        with zf:
            infos = zf.infolist()
            if not infos:
                return [Finding(blob.label, "info", "zip", "empty zip archive")]
            for info in infos:
                if info.is_dir():
                    continue
                if info.flag_bits & 0x1:  # readers that ignore the flag still load it
                    info.flag_bits &= ~0x1
                    if not _plain(zf, info):
                        out.append(Finding(f"{blob.label}:{info.filename}", "high", "zip",
                                           "encrypted member: cannot be read, so not verified"))
                        continue
                    out.append(Finding(f"{blob.label}:{info.filename}", "medium", "zip",
                                       "member flagged as encrypted: scanned as plain bytes, "
                                       "as lenient readers load it; if really encrypted its "
                                       "content is not verified"))
                try:
                    out.extend(ctx.member(blob, info.filename, info.file_size,
                                          lambda i=info: zf.open(i, "r")))  # type: ignore[misc]
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError,
                        EOFError) as exc:
                    out.append(Finding(f"{blob.label}:{info.filename}", "high", "zip",
                                       f"member cannot be read ({exc}): not verified"))
    return out


SCANNER = register(Scanner("zip", "zip archives (torch zip checkpoints, npz, keras, zip)",
                           claims, scan, priority=10))
