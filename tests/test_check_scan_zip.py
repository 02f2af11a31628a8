"""Zip scanner: any name, nested, polyglot, fake-encrypted and corrupt archives."""

from __future__ import annotations

import zipfile

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc

EVIL = cc.call("os", "system", ("touch never",))


def scan(name: str, data: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.file) for f in ScanContext().scan(bytes_blob(name, data))]


def test_zip_under_any_name_names_the_member() -> None:
    for name in ("weights.dat", "model.bin", "x"):
        assert ("critical", f"{name}:a/b.pkl") in scan(name, cc.zip_bytes({"a/b.pkl": EVIL}))


def test_nested_zip_within_the_depth_budget_and_beyond() -> None:
    inner = cc.zip_bytes({"m.pkl": EVIL})
    assert ("critical", "o.zip:i.zip:m.pkl") in scan("o.zip", cc.zip_bytes({"i.zip": inner}))
    deep = EVIL
    for _ in range(6):
        deep = cc.zip_bytes({"z": deep})
    found = ScanContext().scan(bytes_blob("deep.zip", deep))
    assert any(f.severity == "high" and "nested more than" in f.detail for f in found)


def test_fake_encryption_flag_is_read_anyway() -> None:
    data = bytearray(cc.zip_bytes({"m.pkl": EVIL}, zipfile.ZIP_STORED))
    for sig in (b"PK\x03\x04", b"PK\x01\x02"):  # set bit 0 of the flags in both headers
        i = data.find(sig)
        off = i + (6 if sig == b"PK\x03\x04" else 8)
        data[off] |= 1
    sev = {s for s, _ in scan("m.zip", bytes(data))}
    assert "critical" in sev and "medium" in sev


def test_corrupt_zip_is_high_not_a_crash() -> None:
    data = cc.zip_bytes({"m.pkl": EVIL})
    broken = data[:30] + b"\0" * 20 + data[50:]
    found = ScanContext().scan(bytes_blob("m.zip", broken))
    assert found and all(f.severity in ("critical", "high", "medium", "low", "info")
                         for f in found)
    assert any(f.severity in ("critical", "high") for f in found)


def test_polyglot_pickle_then_zip_is_read_both_ways() -> None:
    data = EVIL + cc.torch_zip(cc.torch_state_dict())
    found = scan("model.bin", data)
    assert ("critical", "model.bin") in found
    assert ("low", "model.bin:archive/data.pkl") in found
