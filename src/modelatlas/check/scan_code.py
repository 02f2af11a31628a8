"""Custom code: ``auto_map`` / ``trust_remote_code`` and the repo's own Python files.

Transformers runs a repo's ``.py`` files only when the user passes
``trust_remote_code=True``; ``auto_map`` in ``config.json`` or
``tokenizer_config.json`` is what makes it do so. Python files are parsed with
:func:`ast.parse` (never imported or run) to point at calls a modelling file has
no business making (shell, network, eval/exec). Chat templates (Jinja) that
reach into Python internals are flagged too: an unsandboxed Jinja2 render of a
GGUF ``tokenizer.chat_template`` runs code (llama-cpp-python 2024, vLLM 2025,
SGLang CVE-2026-5760).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

MAX_PY_BYTES = 2_000_000
DANGEROUS_CALLS = {
    "eval", "exec", "compile", "__import__", "os.system", "os.popen", "os.exec",
    "os.spawn", "os.fork", "pty.spawn", "ctypes.CDLL", "marshal.loads", "pickle.loads",
}
DANGEROUS_PREFIXES = ("subprocess.", "socket.", "requests.", "httpx.", "urllib.request.",
                      "os.exec", "os.spawn", "pty.", "shutil.rmtree")
TEMPLATE_RX = re.compile(
    r"__(class|globals|subclasses|builtins|import|init|mro|base|bases|code|getattribute)__"
    r"|\bos\.(system|popen)|\bsubprocess\b|\blipsum\b|\bcycler\.__"
)


def _dotted(node: ast.expr) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def dangerous_calls(source: str) -> list[tuple[int, str]]:
    """(line, callable) for each call to a shell/network/eval function in ``source``."""
    tree = ast.parse(source)
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _dotted(node.func)
            if name and (
                name in DANGEROUS_CALLS or name.startswith(DANGEROUS_PREFIXES)
                or any(name.startswith(p) for p in ("os.exec", "os.spawn"))
            ):
                hits.append((node.lineno, name))
    return sorted(set(hits))


def check_python(path: Path, label: str) -> list[Finding]:
    try:
        if path.stat().st_size > MAX_PY_BYTES:
            return [_CUSTOM(label), Finding(label, "medium", "code",
                                            "too large to parse; not analysed")]
        raw = path.read_bytes()
    except OSError as exc:
        return [_CUSTOM(label), Finding(label, "medium", "code", f"cannot be read: {exc}")]
    return check_source(raw, label)


def _CUSTOM(label: str) -> Finding:
    return Finding(label, "medium", "code",
                   "custom Python code: runs on load only with trust_remote_code=True; "
                   "review it before enabling that")


def check_source(raw: bytes, label: str) -> list[Finding]:
    """Findings for Python source: always a review note, high for shell/network/eval calls."""
    out = [_CUSTOM(label)]
    try:
        hits = dangerous_calls(raw.decode("utf-8", errors="replace"))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        return [*out, Finding(label, "medium", "code", f"cannot be parsed: {exc}")]
    for line, name in hits[:20]:
        out.append(Finding(label, "high", "code",
                           f"line {line}: calls {name} (shell, network or dynamic code)"))
    return out


def check_auto_map(config: dict[str, Any], label: str) -> list[Finding]:
    auto_map = config.get("auto_map")
    if not auto_map:
        return []
    values = list(auto_map.values()) if isinstance(auto_map, dict) else [auto_map]
    flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
    targets = sorted({str(x) for x in flat if x})
    return [Finding(label, "medium", "code",
                    "auto_map points to custom code ("
                    + ", ".join(targets[:6]) + ("…" if len(targets) > 6 else "")
                    + "): loading needs trust_remote_code=True, which executes it")]


def check_template(template: str, label: str) -> list[Finding]:
    m = TEMPLATE_RX.search(template)
    if not m:
        return []
    return [Finding(label, "high", "template",
                    f"chat template reaches Python internals ({m.group(0)!r}): "
                    "possible template injection")]


def _scan_py(blob: Blob, ctx: ScanContext) -> list[Finding]:
    with ctx.stream(blob) as f:
        raw = f.read(MAX_PY_BYTES + 1)
    if len(raw) > MAX_PY_BYTES:
        return [_CUSTOM(blob.label), Finding(blob.label, "medium", "code",
                                             "too large to parse; not analysed")]
    return check_source(raw, blob.label)


def _scan_template(blob: Blob, ctx: ScanContext) -> list[Finding]:
    with ctx.stream(blob) as f:
        raw = f.read(MAX_PY_BYTES + 1)
    return check_template(raw.decode("utf-8", errors="replace"), blob.label)


SCANNER = register(Scanner("code", "Python files of the repo (run with trust_remote_code)",
                           lambda b: b.suffix == ".py", _scan_py, priority=60))
TEMPLATES = register(Scanner("template", "Jinja chat templates kept as files",
                             lambda b: b.suffix in (".jinja", ".j2"), _scan_template,
                             priority=60))
