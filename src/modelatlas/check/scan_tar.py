"""Tar archives: ``.tar``, ``.pth.tar`` and PyTorch's legacy tar checkpoints.

Old ``torch.save`` (before 0.4, still read by ``torch.load``) wrote a tar with
``sys_info``, ``pickle``, ``storages`` and ``tensors`` members, each a pickle;
``.pth.tar`` is the name many research checkpoints still use. Regular members
go back to the scanner registry; links and devices are listed, never followed.
Compressed tars (``.tar.gz``) arrive here after :mod:`.scan_compressed`.
"""

from __future__ import annotations

import tarfile

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register


def claims(blob: Blob) -> bool:
    return blob.head[257:262] == b"ustar" or (
        blob.suffix == ".tar" and len(blob.head) >= 512)


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    out: list[Finding] = []
    with ctx.seekable(blob) as f:
        try:
            tf = tarfile.open(fileobj=f, mode="r:")  # noqa: SIM115 - closed by the with below
        except tarfile.TarError as exc:
            return [Finding(blob.label, "high", "tar",
                            f"tar archive cannot be opened ({exc}): not verified")]
        with tf:
            n = 0
            while True:
                ctx.budget.check_time()
                try:
                    member = tf.next()
                except tarfile.TarError as exc:
                    out.append(Finding(blob.label, "high", "tar",
                                       f"tar archive is corrupt after {n} members ({exc}): "
                                       "not verified"))
                    break
                if member is None:
                    break
                n += 1
                if member.isreg():
                    out.extend(ctx.member(blob, member.name, member.size,
                                          lambda m=member: tf.extractfile(m)))  # type: ignore[misc,arg-type,return-value]
                elif not member.isdir():
                    ctx.budget.charge_member()
                    out.append(Finding(f"{blob.label}:{member.name}", "medium", "tar",
                                       "link or special file in the archive: not followed"))
    return out


SCANNER = register(Scanner("tar", "tar archives (legacy torch checkpoints, .pth.tar)",
                           claims, scan, priority=12))
