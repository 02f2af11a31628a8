"""Static security scanning: malicious pickles are named, never run; headers are checked."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from modelatlas.check import check, scan_gguf, scan_pickle, scan_safetensors
from modelatlas.check.scan_code import dangerous_calls

CARD = "---\nlicense: apache-2.0\n---\n# test model\n"


class Payload:
    """Pickles to a call of os.system (touching a sentinel). WRITTEN, NEVER LOADED."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.sentinel}",))


class EvalPayload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (eval, ("1+1",))


class ImportPayload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (__import__, ("os",))


def model_folder(tmp_path: Path, card: str = CARD) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    (d / "README.md").write_text(card, encoding="utf-8")
    (d / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    return d


def safetensors_bytes(header: dict[str, object] | bytes, buffer: bytes) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + buffer


def details(findings: list) -> str:  # type: ignore[type-arg]
    return " | ".join(f"{f.severity} {f.file} {f.detail}" for f in findings)


# -- pickles ---------------------------------------------------------------------------


def test_shell_pickle_is_blocked_named_and_never_run(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    d = model_folder(tmp_path)
    (d / "pytorch_model.bin").write_bytes(pickle.dumps({"w": Payload(sentinel)}, protocol=2))
    report = check(str(d), use="research")
    crit = [f for f in report.security if f.severity == "critical"]
    assert [f.file for f in crit] == ["pytorch_model.bin"]
    assert "posix.system" in crit[0].detail or "os.system" in crit[0].detail
    assert report.verdict.verdict == "blocked"
    assert any("system" in r for r in report.verdict.reasons)
    assert not sentinel.exists()


def test_zip_format_torch_file_names_the_member(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    d = model_folder(tmp_path)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pickle.dumps(Payload(sentinel), protocol=2))
        zf.writestr("archive/version", "3\n")
        zf.writestr("archive/data/0", b"\0" * 16)
    (d / "model.pt").write_bytes(buf.getvalue())
    report = check(str(d))
    crit = [f for f in report.security if f.severity == "critical"]
    assert [f.file for f in crit] == ["model.pt:archive/data.pkl"]
    assert "system" in crit[0].detail
    assert report.verdict.verdict == "blocked"
    assert not sentinel.exists()


def test_protocol0_global_opcode_subprocess(tmp_path: Path) -> None:
    p = tmp_path / "x.pkl"
    p.write_bytes(b"csubprocess\nPopen\n(S'id'\ntR.")
    found = scan_pickle.scan_pickle_file(p, "x.pkl")
    assert [(f.severity, "subprocess.Popen" in f.detail) for f in found] == [("critical", True)]


def test_builtins_eval_and_import_are_critical(tmp_path: Path) -> None:
    for name, obj in (("eval.pkl", EvalPayload()), ("imp.ckpt", ImportPayload())):
        p = tmp_path / name
        p.write_bytes(pickle.dumps(obj, protocol=4))
        found = scan_pickle.scan_pickle_file(p, name)
        assert found and found[0].severity == "critical", details(found)
    found = scan_pickle.scan_pickle_file(tmp_path / "eval.pkl", "eval.pkl")
    assert "builtins.eval" in found[0].detail
    found = scan_pickle.scan_pickle_file(tmp_path / "imp.ckpt", "imp.ckpt")
    assert "builtins.__import__" in found[0].detail


def test_resolver_bypass_is_critical(tmp_path: Path) -> None:
    """importlib.import_module + inspect.getattr_static: a published picklescan bypass
    (both are only 'suspicious' there); 'system' is a plain string argument."""
    p = tmp_path / "bypass.pkl"
    p.write_bytes(
        b"\x80\x02cinspect\ngetattr_static\ncimportlib\nimport_module\n"
        b"X\x02\x00\x00\x00os\x85RX\x06\x00\x00\x00system\x86RX\x02\x00\x00\x00id\x85R."
    )
    found = scan_pickle.scan_pickle_file(p, "bypass.pkl")
    named = {f.detail.split("callable ")[1].split(":")[0] for f in found
             if f.severity == "critical"}
    assert named == {"inspect.getattr_static", "importlib.import_module"}, details(found)


def test_plain_checkpoint_globals_are_only_low(tmp_path: Path) -> None:
    p = tmp_path / "ok.pth"
    p.write_bytes(
        b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02."
    )
    found = scan_pickle.scan_pickle_file(p, "ok.pth")
    assert [f.severity for f in found] == ["low"], details(found)


def test_unknown_global_is_medium_and_gives_conditions(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "extra.pkl").write_bytes(b"\x80\x02cmylib.helpers\nThing\nq\x00.")
    report = check(str(d))
    med = [f for f in report.security if f.severity == "medium"]
    assert med and "mylib.helpers.Thing" in med[0].detail
    assert report.verdict.verdict == "conditions"


def test_truncated_pickle_with_global_is_still_flagged(tmp_path: Path) -> None:
    p = tmp_path / "t.pkl"
    p.write_bytes(b"\x80\x02cos\nsystem\nq\x00(X\x02\x00\x00\x00i")
    found = scan_pickle.scan_pickle_file(p, "t.pkl")
    sev = {f.severity for f in found}
    assert "critical" in sev and "medium" in sev, details(found)


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


# -- custom code -----------------------------------------------------------------------


def test_custom_code_auto_map_and_py_files(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "config.json").write_text(json.dumps(
        {"auto_map": {"AutoModelForCausalLM": "modeling_x.XForCausalLM"}}), encoding="utf-8")
    (d / "modeling_x.py").write_text("import torch\nclass XForCausalLM:\n    pass\n",
                                     encoding="utf-8")
    report = check(str(d))
    kinds = {(f.file, f.severity) for f in report.security}
    assert ("config.json", "medium") in kinds and ("modeling_x.py", "medium") in kinds
    assert any("modeling_x.XForCausalLM" in f.detail for f in report.security)
    assert report.verdict.verdict == "conditions"


def test_custom_code_calling_the_shell_is_high(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "modeling_y.py").write_text(
        "import os, subprocess\n\ndef f():\n    os.system('id')\n    subprocess.run(['id'])\n",
        encoding="utf-8")
    report = check(str(d))
    highs = [f.detail for f in report.security if f.severity == "high"]
    assert any("os.system" in h and "line 4" in h for h in highs)
    assert any("subprocess.run" in h for h in highs)
    assert report.verdict.verdict == "blocked"


def test_dangerous_calls_ignores_imports_and_harmless_calls() -> None:
    src = "import os\nx = os.path.join('a', 'b')\nprint(len(x))\n"
    assert dangerous_calls(src) == []
    assert dangerous_calls("eval('1')\n") == [(1, "eval")]


def test_lfs_pointers_and_empty_files_are_info_only(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 9\n", encoding="utf-8")
    (d / "pytorch_model.bin").write_bytes(b"")
    report = check(str(d))
    assert {(f.file, f.severity) for f in report.security} == {
        ("model.safetensors", "info"), ("pytorch_model.bin", "info")}
    assert "LFS" in next(f.detail for f in report.security if f.file == "model.safetensors")
    assert report.verdict.verdict == "conditions"  # apache-2.0 attribution only


def test_fifo_named_like_weights_is_not_opened(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    os.mkfifo(d / "pytorch_model.bin")  # opening it for reading would block forever
    report = check(str(d))
    assert [(f.file, f.severity) for f in report.security] == [("pytorch_model.bin", "medium")]


def test_gguf_v1_uses_32_bit_counts(tmp_path: Path) -> None:
    p = tmp_path / "old.gguf"
    key, val = b"general.name", b"tiny"
    body = struct.pack("<I", len(key)) + key + struct.pack("<I", 8) + struct.pack("<I", len(val))
    p.write_bytes(b"GGUF" + struct.pack("<III", 1, 0, 1) + body + val + b"\0" * 32)
    assert scan_gguf.check_header(p, "old.gguf") == ([], None)


def test_tokenizer_config_template_and_auto_map(tmp_path: Path) -> None:
    d = model_folder(tmp_path)
    (d / "tokenizer_config.json").write_text(json.dumps({
        "auto_map": {"AutoTokenizer": ["tok.T", None]},
        "chat_template": [{"name": "default", "template": "{{ ''.__class__.__mro__ }}"}],
    }), encoding="utf-8")
    report = check(str(d))
    assert {(f.kind, f.severity) for f in report.security} == {("code", "medium"),
                                                               ("template", "high")}
    assert any("(tok.T)" in f.detail for f in report.security)
