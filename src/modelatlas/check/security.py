"""Static security checks over a model's files; nothing is imported, run or unpickled.

For a local folder every regular file is read as bytes and handed to the
scanner registry (:mod:`.scanners`: pickles, zip/tar/compressed containers,
NumPy, safetensors, GGUF, Keras, SavedModel, ONNX, configs, Python files),
sharing one :class:`~.budgets.Budget`; a file that breaks a budget or cannot
be parsed is a high finding and the next file is still scanned. For a Hub id
without a download only the file list and config are known, so the findings
say what would need scanning.
"""

from __future__ import annotations

from pathlib import Path

from modelatlas.check import scan_code, scan_pickle
from modelatlas.check.budgets import Budget, Limits
from modelatlas.check.findings import Finding, rank
from modelatlas.check.scanners import ScanContext, file_blob
from modelatlas.check.subject import Subject

WEIGHT_EXTS = frozenset({*scan_pickle.PICKLE_EXTS, ".safetensors", ".gguf", ".onnx", ".h5",
                         ".keras", ".npy", ".npz", ".zip", ".tar", ".gz", ".7z", ".pb"})


def _suffix(name: str) -> str:
    base = name.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[-1].lower() if "." in base else ""


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


def scan_folder(subject: Subject, limits: Limits | None = None) -> list[Finding]:
    """Findings for every file of a local model folder (one budget for all of them)."""
    assert subject.path is not None
    root = subject.path
    ctx = ScanContext(Budget(limits or Limits()), root)
    out: list[Finding] = []
    for entry in subject.files:
        path = root / entry.name
        ext = _suffix(entry.name)
        try:
            if path.is_symlink() and not path.resolve().is_relative_to(root.resolve()):
                out.append(Finding(entry.name, "high", "files",
                                   "symbolic link leaving the model folder: not followed"))
                continue
            if not path.is_file():  # a FIFO or device would hang a read
                out.append(Finding(entry.name, "medium", "files",
                                   "not a regular file; not scanned"))
                continue
            if ext in WEIGHT_EXTS:
                stub = _placeholder(path, entry.name)
                if stub is not None:
                    out.append(stub)
                    continue
            blob = file_blob(root, entry.name)
        except OSError as exc:
            out.append(Finding(entry.name, "medium", "files", f"cannot be read: {exc}"))
            continue
        out.extend(ctx.scan(blob))
    return unique_sorted(out)


def unique_sorted(found: list[Finding]) -> list[Finding]:
    """Findings without repeats, worst first."""
    unique = {(f.file, f.severity, f.kind, f.detail): f for f in found}
    return sorted(unique.values(), key=lambda f: (rank(f.severity), f.file, f.detail))


def _remote_code_flag(subject: Subject) -> list[Finding]:
    if subject.config.get("trust_remote_code") is True:
        return [Finding("config.json", "medium", "code",
                        "sets trust_remote_code: the repo expects its own code to run")]
    return []


def scan_listing(subject: Subject) -> list[Finding]:
    """What the Hub file list and config reveal without downloading anything."""
    out: list[Finding] = list(scan_code.check_auto_map(subject.config, "config.json"))
    out.extend(_remote_code_flag(subject))
    pickles = [f.name for f in subject.files
               if _suffix(f.name) in scan_pickle.PICKLE_EXTS | {".npy", ".npz", ".zip", ".tar",
                                                                ".gz", ".7z", ".h5", ".keras"}]
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
    return unique_sorted(out)


def scan(subject: Subject, limits: Limits | None = None) -> list[Finding]:
    """Findings for the subject: a full byte-level scan for a folder, else the listing."""
    return scan_folder(subject, limits) if subject.path is not None else scan_listing(subject)
