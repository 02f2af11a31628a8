"""Keras v3 ``.keras`` archives: the model config inside the zip.

A ``.keras`` file is a zip with ``config.json`` (the architecture),
``metadata.json`` and ``model.weights.h5``. The zip scanner scans the members
as files; this scanner reads ``config.json`` (bounded, :mod:`.jsonsafe`) and
hands it to :mod:`.keras_config` for Lambda layers and custom objects.
"""

from __future__ import annotations

import zipfile

from picklescan.relaxed_zipfile import RelaxedZipFile

from modelatlas.check import jsonsafe, keras_config
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register


def claims(blob: Blob) -> bool:
    return blob.suffix == ".keras" and blob.head.startswith(b"PK")


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    lim = ctx.budget.limits
    with ctx.seekable(blob) as f:
        try:
            with RelaxedZipFile(f, "r") as zf:
                names = set(zf.namelist())
                if "config.json" not in names:
                    return [Finding(blob.label, "high", "keras",
                                    ".keras archive without config.json: not verified")]
                info = zf.getinfo("config.json")
                if info.file_size > lim.json_bytes:
                    return [Finding(blob.label, "high", "keras",
                                    f"config.json of {info.file_size:,} bytes is above the "
                                    f"{lim.json_bytes:,}-byte budget: not verified")]
                with zf.open(info) as m:
                    raw = m.read(lim.json_bytes + 1)
        except zipfile.BadZipFile as exc:
            return [Finding(blob.label, "high", "keras", f"cannot be opened ({exc})")]
    try:
        config = jsonsafe.loads(raw, max_bytes=lim.json_bytes, max_depth=lim.json_depth * 4)
    except jsonsafe.JSONRejected as exc:
        return [Finding(f"{blob.label}:config.json", "high", "keras",
                        f"model config not parsed ({exc}): not verified")]
    return keras_config.findings(config, f"{blob.label}:config.json", "keras")


SCANNER = register(Scanner("keras", "Keras v3 .keras archives (Lambda layers, custom objects)",
                           claims, scan, priority=42))
