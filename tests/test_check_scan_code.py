"""Custom code: Python files, auto_map and chat templates."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

from modelatlas.check import check
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
