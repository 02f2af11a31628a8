"""The safetensors header scanner (offsets, dtypes, sizes, crafted JSON)."""

from __future__ import annotations

import struct
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from modelatlas.check import check, scan_gguf, scan_pickle, scan_safetensors
from tests.checkfix import details, model_folder, safetensors_bytes

# -- safetensors -----------------------------------------------------------------------


def test_valid_safetensors_has_no_findings(tmp_path: Path) -> None:
    p = tmp_path / "m.safetensors"
    header = {"__metadata__": {"format": "pt"},
              "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]},
              "b": {"dtype": "BF16", "shape": [4], "data_offsets": [16, 24]}}
    p.write_bytes(safetensors_bytes(header, b"\0" * 24))
    assert scan_safetensors.check_header(p, "m.safetensors") == []


def _st_problem(tmp_path: Path, data: bytes) -> str:
    p = tmp_path / "bad.safetensors"
    p.write_bytes(data)
    found = scan_safetensors.check_header(p, "bad.safetensors")
    assert len(found) == 1 and found[0].severity in ("high", "medium"), details(found)
    return f"{found[0].severity}: {found[0].detail}"


def test_corrupted_safetensors_headers(tmp_path: Path) -> None:
    t = {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}
    assert "shorter than" in _st_problem(tmp_path, b"\x01\x02")
    assert "past the end" in _st_problem(tmp_path, struct.pack("<Q", 10_000) + b"{}")
    assert "exceeds" in _st_problem(tmp_path, struct.pack("<Q", 2**62) + b"{}")
    assert "not valid UTF-8 JSON" in _st_problem(tmp_path, safetensors_bytes(b"{not json", b""))
    assert "not a JSON object" in _st_problem(tmp_path, safetensors_bytes(b"[1,2]", b""))
    beyond = {"a": {**t, "data_offsets": [0, 800]}}
    assert "beyond" in _st_problem(tmp_path, safetensors_bytes(beyond, b"\0" * 8))
    overlap = {"a": t, "b": {**t, "data_offsets": [4, 12]}}
    assert "overlaps" in _st_problem(tmp_path, safetensors_bytes(overlap, b"\0" * 12))
    wrong = {"a": {**t, "shape": [3]}}
    assert "needs 12" in _st_problem(tmp_path, safetensors_bytes(wrong, b"\0" * 8))
    dtype = {"a": {**t, "dtype": "PYOBJ"}}
    assert "unknown dtype" in _st_problem(tmp_path, safetensors_bytes(dtype, b"\0" * 8))
    hole = _st_problem(tmp_path, safetensors_bytes({"a": t}, b"\0" * 20))
    assert hole.startswith("medium") and "12 bytes" in hole


def test_corrupted_safetensors_blocks_the_folder(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "model.safetensors").write_bytes(struct.pack("<Q", 10_000) + b"{}")
    assert check(str(d)).verdict.verdict == "blocked"


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=200))
def test_header_checkers_never_crash_on_random_bytes(data: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for name, fn in (("x.safetensors", scan_safetensors.check_header),
                         ("x.gguf", lambda p, n: scan_gguf.check_header(p, n)[0]),
                         ("x.bin", scan_pickle.scan_pickle_file)):
            p = Path(tmp) / name
            p.write_bytes(data)
            for f in fn(p, name):
                assert f.severity in ("critical", "high", "medium", "low", "info")
        for gg in (b"GGUF" + data, b"GGUF\x03\x00\x00\x00" + data):
            p = Path(tmp) / "y.gguf"
            p.write_bytes(gg)
            scan_gguf.check_header(p, "y.gguf")


