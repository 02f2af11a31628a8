"""Registry of file scanners: each ``check/scan_*.py`` module registers one.

A scanner says which blobs it claims (by content first, the name only as a
hint: attackers rename files) and returns findings for one blob. A blob is a
file of the model folder or a member of a container (zip, tar, gzip, ...); the
container scanners hand their members back to :meth:`ScanContext.scan`, so a
pickle inside a gzip inside a tar is found, within the limits of
:mod:`.budgets`. Every scanner that claims a blob runs (a pickle followed by a
zip, a polyglot, is read both ways, as ``torch.load`` and ``pickle.load``
would). New formats are new modules; nothing else changes, as in
:mod:`modelatlas.sources.registry`.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import pkgutil
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from modelatlas.check.budgets import Budget, BudgetExceeded, bounded
from modelatlas.check.findings import Finding

HEAD = 4096
SPOOL_IN_MEMORY = 16_000_000


@dataclass
class Blob:
    """One byte stream to scan: a file, or a member of a container."""

    label: str  # what findings name: "model.pt" or "model.zip:archive/data.pkl"
    name: str  # file or member name (its suffix is a hint only)
    head: bytes  # the first bytes
    size: int | None
    opener: Callable[[], IO[bytes]]  # a fresh stream from the first byte
    depth: int = 0  # containers around it
    path: Path | None = None  # the file on disk, when it is one

    @property
    def suffix(self) -> str:
        base = self.name.rsplit("/", 1)[-1].lower()
        return "." + base.rsplit(".", 1)[-1] if "." in base else ""

    @property
    def suffixes(self) -> str:
        """Every suffix, lower case (``model.pkl.gz`` -> ``.pkl.gz``)."""
        base = self.name.rsplit("/", 1)[-1].lower()
        return "." + base.split(".", 1)[1] if "." in base else ""


@dataclass(frozen=True)
class Scanner:
    name: str
    description: str
    claims: Callable[[Blob], bool]
    scan: Callable[[Blob, ScanContext], list[Finding]]
    priority: int = 50


@dataclass
class ScanContext:
    """Shared state of one check: the budget and the folder the files live in."""

    budget: Budget = field(default_factory=Budget)
    root: Path | None = None

    def stream(self, blob: Blob) -> IO[bytes]:
        """The blob's bytes behind the per-stream cap (closing it is the caller's job)."""
        return bounded(blob.opener(), self.budget.limits.member_bytes, self.budget)

    @contextlib.contextmanager
    def seekable(self, blob: Blob) -> Iterator[IO[bytes]]:
        """A seekable copy of the blob (the file itself, or a bounded spool of a member)."""
        if blob.path is not None:
            with blob.path.open("rb") as f:
                yield f
            return
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool, \
                self.stream(blob) as src:
            shutil.copyfileobj(src, spool, 1 << 20)
            spool.seek(0)
            yield spool  # type: ignore[misc]

    def member(self, parent: Blob, name: str, size: int | None,
               opener: Callable[[], IO[bytes]]) -> list[Finding]:
        """Scan one member of the container ``parent``."""
        label = f"{parent.label}:{name}"
        self.budget.charge_member()
        if parent.depth + 1 > self.budget.limits.depth:
            return [Finding(label, "high", "container",
                            f"containers nested more than {self.budget.limits.depth} deep: "
                            "not opened, so not verified")]
        with opener() as f:
            head = f.read(HEAD)
        self.budget.charge_bytes(len(head))
        return self.scan(Blob(label, name, head, size, opener, parent.depth + 1))

    def scan(self, blob: Blob) -> list[Finding]:
        """Every claiming scanner's findings; a failure is a finding, never an escape."""
        out: list[Finding] = []
        for sc in scanners():
            try:
                if not sc.claims(blob):
                    continue
                out.extend(sc.scan(blob, self))
            except BudgetExceeded as exc:
                out.append(Finding(blob.label, "high", sc.name,
                                   f"scan budget exceeded ({exc}): not fully verified"))
            except RecursionError:
                out.append(Finding(blob.label, "high", sc.name,
                                   "nested too deeply to parse: not verified"))
            except MemoryError:
                out.append(Finding(blob.label, "high", sc.name,
                                   "too large to parse in memory: not verified"))
            except Exception as exc:  # a crafted file must not stop the other files
                out.append(Finding(blob.label, "high", sc.name,
                                   f"cannot be parsed ({type(exc).__name__}: "
                                   f"{str(exc)[:200]}): not verified"))
        return out


def file_blob(root: Path, rel: str) -> Blob:
    """A blob for the file ``rel`` under ``root`` (the head is read now)."""
    path = root / rel
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(HEAD)
    return Blob(rel, rel, head, size, lambda: path.open("rb"), 0, path)


def bytes_blob(label: str, data: bytes, depth: int = 0) -> Blob:
    """A blob over bytes in memory (tests, Range reads)."""
    return Blob(label, label, data[:HEAD], len(data), lambda: io.BytesIO(data), depth)


_SCANNERS: dict[str, Scanner] = {}
_ORDER: list[Scanner] = []
_LOADED = False


def register(sc: Scanner) -> Scanner:
    _SCANNERS[sc.name] = sc
    return sc


def scanners() -> list[Scanner]:
    """All scanners, in priority order (modules ``check/scan_*.py`` loaded once)."""
    global _LOADED
    if not _LOADED:
        import modelatlas.check as pkg

        for info in pkgutil.iter_modules(pkg.__path__):
            if info.name.startswith("scan_"):
                importlib.import_module(f"{pkg.__name__}.{info.name}")
        _ORDER[:] = sorted(_SCANNERS.values(), key=lambda s: (s.priority, s.name))
        _LOADED = True
    return list(_ORDER)
