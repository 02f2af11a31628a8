"""The GGUF header scanner (bounded counts, chat template injection)."""

from __future__ import annotations

import struct
from pathlib import Path

from modelatlas.check import check, scan_gguf
from tests.checkfix import details, model_folder

# -- GGUF ------------------------------------------------------------------------------


def gguf_string(s: str) -> bytes:
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_bytes(kvs: list[tuple[str, str]], n_tensors: int = 0, version: int = 3,
               n_kv: int | None = None) -> bytes:
    out = b"GGUF" + struct.pack("<I", version)
    out += struct.pack("<QQ", n_tensors, len(kvs) if n_kv is None else n_kv)
    for k, v in kvs:
        out += gguf_string(k) + struct.pack("<I", 8) + gguf_string(v)
    return out


def gguf_arrays() -> bytes:
    """Two array-valued keys (u32 and strings), to exercise the bounded skipping."""
    u32 = gguf_string("a.u32") + struct.pack("<IIQ", 9, 4, 3) + struct.pack("<3I", 1, 2, 3)
    strs = gguf_string("tokenizer.ggml.tokens") + struct.pack("<IIQ", 9, 8, 2)
    return u32 + strs + gguf_string("<s>") + gguf_string("</s>")


def test_valid_gguf_header(tmp_path: Path) -> None:
    p = tmp_path / "m.gguf"
    kvs = [("general.architecture", "llama"),
           ("tokenizer.chat_template", "{{ messages[0]['content'] }}")]
    p.write_bytes(gguf_bytes(kvs, n_kv=4) + gguf_arrays() + b"\0" * 64)
    found, template = scan_gguf.check_header(p, "m.gguf")
    assert found == [] and template == "{{ messages[0]['content'] }}"


def test_bad_gguf_headers(tmp_path: Path) -> None:
    p = tmp_path / "m.gguf"
    cases = {
        b"GGML" + b"\0" * 30: "magic",
        b"GGUF" + struct.pack("<I", 99) + b"\0" * 30: "unsupported version 99",
        gguf_bytes([], n_tensors=2**40): "implausible counts",
        gguf_bytes([], n_tensors=1000): "cannot fit",
        gguf_bytes([("a", "b")], n_kv=3): "past the end",
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + struct.pack("<Q", 2**50): "implausible",
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + gguf_string("k")
        + struct.pack("<I", 77): "type 77",
    }
    for data, expected in cases.items():
        p.write_bytes(data)
        found, _ = scan_gguf.check_header(p, "m.gguf")
        assert len(found) == 1 and found[0].severity == "high", (expected, details(found))
        assert expected in found[0].detail, (expected, found[0].detail)


def test_gguf_template_injection_is_high(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    evil = "{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    (d / "m.gguf").write_bytes(gguf_bytes([("tokenizer.chat_template", evil)]) + b"\0" * 8)
    report = check(str(d))
    assert any(f.kind == "template" and f.severity == "high" for f in report.security)
    assert report.verdict.verdict == "blocked"



def test_gguf_v1_uses_32_bit_counts(tmp_path: Path) -> None:
    p = tmp_path / "old.gguf"
    key, val = b"general.name", b"tiny"
    body = struct.pack("<I", len(key)) + key + struct.pack("<I", 8) + struct.pack("<I", len(val))
    p.write_bytes(b"GGUF" + struct.pack("<III", 1, 0, 1) + body + val + b"\0" * 32)
    assert scan_gguf.check_header(p, "old.gguf") == ([], None)


