"""7z archives are opened (py7zr) within budget; what is inside is scanned."""

from __future__ import annotations

from pathlib import Path

from modelatlas.check.budgets import Budget, Limits
from modelatlas.check.scanners import ScanContext, bytes_blob, file_blob
from tests import check_corpus as cc

sevenzip = cc.sevenzip


def test_payload_inside_7z_is_named() -> None:
    data = sevenzip({"model/pytorch_model.bin": cc.call("os", "system", ("id",)),
                     "README.md": b"hi"})
    found = ScanContext().scan(bytes_blob("m.7z", data))
    assert [(f.severity, f.file) for f in found if f.severity == "critical"] == [
        ("critical", "m.7z:model/pytorch_model.bin")]


def test_over_budget_and_corrupt_7z_are_high() -> None:
    data = sevenzip({"big.bin": b"\0" * 100_000})
    ctx = ScanContext(Budget(Limits(member_bytes=10_000)))
    assert [f.severity for f in ctx.scan(bytes_blob("b.7z", data))] == ["high"]
    broken = b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\0" * 40
    assert [f.severity for f in ScanContext().scan(bytes_blob("x.7z", broken))] == ["high"]


def test_picklescan_7z_sample_is_blocked(shared_data: Path) -> None:
    root = shared_data / "picklescan-tests"
    found = ScanContext().scan(file_blob(root, "data/malicious1.7z"))
    assert any(f.severity == "critical" for f in found)
