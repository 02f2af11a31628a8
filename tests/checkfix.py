"""Shared helpers of the scanner tests: a model folder, hostile pickle payloads (written,
never loaded), safetensors bytes and a findings digest."""

from __future__ import annotations

import json
import os
import struct
from pathlib import Path

CARD = "---\nlicense: apache-2.0\n---\n# test model\n"


class Payload:
    """Pickles to a call of os.system (touching a sentinel). WRITTEN, NEVER LOADED."""

    def __init__(self, sentinel: Path) -> None:
        self.sentinel = sentinel

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, (f"touch {self.sentinel}",))


class EvalPayload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (eval, ("1+1",))


class ImportPayload:
    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (__import__, ("os",))


def model_folder(tmp_path: Path, card: str = CARD) -> Path:
    d = tmp_path / "model"
    d.mkdir()
    (d / "README.md").write_text(card, encoding="utf-8")
    (d / "config.json").write_text('{"model_type": "llama"}', encoding="utf-8")
    return d


def safetensors_bytes(header: dict[str, object] | bytes, buffer: bytes) -> bytes:
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return struct.pack("<Q", len(raw)) + raw + buffer


def details(findings: list) -> str:  # type: ignore[type-arg]
    return " | ".join(f"{f.severity} {f.file} {f.detail}" for f in findings)
