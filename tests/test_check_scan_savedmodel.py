"""TensorFlow SavedModel scanner: PyFunc is critical, file ops high, saver ops normal."""

from __future__ import annotations

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc


def scan(ops: list[str]) -> list[tuple[str, str]]:
    blob = bytes_blob("saved_model.pb", cc.saved_model(ops))
    return [(f.severity, f.detail.split(" (")[0]) for f in ScanContext().scan(blob)]


def test_ops() -> None:
    assert scan(["Placeholder", "MatMul", "SaveV2", "RestoreV2"]) == []
    assert scan(["EagerPyFunc"]) == [("critical", "graph uses EagerPyFunc")]
    assert scan(["WriteFile", "ReadFile"]) == [("high", "graph uses ReadFile"),
                                               ("high", "graph uses WriteFile")]


def test_ops_inside_library_functions() -> None:
    node = cc.pb_len(3, cc.pb_len(1, b"n") + cc.pb_len(2, b"PyFunc"))
    lib = cc.pb_len(2, cc.pb_len(1, node))  # GraphDef.library -> function -> node_def
    data = cc.pb_len(2, cc.pb_len(2, lib))
    found = ScanContext().scan(bytes_blob("saved_model.pb", data))
    assert [f.severity for f in found] == ["critical"]


def test_garbage_is_high() -> None:
    found = ScanContext().scan(bytes_blob("saved_model.pb", b"\x12\xff\xff\xff\xff\x0f"))
    assert [f.severity for f in found] == ["high"]
