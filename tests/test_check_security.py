"""Folder-level scanning: placeholders, special files, one budget for all files."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from modelatlas.check import check
from tests.checkfix import model_folder


def test_lfs_pointers_and_empty_files_are_info_only(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n", encoding="utf-8")
    (d / "pytorch_model.bin").write_bytes(b"")
    report = check(str(d))
    assert {(f.file, f.severity) for f in report.security} == {
        ("model.safetensors", "info"), ("pytorch_model.bin", "info")}
    assert "LFS" in next(f.detail for f in report.security if f.file == "model.safetensors")
    assert report.verdict.verdict == "ok"  # apache-2.0: keeping the notice is routine


def test_fifo_named_like_weights_is_not_opened(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    os.mkfifo(d / "pytorch_model.bin")  # opening it for reading would block forever
    report = check(str(d))
    assert [(f.file, f.severity) for f in report.security] == [("pytorch_model.bin", "medium")]




@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600),
       st.sampled_from(["x.pkl", "x.bin", "x.zip", "x.tar", "x.gz", "x.npy", "x.onnx",
                        "saved_model.pb", "x.keras", "x.h5", "config.json", "x.7z",
                        "x.safetensors", "x.gguf", "x.joblib", "x"]),
       st.sampled_from([b"", b"PK\x03\x04", b"\x80\x04", b"\x1f\x8b", b"7z\xbc\xaf\x27\x1c",
                        b"\x93NUMPY\x01\x00", b"GGUF\x03\x00\x00\x00", b"\x89HDF\r\n\x1a\n"]))
def test_no_scanner_escapes_on_crafted_bytes(data: bytes, name: str, magic: bytes) -> None:
    """Whatever the bytes and the name, every scanner answers with findings."""
    from modelatlas.check.scanners import ScanContext, bytes_blob

    found = ScanContext().scan(bytes_blob(name, magic + data))
    assert all(f.severity in ("critical", "high", "medium", "low", "info") for f in found)
