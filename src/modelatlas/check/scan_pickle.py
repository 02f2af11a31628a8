"""Pickle-based weight files scanned at the opcode level with ``picklescan``.

Why picklescan: it is the scanner the Hugging Face Hub itself runs, it walks the
pickle opcodes (``pickletools.genops``) and lists every ``GLOBAL``/``INST``/
``STACK_GLOBAL`` import *without* unpickling, and keeps a maintained deny list
(os, posix, nt, subprocess, builtins.eval/exec/getattr, socket, runpy, ...).
We add a few names to that deny list and an allow list of the globals a plain
PyTorch/NumPy checkpoint needs (modelled on ``torch.load(weights_only=True)``),
so a clean checkpoint is not reported as suspicious.

Zip-format torch files (``archive/data.pkl`` inside) are opened here member by
member so a finding can name the member it came from.
"""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path
from typing import IO

from picklescan.relaxed_zipfile import RelaxedZipFile
from picklescan.scanner import SafetyLevel, ScanResult, scan_bytes, scan_pickle_bytes

from modelatlas.check.findings import Finding

PICKLE_EXTS = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy"})
_PICKLE_MAGIC = tuple(bytes([0x80, v]) for v in range(6))

# picklescan logs each hit at WARNING; with no handler Python would print them on
# stderr (logging.lastResort). The findings are reported by us instead.
logging.getLogger("picklescan").addHandler(logging.NullHandler())

# Names picklescan leaves "suspicious" that are dangerous in a weight file.
EXTRA_DANGEROUS: dict[str, frozenset[str] | None] = {
    "builtins": frozenset({"__import__", "globals", "locals", "vars", "setattr", "delattr",
                           "input", "memoryview"}),
    "__builtin__": frozenset({"__import__", "globals", "locals", "vars", "setattr", "delattr"}),
    "importlib": None,
    "marshal": None,
    "requests": None,
    "httpx": None,
    "urllib": None,
    "urllib3": None,
    "http": None,
    "ftplib": None,
    "smtplib": None,
    "telnetlib": None,
    "multiprocessing": None,
    "tempfile": None,
    "dill": None,
    # resolvers and hooks used to slip past deny lists (published picklescan bypasses:
    # importlib.import_module + inspect.getattr_static, atexit.register, ...)
    "inspect": None,
    "atexit": None,
    "weakref": frozenset({"finalize"}),
    "py_compile": None,
    "zipimport": None,
    "imp": None,
    "socketserver": None,
    "distutils": None,
    "setuptools": None,
    "_posixsubprocess": None,
    "signal": None,
    "resource": None,
}

# Globals an ordinary checkpoint needs (cf. torch/_weights_only_unpickler.py).
BENIGN: dict[str, frozenset[str] | None] = {
    "collections": frozenset({"OrderedDict", "defaultdict", "Counter", "deque"}),
    "torch._utils": frozenset({"_rebuild_tensor", "_rebuild_tensor_v2", "_rebuild_tensor_v3",
                               "_rebuild_parameter", "_rebuild_parameter_with_state",
                               "_rebuild_sparse_tensor", "_rebuild_qtensor",
                               "_rebuild_device_tensor_from_numpy",
                               "_rebuild_meta_tensor_no_storage",
                               "_rebuild_wrapper_subclass", "_rebuild_nested_tensor"}),
    "torch._tensor": frozenset({"_rebuild_from_type_v2"}),
    "torch": frozenset({"Size", "device", "float16", "bfloat16", "float32", "float64", "int8",
                        "uint8", "int16", "int32", "int64", "bool", "complex64",
                        "float8_e4m3fn", "float8_e5m2", "Tensor", "FloatStorage",
                        "HalfStorage", "BFloat16Storage", "DoubleStorage", "LongStorage",
                        "IntStorage", "ShortStorage", "CharStorage", "ByteStorage",
                        "BoolStorage", "ComplexFloatStorage", "ComplexDoubleStorage",
                        "UntypedStorage", "per_tensor_affine", "per_channel_affine"}),
    "torch.nn.parameter": frozenset({"Parameter"}),
    "numpy": frozenset({"dtype", "ndarray", "float16", "float32", "float64", "int64", "int32"}),
    "numpy.core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "numpy._core.multiarray": frozenset({"_reconstruct", "scalar"}),
    "_codecs": frozenset({"encode"}),
    "builtins": frozenset({"set", "frozenset", "bytearray", "slice", "complex", "range",
                           "dict", "list", "tuple", "int", "float", "bool", "str", "bytes"}),
}


def _listed(table: dict[str, frozenset[str] | None], module: str, name: str) -> bool:
    parts = module.split(".")
    for i in range(len(parts), 0, -1):
        key = ".".join(parts[:i])
        if key in table:
            names = table[key]
            if names is None:
                return True
            return i == len(parts) and name in names
    return False


def classify(module: str, name: str, safety: SafetyLevel) -> str | None:
    """Severity of one imported global: critical, medium, or None when benign."""
    if safety == SafetyLevel.Dangerous or _listed(EXTRA_DANGEROUS, module, name):
        return "critical"
    if safety == SafetyLevel.Innocuous or _listed(BENIGN, module, name):
        return None
    return "medium"


def _findings(label: str, result: ScanResult) -> list[Finding]:
    out: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    for g in sorted(result.globals, key=lambda g: (g.module, g.name)):
        key = (g.module, g.name)
        if key in seen:
            continue
        seen.add(key)
        sev = classify(g.module, g.name, g.safety)
        if sev == "critical":
            out.append(Finding(label, "critical", "pickle",
                               f"pickle imports dangerous callable {g.module}.{g.name}: "
                               "loading this file (torch.load / pickle.load) can run it"))
        elif sev == "medium":
            out.append(Finding(label, "medium", "pickle",
                               f"pickle imports non-allowlisted global {g.module}.{g.name}; "
                               "review it, or prefer a safetensors copy"))
    if result.scan_err:
        out.append(Finding(label, "medium", "pickle",
                           "pickle stream could not be fully parsed (truncated or crafted)"))
    return out


def _zip_members(f: IO[bytes], label: str) -> list[Finding]:
    out: list[Finding] = []
    pickles = 0
    with RelaxedZipFile(f, "r") as zf:
        for name in zf.namelist():
            with zf.open(name, "r") as member:
                head = member.read(2)
            if not (name.endswith(".pkl") or head.startswith(_PICKLE_MAGIC)):
                continue
            pickles += 1
            with zf.open(name, "r") as member:
                out.extend(_findings(f"{label}:{name}", scan_pickle_bytes(member, name)))
    if pickles == 0:
        out.append(Finding(label, "info", "pickle", "zip archive without pickle members"))
    return out


def scan_pickle_file(path: Path, label: str) -> list[Finding]:
    """Findings for one pickle-based file; never unpickles it."""
    try:
        with path.open("rb") as f:
            head = f.read(4)
            f.seek(0)
            if zipfile.is_zipfile(f):
                f.seek(0)
                found = _zip_members(f, label)
            else:
                f.seek(0)
                result = scan_bytes(f, label, path.suffix.lower())
                found = _findings(label, result)
                if not result.globals and not head.startswith(_PICKLE_MAGIC):
                    return found or [Finding(label, "info", "pickle", "no pickle stream found")]
    except OSError as exc:
        return [Finding(label, "medium", "pickle", f"cannot be read: {exc}")]
    except Exception as exc:  # a scanner crash must not hide the file
        return [Finding(label, "high", "pickle",
                        f"pickle scanner failed ({type(exc).__name__}: {exc}); treat as unsafe")]
    if not any(x.severity in ("critical", "high", "medium") for x in found):
        found.append(Finding(label, "low", "pickle",
                             "pickle-based format: loading runs the pickle VM; no dangerous "
                             "imports found, a safetensors copy is still safer"))
    return found
