"""JSON config scanner: auto_map, trust_remote_code, templates; crafted JSON never crashes."""

from __future__ import annotations

import json

from modelatlas.check.scanners import ScanContext, bytes_blob


def scan(name: str, data: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.kind) for f in ScanContext().scan(bytes_blob(name, data))]


def test_auto_map_and_remote_code() -> None:
    doc = {"auto_map": {"AutoModel": "modeling_x.X"}, "trust_remote_code": True}
    assert sorted(scan("config.json", json.dumps(doc).encode())) == [
        ("medium", "code"), ("medium", "code")]
    assert scan("config.json", b'{"model_type": "llama"}') == []


def test_template_injection_in_chat_template_json() -> None:
    doc = {"chat_template": "{{ cycler.__init__.__globals__.os.popen('id').read() }}"}
    assert scan("chat_template.json", json.dumps(doc).encode()) == [("high", "template")]


def test_crafted_json_is_high_and_bounded() -> None:
    for raw in (b"[" * 1_000_000, b'{"a":' * 100_000, b"[" + b"[]," * 2_000_000 + b"[]]",
                b"\xff\xfe not json"):
        assert scan("config.json", raw) == [("high", "config")]
