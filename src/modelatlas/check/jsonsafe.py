"""JSON from untrusted files, bounded before it is parsed.

``json.loads`` on a crafted document can exhaust the interpreter (a million
nested brackets raise RecursionError; a few megabytes of ``[],[],...`` become
hundreds of megabytes of Python objects). The raw bytes are measured first
with C-speed counts (size, containers, commas, nesting depth of brackets), and
only a document inside the limits is parsed.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_CONTAINERS = 500_000
MAX_VALUES = 2_000_000
_BRACKETS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


class JSONRejected(ValueError):
    """The document was not parsed: the message says which limit it broke."""


def depth(raw: bytes, limit: int) -> int:
    """Deepest bracket nesting (strings skipped); stops early past ``limit``."""
    d = deepest = 0
    for m in _BRACKETS.finditer(raw):
        c = m.group()
        if c in (b"[", b"{"):
            d += 1
            if d > deepest:
                deepest = d
                if deepest > limit:
                    return deepest
        elif c in (b"]", b"}"):
            d -= 1
    return deepest


def loads(raw: bytes, *, max_bytes: int, max_depth: int,
          max_containers: int = MAX_CONTAINERS) -> Any:
    """The parsed document, or JSONRejected (too big, too deep, too many values, invalid)."""
    if len(raw) > max_bytes:
        raise JSONRejected(f"{len(raw):,} bytes, above the {max_bytes:,}-byte limit")
    containers = raw.count(b"[") + raw.count(b"{")
    if containers > max_containers or raw.count(b",") > max(MAX_VALUES, 3 * max_containers):
        raise JSONRejected("too many values to parse safely")
    d = depth(raw, max_depth)
    if d > max_depth:
        raise JSONRejected(f"nested more than {max_depth} levels deep")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise JSONRejected(f"invalid JSON ({str(exc)[:120]})") from None
