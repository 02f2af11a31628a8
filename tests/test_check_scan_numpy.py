"""NumPy scanner: object arrays carry pickles; plain arrays are clean; bad headers are high."""

from __future__ import annotations

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc


def test_object_array_pickle_is_scanned() -> None:
    found = ScanContext().scan(bytes_blob("a.npy", cc.npy_object(cc.call("os", "system",
                                                                          ("id",)))))
    assert any(f.severity == "critical" and f.file == "a.npy:(object array pickle)"
               for f in found)


def test_plain_arrays_and_npz_are_clean() -> None:
    assert ScanContext().scan(bytes_blob("a.npy", cc.npy_ints())) == []
    assert ScanContext().scan(bytes_blob("b.npz", cc.zip_bytes({"x.npy": cc.npy_ints()}))) == []


def test_crafted_header_is_high() -> None:
    bad = b"\x93NUMPY\x01\x00\xff\xff" + b"{'descr': " * 10
    found = ScanContext().scan(bytes_blob("a.npy", bad))
    assert [f.severity for f in found] == ["high"]
