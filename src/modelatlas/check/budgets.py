"""Bounds on the work one scan may do, and a reader that enforces them.

Hostile files attack scanners through their size: a 20 KB zip member that
inflates to gigabytes of NONE/POP opcodes, a tar of a million members, a zip
inside a zip inside a zip, a JSON document nested a million levels deep. Every
scanner reads through :class:`Bounded` and checks :class:`Budget`, and running
out is reported as a *high* finding for that file (deny by default: what could
not be verified is not trusted) while the other files are still scanned.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass, field
from typing import IO


class BudgetExceeded(Exception):
    """A scan ran out of one of its budgets; the message says which."""


@dataclass(frozen=True)
class Limits:
    """The ceilings (per check, except where a name says per file)."""

    read_bytes: int = 8_000_000_000  # decompressed bytes read by all scanners together
    member_bytes: int = 2_000_000_000  # one archive member / decompressed stream
    members: int = 20_000  # archive members listed, all archives together
    depth: int = 4  # containers within containers
    opcodes: int = 2_000_000  # pickle opcodes per pickle file
    pickle_stack: int = 1_000_000  # pickle VM stack / memo entries tracked
    pickle_bytes: int = 256_000_000  # bytes read from one pickle stream (one opcode's
    # argument is read whole, so this also bounds memory)
    pickles: int = 5  # pickles read in a row from one file (legacy torch.save writes 5)
    json_bytes: int = 50_000_000  # one JSON document
    json_depth: int = 64  # nesting levels of one JSON/YAML document
    header_bytes: int = 100_000_000  # one safetensors / GGUF / protobuf header read
    seconds: float = 60.0  # wall clock for the whole scan


@dataclass
class Budget:
    """What is left of :class:`Limits` during one check (shared by every file)."""

    limits: Limits = field(default_factory=Limits)
    read: int = 0
    members: int = 0
    started: float = field(default_factory=time.monotonic)

    def charge_bytes(self, n: int) -> None:
        self.read += n
        if self.read > self.limits.read_bytes:
            raise BudgetExceeded(f"read budget of {self.limits.read_bytes:,} bytes exhausted")
        self.check_time()

    def charge_member(self) -> None:
        self.members += 1
        if self.members > self.limits.members:
            raise BudgetExceeded(f"more than {self.limits.members:,} archive members")

    def check_time(self) -> None:
        if time.monotonic() - self.started > self.limits.seconds:
            raise BudgetExceeded(f"scan time budget of {self.limits.seconds:.0f} s exhausted")


class Bounded(io.RawIOBase):
    """A read-only stream that stops at ``cap`` bytes and charges the budget.

    Reading past ``cap`` raises :class:`BudgetExceeded`, so a decompression bomb
    costs at most ``cap`` bytes of work, never memory beyond one read.
    """

    def __init__(self, inner: IO[bytes], cap: int, budget: Budget) -> None:
        super().__init__()
        self.inner, self.cap, self.budget, self.pos = inner, cap, budget, 0

    def readable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def close(self) -> None:
        if not self.closed:
            self.inner.close()
        super().close()

    def seek(self, offset: int, whence: int = 0) -> int:
        if (whence, offset) in ((1, 0), (0, self.pos)):
            return self.pos
        raise io.UnsupportedOperation("bounded streams only move forward")

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        want = len(b)
        if self.pos + want > self.cap:
            want = self.cap - self.pos + 1  # one byte over proves the cap is passed
            if want <= 0:
                raise BudgetExceeded(f"stream larger than {self.cap:,} bytes")
        data = self.inner.read(min(want, 1 << 20))
        n = len(data)
        if self.pos + n > self.cap:
            raise BudgetExceeded(f"stream larger than {self.cap:,} bytes")
        b[:n] = data
        self.pos += n
        self.budget.charge_bytes(n)
        return n


def bounded(inner: IO[bytes], cap: int, budget: Budget) -> IO[bytes]:
    """``inner`` behind a cap, buffered (``pickletools`` reads byte by byte)."""
    return io.BufferedReader(Bounded(inner, cap, budget), buffer_size=1 << 16)
