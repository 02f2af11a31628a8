"""ONNX scanner: custom domains and external data paths that leave the folder."""

from __future__ import annotations

from pathlib import Path

from modelatlas.check import security
from modelatlas.check.folder import read_folder
from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc


def test_standard_model_is_clean_and_custom_domain_is_high() -> None:
    assert ScanContext().scan(bytes_blob("m.onnx", cc.onnx_model())) == []
    assert ScanContext().scan(bytes_blob("m.onnx", cc.onnx_model("com.microsoft"))) == []
    found = ScanContext().scan(bytes_blob("m.onnx", cc.onnx_model("my.ops", op="Evil")))
    assert [(f.severity, "my.ops" in f.detail) for f in found] == [("high", True)]


def test_external_data_paths(tmp_path: Path) -> None:
    for loc in ("/etc/passwd", "C:\\\\Windows\\\\win.ini", "../secret", "a/../../b", "~/.ssh/k"):
        found = ScanContext().scan(bytes_blob("m.onnx", cc.onnx_model(location=loc)))
        assert [f.severity for f in found] == ["critical"], loc
    ok = cc.folder(tmp_path, "ok", {"m.onnx": cc.onnx_model(location="m.onnx_data"),
                                    "m.onnx_data": b"\0"})
    assert [f for f in security.scan(read_folder(ok)) if f.severity != "info"] == []


def test_symlinked_external_data_leaving_the_folder(tmp_path: Path) -> None:
    d = cc.folder(tmp_path, "link", {"m.onnx": cc.onnx_model(location="data/w.bin")})
    (d / "data").symlink_to(tmp_path)
    found = security.scan(read_folder(d))
    assert any(f.severity == "critical" and "outside the model folder" in f.detail
               for f in found)


def test_truncated_protobuf_is_high() -> None:
    found = ScanContext().scan(bytes_blob("m.onnx", cc.onnx_model("x.y")[:-3]))
    assert [f.severity for f in found] == ["high"]
