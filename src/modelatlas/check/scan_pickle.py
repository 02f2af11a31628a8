"""Pickle streams analysed at the opcode level, deny by default, never unpickled.

Every opcode is read with :func:`pickletools.genops` (a disassembler: nothing
is imported or called) while a symbolic stack and memo follow which strings
reach ``STACK_GLOBAL``. A global whose module and name are string constants is
judged by :mod:`.pickle_policy` (allowlisted, else high, critical when known
dangerous); a ``STACK_GLOBAL`` fed by anything else (a name built while
loading, ``getattr`` results, ...) cannot be known statically and is critical.
Several pickles in one file are read in turn (legacy ``torch.save`` writes
five); data after the last complete pickle is left to the container scanners.

Budgets (:mod:`.budgets`): opcodes per file, stack and memo entries, bytes per
stream; running out is a high finding. picklescan, the scanner the Hub runs,
is asked for a second opinion on streams small enough (it keeps every opcode
in memory), and any global it calls dangerous is critical here too.
"""

from __future__ import annotations

import contextlib
import logging
import pickletools
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from modelatlas.check import pickle_policy
from modelatlas.check.budgets import Budget, BudgetExceeded, Limits
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

# Names that hint at a pickle when the content does not say (protocol 0/1 has no magic).
PICKLE_EXTS = frozenset({".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".sav",
                         ".dill", ".pdparams", ".pdopt", ".dat", ".data", ".p", ".mdl",
                         ".model", ".pkl3", ".cpkl", ".pck"})
PICKLE_MAGIC = tuple(bytes([0x80, v]) for v in range(2, 6))
PICKLESCAN_MAX_OPS = 200_000  # picklescan holds every opcode in memory: ask it only below this
PICKLESCAN_MAX_BYTES = 64_000_000

logging.getLogger("picklescan").addHandler(logging.NullHandler())
logging.getLogger("picklescan").propagate = False

_STRINGS = frozenset({"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "STRING",
                      "BINSTRING", "SHORT_BINSTRING"})
_PUTS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_GETS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_EXTS = frozenset({"EXT1", "EXT2", "EXT4"})


class _Mark:
    """The MARK object on the symbolic stack."""


_MARK = _Mark()
_UNKNOWN = object()


@dataclass
class Analysis:
    """What one pickle stream (or several in a row) would import when loaded."""

    globals: dict[tuple[str, str], int] = field(default_factory=dict)  # -> first offset
    unresolved: list[tuple[int, str]] = field(default_factory=list)  # (offset, why)
    ops: int = 0
    pickles: int = 0  # complete pickles (ended by STOP)
    error: str | None = None  # parse error inside the first pickle
    end: int = 0  # bytes consumed


def _pop_mark(stack: list[Any]) -> None:
    while stack:
        if stack.pop() is _MARK:
            return
    raise ValueError("MARK expected on the stack")


def _step(name: str, arg: Any, pos: int, op: Any, stack: list[Any], memo: dict[Any, Any],
          out: Analysis) -> None:
    """Apply one opcode to the symbolic stack (only strings are tracked by value)."""
    if name in _STRINGS:
        stack.append(arg if isinstance(arg, str) else
                     arg.decode("latin-1") if isinstance(arg, bytes) else _UNKNOWN)
    elif name == "MEMOIZE":
        memo[len(memo)] = stack[-1] if stack else _UNKNOWN
    elif name in _PUTS:
        memo[arg] = stack[-1] if stack else _UNKNOWN
    elif name in _GETS:
        stack.append(memo.get(arg, _UNKNOWN))
    elif name == "MARK":
        stack.append(_MARK)
    elif name in ("GLOBAL", "INST"):
        module, _, gname = str(arg).partition(" ")
        out.globals.setdefault((module, gname), pos)
        if name == "INST":
            _pop_mark(stack)
        stack.append(_UNKNOWN)
    elif name == "STACK_GLOBAL":
        top = stack.pop() if stack else _UNKNOWN
        below = stack.pop() if stack else _UNKNOWN
        if isinstance(below, str) and isinstance(top, str):
            out.globals.setdefault((below, top), pos)
        else:
            out.unresolved.append((pos, "STACK_GLOBAL names are not constants: they are "
                                        "built while loading"))
        stack.append(_UNKNOWN)
    elif name in _EXTS:
        out.unresolved.append((pos, f"{name} imports through the copyreg extension registry"))
        stack.append(_UNKNOWN)
    else:
        before = op.stack_before
        if pickletools.markobject in before:
            _pop_mark(stack)
            n = before.index(pickletools.markobject)
        else:
            n = len(before)
        if n > len(stack):
            raise ValueError(f"{name} needs {n} stack items, {len(stack)} present")
        if n:
            del stack[-n:]
        stack.extend([_UNKNOWN] * len(op.stack_after))


class _NoTell:
    """read/readline only, so genops does not ask for a position per opcode (speed)."""

    def __init__(self, f: IO[bytes]) -> None:
        self.read, self.readline = f.read, f.readline


# opcode name -> (pops to MARK first, items popped, items pushed) for the generic opcodes
_EFFECT = {
    op.name: (pickletools.markobject in op.stack_before,
              op.stack_before.index(pickletools.markobject)
              if pickletools.markobject in op.stack_before else len(op.stack_before),
              len(op.stack_after))
    for op in pickletools.opcodes
}
_SPECIAL = _STRINGS | _PUTS | _GETS | _EXTS | {"MEMOIZE", "MARK", "GLOBAL", "INST",
                                               "STACK_GLOBAL"}


def analyse(f: IO[bytes], limits: Limits, budget: Budget | None = None) -> Analysis:
    """Disassemble the pickle(s) in ``f`` within ``limits`` (BudgetExceeded past them)."""
    out = Analysis()
    max_ops, max_stack = limits.opcodes, limits.pickle_stack
    src = _NoTell(f)
    while True:
        stack: list[Any] = []
        memo: dict[Any, Any] = {}
        done = False
        try:
            for op, arg, _pos in pickletools.genops(src):  # type: ignore[arg-type]
                out.ops += 1
                name = op.name
                if name in _SPECIAL:
                    _step(name, arg, f.tell(), op, stack, memo, out)
                elif name == "STOP":
                    done = True
                    break
                else:
                    mark, n, push = _EFFECT[name]
                    if mark:
                        _pop_mark(stack)
                    if n > len(stack):
                        raise ValueError(f"{name} needs {n} stack items, {len(stack)} present")
                    if n:
                        del stack[-n:]
                    if push:
                        stack.extend([_UNKNOWN] * push)
                if out.ops & 0xFFFF == 0:
                    if out.ops > max_ops:
                        raise BudgetExceeded(f"more than {max_ops:,} pickle opcodes")
                    if len(stack) > max_stack or len(memo) > max_stack:
                        raise BudgetExceeded(f"pickle stack or memo above {max_stack:,}")
                    if budget is not None:
                        budget.check_time()
        except BudgetExceeded as exc:
            if out.pickles == 0 or "stream larger" not in str(exc):
                raise
            out.end = f.tell()
            return out  # raw data after complete pickles (legacy torch storages)
        except Exception as exc:  # genops/our stack: truncated or crafted stream
            if out.pickles == 0:
                out.error = f"{type(exc).__name__}: {str(exc)[:160]}"
            out.end = f.tell()
            return out
        out.end = f.tell()
        if not done:
            if out.pickles == 0:
                out.error = "stream ends without STOP"
            return out
        out.pickles += 1
        nxt = f.peek(1)[:1] if hasattr(f, "peek") else b""
        if not nxt or out.pickles >= limits.pickles:
            return out


def looks_like_pickle(head: bytes) -> bool:
    """Protocol 2+ magic, or bytes that disassemble into an import (protocol 0/1 has no magic)."""
    if head.startswith(PICKLE_MAGIC):
        return True
    if not head:
        return False
    import io

    probe = Analysis()
    stack: list[Any] = []
    memo: dict[Any, Any] = {}
    with contextlib.suppress(Exception):  # the head ends mid-opcode, or is not a pickle
        for op, arg, pos in pickletools.genops(io.BytesIO(head)):
            if op.name == "STOP":
                break
            _step(op.name, arg, pos or 0, op, stack, memo, probe)
            if probe.unresolved or probe.globals:
                break
    if probe.unresolved:
        return True
    return any(all(p.isidentifier() for p in (*m.split("."), n.split(".")[0]))
               for m, n in probe.globals)


def findings(label: str, result: Analysis) -> list[Finding]:
    """Findings for one analysed stream (see the module docstring for severities)."""
    out: list[Finding] = []
    for (module, name), _pos in sorted(result.globals.items()):
        sev = pickle_policy.severity(module, name)
        if sev == "critical":
            out.append(Finding(label, "critical", "pickle",
                               f"pickle imports dangerous callable {module}.{name}: loading "
                               "this file (torch.load / pickle.load / joblib.load) runs it"))
        elif sev == "high":
            out.append(Finding(label, "high", "pickle",
                               f"pickle imports non-allowlisted global {module}.{name}: only "
                               "tensor and plain-container constructors are trusted"))
    for pos, why in result.unresolved[:5]:
        out.append(Finding(label, "critical", "pickle",
                           f"at byte {pos}: {why}; what it imports cannot be known without "
                           "running it"))
    if result.error is not None:
        out.append(Finding(label, "high", "pickle",
                           f"pickle stream cannot be parsed to its end ({result.error}): "
                           "truncated or crafted, not verified"))
    return out


def _picklescan_opinion(label: str, blob: Blob, ctx: ScanContext, seen: set[str], end: int
                        ) -> list[Finding]:
    """picklescan on the bytes our pass parsed (it needs a seekable stream)."""
    import io

    from picklescan.scanner import SafetyLevel, scan_pickle_bytes

    with ctx.stream(blob) as f:
        data = io.BytesIO(f.read(end + 1))
    res = scan_pickle_bytes(data, label)
    out = []
    for g in res.globals:
        key = f"{g.module}.{g.name}"
        if g.safety == SafetyLevel.Dangerous and key not in seen:
            out.append(Finding(label, "critical", "pickle",
                               f"picklescan reports dangerous import {key}"))
    return out


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    from modelatlas.check.budgets import bounded

    with bounded(blob.opener(), ctx.budget.limits.pickle_bytes, ctx.budget) as f:
        result = analyse(f, ctx.budget.limits, ctx.budget)
    if result.pickles == 0 and not result.globals and not blob.head.startswith(PICKLE_MAGIC) \
            and not looks_like_pickle(blob.head):
        return [Finding(blob.label, "info", "pickle", "no pickle stream found")]
    out = findings(blob.label, result)
    if result.ops <= PICKLESCAN_MAX_OPS and result.end <= PICKLESCAN_MAX_BYTES:
        seen = {f"{m}.{n}" for m, n in result.globals}
        out.extend(_picklescan_opinion(blob.label, blob, ctx, seen, result.end))
    if not any(x.severity in ("critical", "high") for x in out):
        out.append(Finding(blob.label, "low", "pickle",
                           "pickle-based format: only allowlisted tensor/container globals; "
                           "loading still runs the pickle VM, a safetensors copy is safer"))
    return out


_OTHER_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf",
                b"GGUF", b"\x89HDF", b"\x93NUMPY")


def claims(blob: Blob) -> bool:
    if blob.head.startswith(PICKLE_MAGIC):
        return True
    if blob.head.startswith(_OTHER_MAGIC):
        return False
    if blob.suffix in PICKLE_EXTS and blob.head[:1] in b"(c}])":
        return True
    return looks_like_pickle(blob.head)


SCANNER = register(Scanner("pickle", "pickle streams (torch, joblib, numpy objects, ...)",
                           claims, scan, priority=20))


def scan_bytes(data: bytes, label: str = "data.pkl", limits: Limits | None = None
               ) -> list[Finding]:
    """Findings for a pickle held in memory (tests, Range reads)."""
    from modelatlas.check.scanners import bytes_blob

    ctx = ScanContext(Budget(limits or Limits()))
    return ctx.scan(bytes_blob(label, data))


def scan_pickle_file(path: Path, label: str) -> list[Finding]:
    """Findings for one file on disk through every claiming scanner (containers included)."""
    from modelatlas.check.scanners import file_blob

    ctx = ScanContext(Budget(), path.parent)
    blob = file_blob(path.parent, path.name)
    blob.label = label
    return ctx.scan(blob)
