"""Static security checks over a model's files; nothing is imported, run or unpickled.

For a local folder every file is read as bytes: pickle-based weights
(:mod:`.scan_pickle`, picklescan), safetensors and GGUF headers
(:mod:`.scan_safetensors`, :mod:`.scan_gguf`), Python files, ``auto_map`` and
chat templates (:mod:`.scan_code`). For a Hub id only the file list and config
are known, so the findings say what would need scanning after download.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from modelatlas.check import scan_code, scan_gguf, scan_pickle, scan_safetensors
from modelatlas.check.findings import Finding, rank
from modelatlas.check.subject import Subject

MAX_TOKENIZER_CONFIG = 20_000_000
SCANNED_EXTS = frozenset({*scan_pickle.PICKLE_EXTS, ".safetensors", ".gguf", ".py", ".json"})


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _tokenizer_config(path: Path) -> dict[str, Any]:
    try:
        if path.stat().st_size > MAX_TOKENIZER_CONFIG:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _templates(tok: dict[str, Any]) -> list[str]:
    t = tok.get("chat_template")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [str(x.get("template", "")) for x in t if isinstance(x, dict)]
    return []


LFS_PREFIX = b"version https://git-lfs.github.com/spec/"


def _placeholder(path: Path, label: str) -> Finding | None:
    """An info finding for an empty file or a Git LFS pointer (content not downloaded)."""
    try:
        size = path.stat().st_size
        if size == 0:
            return Finding(label, "info", "files", "empty file; nothing to scan")
        if size > 1024:
            return None
        with path.open("rb") as f:
            head = f.read(len(LFS_PREFIX))
    except OSError:
        return None
    if head == LFS_PREFIX:
        return Finding(label, "info", "files",
                       "Git LFS pointer: content not downloaded, so not scanned")
    return None


def scan_folder(subject: Subject) -> list[Finding]:
    """Findings for every file of a local model folder."""
    assert subject.path is not None
    root = subject.path
    out: list[Finding] = []
    out.extend(scan_code.check_auto_map(subject.config, "config.json"))
    for entry in subject.files:
        path = root / entry.name
        ext = _suffix(entry.name)
        if not path.is_file():  # a FIFO or device named like a weight file would hang a read
            if ext in SCANNED_EXTS:
                out.append(Finding(entry.name, "medium", "files",
                                   "not a regular file; not scanned"))
            continue
        if ext in (*scan_pickle.PICKLE_EXTS, ".safetensors", ".gguf"):
            stub = _placeholder(path, entry.name)
            if stub is not None:
                out.append(stub)
                continue
        if ext in scan_pickle.PICKLE_EXTS:
            out.extend(scan_pickle.scan_pickle_file(path, entry.name))
        elif ext == ".safetensors":
            out.extend(scan_safetensors.check_header(path, entry.name))
        elif ext == ".gguf":
            found, template = scan_gguf.check_header(path, entry.name)
            out.extend(found)
            if template:
                out.extend(scan_code.check_template(template, entry.name))
        elif ext == ".py":
            out.extend(scan_code.check_python(path, entry.name))
        elif entry.name.rsplit("/", 1)[-1] == "tokenizer_config.json":
            tok = _tokenizer_config(path)
            out.extend(scan_code.check_auto_map(tok, entry.name))
            for t in _templates(tok):
                out.extend(scan_code.check_template(t, entry.name))
    out.extend(_remote_code_flag(subject))
    return sorted(out, key=lambda f: (rank(f.severity), f.file, f.detail))


def _remote_code_flag(subject: Subject) -> list[Finding]:
    if subject.config.get("trust_remote_code") is True:
        return [Finding("config.json", "medium", "code",
                        "config sets trust_remote_code: the repo expects its own code to run")]
    return []


def scan_listing(subject: Subject) -> list[Finding]:
    """What the Hub file list and config reveal without downloading anything."""
    out: list[Finding] = list(scan_code.check_auto_map(subject.config, "config.json"))
    out.extend(_remote_code_flag(subject))
    pickles = [f.name for f in subject.files if _suffix(f.name) in scan_pickle.PICKLE_EXTS]
    safetensors = [f.name for f in subject.files if _suffix(f.name) == ".safetensors"]
    for name in pickles:
        out.append(Finding(name, "low", "pickle",
                           "pickle-based file not downloaded, so not scanned; run "
                           "`modelatlas check <folder>` on a download"
                           + ("; a safetensors copy exists" if safetensors else "")))
    for f in subject.files:
        if _suffix(f.name) == ".py":
            out.append(Finding(f.name, "medium", "code",
                               "custom Python code in the repo (runs with trust_remote_code=True)"))
    if not subject.files:
        out.append(Finding("-", "info", "files", "file list not known; nothing scanned"))
    return sorted(out, key=lambda f: (rank(f.severity), f.file, f.detail))


def scan(subject: Subject) -> list[Finding]:
    """Findings for the subject: a full byte-level scan for a folder, else the listing."""
    return scan_folder(subject) if subject.path is not None else scan_listing(subject)
