"""ONNX models: custom operator domains and external data that leaves the folder.

Read as protobuf (:mod:`.protowire`, ``onnx.proto`` field numbers), never
loaded by ONNX Runtime. Two things run or read beyond the model:

* operators in a domain that is not a standard one (``ai.onnx``, ``ai.onnx.ml``,
  the training domains, ONNX Runtime's ``com.microsoft``) nor a function defined
  in the model need a custom-op library, native code loaded at run time: high;
* tensors stored as external data name a file; an absolute path, a ``..`` or a
  path that resolves outside the model folder reads any file the loading user
  can read (CVE-2022-25882, CVE-2024-27318): critical.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from modelatlas.check import protowire as pw
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

STANDARD = frozenset({"", "ai.onnx", "ai.onnx.ml", "ai.onnx.training",
                      "ai.onnx.preview.training", "com.microsoft", "com.microsoft.nchwc",
                      "com.microsoft.experimental", "com.ms.internal.nhwc"})
# ModelProto: graph 7, opset_import 8, functions 25; GraphProto: node 1, initializer 5,
# sparse_initializer 15; NodeProto: op_type 4, attribute 5, domain 7; AttributeProto:
# t 5, g 6, tensors 10, graphs 11; TensorProto: name 8, external_data 13,
# data_location 14; StringStringEntryProto: key 1, value 2; FunctionProto: node 7,
# domain 10; OperatorSetIdProto: domain 1.


class _Walk:
    def __init__(self, f: IO[bytes], blob: Blob, ctx: ScanContext) -> None:
        self.f, self.blob, self.ctx = f, blob, ctx
        self.domains: dict[str, str] = {}  # domain -> an op_type using it
        self.local: set[str] = set()
        self.external: list[tuple[str, str]] = []  # (tensor, location)
        self.nodes = 0

    def model(self, start: int, end: int) -> None:
        for num, wire, off, n in pw.fields(self.f, start, end):
            if wire != pw.LEN:
                continue
            if num == 7:
                self.graph(off, off + n, 1)
            elif num == 25:
                self.function(off, off + n)

    def function(self, start: int, end: int) -> None:
        for num, wire, off, n in pw.fields(self.f, start, end):
            if wire == pw.LEN and num == 10:
                self.local.add(pw.text(self.f, off, n))
            elif wire == pw.LEN and num == 7:
                self.node(off, off + n, 2)

    def graph(self, start: int, end: int, depth: int) -> None:
        if depth > pw.MAX_NESTING:
            raise pw.WireError("subgraphs nested too deeply")
        for num, wire, off, n in pw.fields(self.f, start, end):
            if wire != pw.LEN:
                continue
            if num == 1:
                self.node(off, off + n, depth)
            elif num == 5:
                self.tensor(off, off + n)
            elif num == 15:  # SparseTensorProto: values 1, indices 2
                for snum, swire, soff, sn in pw.fields(self.f, off, off + n):
                    if swire == pw.LEN and snum in (1, 2):
                        self.tensor(soff, soff + sn)

    def node(self, start: int, end: int, depth: int) -> None:
        self.nodes += 1
        if self.nodes % 4096 == 0:
            self.ctx.budget.check_time()
        op, domain = "", ""
        for num, wire, off, n in pw.fields(self.f, start, end):
            if wire != pw.LEN:
                continue
            if num == 4:
                op = pw.text(self.f, off, n, 256)
            elif num == 7:
                domain = pw.text(self.f, off, n, 256)
            elif num == 5:
                self.attribute(off, off + n, depth)
        self.domains.setdefault(domain, op)

    def attribute(self, start: int, end: int, depth: int) -> None:
        for num, wire, off, n in pw.fields(self.f, start, end):
            if wire != pw.LEN:
                continue
            if num in (6, 11):
                self.graph(off, off + n, depth + 1)
            elif num in (5, 10):
                self.tensor(off, off + n)

    def tensor(self, start: int, end: int) -> None:
        name, location, external = "", None, False
        for num, wire, off, n in pw.fields(self.f, start, end):
            if num == 8 and wire == pw.LEN:
                name = pw.text(self.f, off, n, 256)
            elif num == 14 and wire == pw.VARINT:
                external = off == 1
            elif num == 13 and wire == pw.LEN:
                key = value = ""
                for knum, kwire, koff, kn in pw.fields(self.f, off, off + n):
                    if kwire == pw.LEN and knum == 1:
                        key = pw.text(self.f, koff, kn, 64)
                    elif kwire == pw.LEN and knum == 2:
                        value = pw.text(self.f, koff, kn)
                if key == "location":
                    location = value
        if location is not None or external:
            self.external.append((name, location or ""))


def escapes(location: str, blob: Blob, root: Path | None) -> str | None:
    """Why an external data location leaves the model folder, or None."""
    if not location:
        return "external data without a location"
    posix, win = PurePosixPath(location), PureWindowsPath(location)
    if posix.is_absolute() or win.is_absolute() or win.drive or location.startswith("~"):
        return f"absolute external data path {location!r}"
    if ".." in posix.parts or ".." in win.parts:
        return f"external data path {location!r} climbs out with '..'"
    if root is not None and blob.path is not None:
        target = (blob.path.parent / location).resolve()
        if not target.is_relative_to(root.resolve()):
            return f"external data path {location!r} resolves outside the model folder"
    return None


def claims(blob: Blob) -> bool:
    return blob.suffix == ".onnx"


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    out: list[Finding] = []
    with ctx.seekable(blob) as f:
        w = _Walk(f, blob, ctx)
        try:
            w.model(0, pw.end_of(f))
        except pw.WireError as exc:
            return [Finding(blob.label, "high", "onnx",
                            f"not a well-formed ONNX protobuf ({exc}): not verified")]
    for domain, op in sorted(w.domains.items()):
        if domain not in STANDARD and domain not in w.local:
            out.append(Finding(blob.label, "high", "onnx",
                               f"operator {op!r} in custom domain {domain!r}: needs a custom "
                               "operator library (native code) at load time"))
    first: dict[str, str] = {}
    for tensor, location in w.external:
        first.setdefault(location, tensor)
    for location, tensor in sorted(first.items())[:50]:
        why = escapes(location, blob, ctx.root)
        if why:
            out.append(Finding(blob.label, "critical", "onnx",
                               f"tensor {tensor!r}: {why}; loading reads that file"))
    return out


SCANNER = register(Scanner("onnx", "ONNX models (custom domains, external data paths)",
                           claims, scan, priority=40))
