"""TensorFlow SavedModel graphs (``saved_model.pb``): operators that reach outside.

A SavedModel's graph runs when it is loaded and called; some operators touch
the file system (``ReadFile``, ``WriteFile``, ``MatchingFiles``) or call back
into Python (``PyFunc``, ``EagerPyFunc``, ``PyFuncStateless``), which is how the
TensorFlow models among the malicious Hub uploads act (MalHug, 2024). The
graph is read as protobuf (:mod:`.protowire`, ``saved_model.proto`` field
numbers): SavedModel.meta_graphs 2 -> MetaGraphDef.graph_def 2 -> GraphDef.node
1 / library 2 -> FunctionDefLibrary.function 1 -> FunctionDef.node_def 3 ->
NodeDef.op 2. The checkpoint saver's own ops (SaveV2, RestoreV2, ...) are normal.
"""

from __future__ import annotations

from typing import IO

from modelatlas.check import protowire as pw
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

CRITICAL_OPS = frozenset({"PyFunc", "EagerPyFunc", "PyFuncStateless"})
HIGH_OPS = frozenset({"ReadFile", "WriteFile", "MatchingFiles", "ImmutableConst"})


def _ops(f: IO[bytes], start: int, end: int, path: tuple[int, ...], out: dict[str, int]
         ) -> None:
    """Collect NodeDef.op names below the message at [start, end) following ``path``."""
    for num, wire, off, n in pw.fields(f, start, end):
        if wire != pw.LEN:
            continue
        if not path:  # a NodeDef
            if num == 2:
                op = pw.text(f, off, n, 256)
                out[op] = out.get(op, 0) + 1
            continue
        if num == path[0]:
            _ops(f, off, off + n, path[1:], out)


# field paths from SavedModel down to NodeDef messages
PATHS = ((2, 2, 1), (2, 2, 2, 1, 3))


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    ops: dict[str, int] = {}
    with ctx.seekable(blob) as f:
        end = pw.end_of(f)
        if end > ctx.budget.limits.header_bytes:
            return [Finding(blob.label, "high", "savedmodel",
                            f"graph of {end:,} bytes is above the "
                            f"{ctx.budget.limits.header_bytes:,}-byte budget: not verified")]
        try:
            for path in PATHS:
                _ops(f, 0, end, path, ops)
        except pw.WireError as exc:
            return [Finding(blob.label, "high", "savedmodel",
                            f"not a well-formed SavedModel protobuf ({exc}): not verified")]
    out = []
    for op in sorted(ops):
        if op in CRITICAL_OPS:
            out.append(Finding(blob.label, "critical", "savedmodel",
                               f"graph uses {op} ({ops[op]}x): calls Python code when run"))
        elif op in HIGH_OPS:
            out.append(Finding(blob.label, "high", "savedmodel",
                               f"graph uses {op} ({ops[op]}x): reaches the file system "
                               "when run"))
    if not ops:
        out.append(Finding(blob.label, "info", "savedmodel", "no graph operators found"))
    return out


def claims(blob: Blob) -> bool:
    return blob.name.rsplit("/", 1)[-1] == "saved_model.pb"


SCANNER = register(Scanner("savedmodel", "TensorFlow SavedModel graphs (saved_model.pb)",
                           claims, scan, priority=40))
