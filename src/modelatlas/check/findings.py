"""A security finding and the severity scale the verdict reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
BLOCKING = frozenset({"critical", "high"})


@dataclass(frozen=True)
class Finding:
    """One static-analysis result. ``kind`` groups them (pickle, safetensors, gguf, code)."""

    file: str
    severity: str
    kind: str
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rank(severity: str) -> int:
    """0 for critical ... 4 for info (sort key)."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)
