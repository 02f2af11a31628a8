"""7z archives are recognised and never trusted (not opened)."""

from __future__ import annotations

from pathlib import Path

from modelatlas.check.scanners import ScanContext, bytes_blob, file_blob


def test_7z_is_high_under_any_name() -> None:
    for name in ("m.7z", "weights.bin"):
        found = ScanContext().scan(bytes_blob(name, b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 30))
        assert [(f.severity, f.kind) for f in found] == [("high", "7z")]


def test_picklescan_7z_sample_is_blocked(shared_data: Path) -> None:
    root = shared_data / "picklescan-tests"
    found = ScanContext().scan(file_blob(root, "data/malicious1.7z"))
    assert any(f.severity == "high" for f in found)
