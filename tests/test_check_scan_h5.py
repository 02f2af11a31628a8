"""HDF5 Keras scanner: the model_config JSON is found by content and checked."""

from __future__ import annotations

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc


def sev(data: bytes, name: str = "m.h5") -> list[str]:
    return [f.severity for f in ScanContext().scan(bytes_blob(name, data))]


def test_lambda_in_h5_and_keras_metadata() -> None:
    assert sev(cc.h5_with_config([cc.DENSE, cc.LAMBDA])) == ["critical"]
    assert sev(cc.h5_with_config([cc.DENSE])) == []
    meta = cc.pb_len(1, b'{"class_name": "Lambda", "config": {"name": "x"}}')
    assert sev(meta, "keras_metadata.pb") == ["critical"]


def test_weights_only_file_is_info() -> None:
    assert sev(b"\x89HDF\r\n\x1a\n" + b"\0" * 1000) == ["info"]


def test_config_across_chunks_is_found() -> None:
    from modelatlas.check import scan_h5

    pad = b"\0" * (scan_h5.CHUNK - 10)
    data = b"\x89HDF\r\n\x1a\n" + pad + cc.h5_with_config([cc.LAMBDA])[8:]
    assert sev(data) == ["critical"]
