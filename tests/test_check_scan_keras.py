"""Keras .keras scanner: Lambda layers critical, custom modules high, Keras layers clean."""

from __future__ import annotations

import json

from modelatlas.check.scanners import ScanContext, bytes_blob
from tests import check_corpus as cc


def scan(data: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.kind) for f in ScanContext().scan(bytes_blob("m.keras", data))
            if f.kind == "keras" and f.severity != "info"]


def test_lambda_custom_and_clean() -> None:
    assert scan(cc.keras_zip([cc.DENSE])) == []
    assert scan(cc.keras_zip([cc.DENSE, cc.LAMBDA])) == [("critical", "keras")]
    custom = {"module": "my_layers", "class_name": "X", "config": {},
              "registered_name": "MyPkg>X"}
    assert sorted(scan(cc.keras_zip([custom]))) == [("high", "keras"), ("high", "keras")]


def test_missing_or_crafted_config_is_high() -> None:
    assert scan(cc.zip_bytes({"metadata.json": b"{}"})) == [("high", "keras")]
    deep = b"[" * 100_000 + b"]" * 100_000
    assert scan(cc.zip_bytes({"config.json": deep})) == [("high", "keras")]
    nested = {"class_name": "Sequential", "config": {"layers": [cc.LAMBDA]}}
    for _ in range(10):
        nested = {"class_name": "Functional", "config": {"layers": [nested]}}
    assert scan(cc.zip_bytes({"config.json": json.dumps(nested).encode()})) == [
        ("critical", "keras")]
