"""Custom code: Python files, auto_map and chat templates."""

from __future__ import annotations

import json
from pathlib import Path

from modelatlas.check import check
from modelatlas.check.scan_code import dangerous_calls
from tests.checkfix import model_folder

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
