"""HDF5 Keras models (``.h5`` / ``.hdf5``) and SavedModel ``keras_metadata.pb``.

Legacy Keras saves the architecture as a JSON string (the ``model_config``
attribute of the HDF5 root group; the ``keras_metadata.pb`` of a SavedModel
holds the same JSON per layer). No HDF5 library is needed to find it: the
string is stored contiguously, so the bytes are searched for JSON objects that
start with ``{"class_name"`` and each is parsed (bounded) and handed to
:mod:`.keras_config`. Caveat: a string split across HDF5 heap blocks would not
be found; files where no config is found say so (medium: not verified).
"""

from __future__ import annotations

import re

from modelatlas.check import jsonsafe, keras_config
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

HDF5 = b"\x89HDF\r\n\x1a\n"
START = re.compile(rb'\{\s*"class_name"\s*:')
SEARCH_BYTES = 512_000_000
CHUNK = 8_000_000
OBJECT_MAX = 50_000_000


_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}]')


def _objects(data: bytes, pos: int) -> tuple[int, int] | None:
    """[start, end) of the balanced JSON object starting at ``pos`` (strings respected)."""
    d = 0
    for m in _TOKENS.finditer(data, pos):
        t = m.group()
        if t == b"{":
            d += 1
        elif t == b"}":
            d -= 1
            if d == 0:
                return pos, m.end()
    return None


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    lim = ctx.budget.limits
    label = blob.label
    found: list[Finding] = []
    configs = 0
    with ctx.stream(blob) as f:
        buf = b""
        read = 0
        while read < SEARCH_BYTES:
            chunk = f.read(CHUNK)
            if not chunk:
                break
            read += len(chunk)
            buf += chunk
            pos = 0
            pending: int | None = None
            while (m := START.search(buf, pos)) is not None:
                span = _objects(buf, m.start())
                if span is None:
                    pending = m.start()  # the object continues in the next chunk
                    break
                pos = span[1]
                try:
                    config = jsonsafe.loads(buf[span[0]:span[1]], max_bytes=lim.json_bytes,
                                            max_depth=lim.json_depth * 4)
                except jsonsafe.JSONRejected as exc:
                    found.append(Finding(label, "high", "keras",
                                         f"model config not parsed ({exc}): not verified"))
                    continue
                configs += 1
                found.extend(keras_config.findings(config, label, "keras"))
            ctx.budget.check_time()
            if pending is None:
                buf = buf[max(pos, len(buf) - 64):]
            elif len(buf) - pending > OBJECT_MAX:
                found.append(Finding(label, "high", "keras",
                                     f"a model config runs past {OBJECT_MAX:,} bytes: "
                                     "not verified"))
                buf = b""
            else:
                buf = buf[pending:]
    if configs == 0 and not found:
        found.append(Finding(label, "info", "keras",
                             "no Keras model config found: a weights-only file, which "
                             "load_weights reads without rebuilding layers"))
    return list({(x.severity, x.detail): x for x in found}.values())


def claims(blob: Blob) -> bool:
    return (blob.head.startswith(HDF5) and blob.suffix in (".h5", ".hdf5", ".keras")) or \
        blob.name.rsplit("/", 1)[-1] == "keras_metadata.pb"


SCANNER = register(Scanner("h5", "Keras HDF5 models and keras_metadata.pb (model config)",
                           claims, scan, priority=44))
