"""Tar scanner: .tar, .pth.tar and legacy torch tar checkpoints."""

from __future__ import annotations

import io
import tarfile

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc

EVIL = cc.call("posix", "system", ("touch never",))


def test_legacy_torch_tar_member_is_named() -> None:
    found = ScanContext().scan(bytes_blob("old.pt", cc.legacy_torch_tar(EVIL)))
    assert [(f.severity, f.file) for f in found if f.severity == "critical"] == [
        ("critical", "old.pt:pickle")]


def test_pth_tar_and_links_are_not_followed() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo("link")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/passwd"
        tf.addfile(info)
        data = cc.torch_state_dict()
        info = tarfile.TarInfo("checkpoint.pth")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
    found = {(f.severity, f.file) for f in ScanContext().scan(bytes_blob("c.pth.tar",
                                                                          buf.getvalue()))}
    assert ("medium", "c.pth.tar:link") in found
    assert ("low", "c.pth.tar:checkpoint.pth") in found


def test_truncated_tar_is_high() -> None:
    data = cc.tar_bytes({"a.pkl": EVIL, "b.pkl": EVIL})
    found = ScanContext().scan(bytes_blob("t.tar", data[:700]))
    assert any(f.severity in ("critical", "high") for f in found)
