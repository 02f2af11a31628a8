"""Registry of file formats: each module in ``modelatlas.sources`` registers one.

A format knows how to recognise its files from their first bytes and name
(``sniff``) and how to stream them as canonical batches (``read``). New formats
are new modules; nothing else changes (the sqlglot one-file-per-dialect idea).

Each format also declares the population its files produce (``population``: a
name of :data:`modelatlas.metrics.populations.RECORDABLE`), which the ingest
records on every snapshot the file writes unless the user sets another
(``ingest file --population``; docs/metrics.md, "Populations").
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from modelatlas.errors import FormatError
from modelatlas.sources.records import Batch, ReadPlan


@dataclass(frozen=True)
class FileFormat:
    name: str
    description: str
    sniff: Callable[[Path, bytes], bool]
    read: Callable[[ReadPlan], Iterator[Batch]]
    priority: int = 50  # lower sniffs first
    #: what a file of this format covers: a hub dump the whole Hub ('hub'), a
    #: trending file one pipeline's trending list ('trending'), ...
    population: str = ""


_FORMATS: dict[str, FileFormat] = {}
_LOADED = False


def register(fmt: FileFormat) -> FileFormat:
    from modelatlas.metrics.populations import RECORDABLE

    if fmt.population not in RECORDABLE:  # a source must say what its files cover
        raise FormatError(f"format {fmt.name!r} declares no known population "
                          f"({fmt.population!r}); choose from {', '.join(RECORDABLE)}")
    _FORMATS[fmt.name] = fmt
    return fmt


def _load() -> None:
    global _LOADED
    if _LOADED:
        return
    import modelatlas.sources as pkg

    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("file_"):
            importlib.import_module(f"{pkg.__name__}.{info.name}")
    _LOADED = True


def formats() -> dict[str, FileFormat]:
    _load()
    return dict(_FORMATS)


def get(name: str) -> FileFormat:
    fmts = formats()
    if name not in fmts:
        raise FormatError(f"unknown format {name!r}; choose from {', '.join(sorted(fmts))}")
    return fmts[name]


def detect(path: Path) -> FileFormat:
    """Pick the format by content (first bytes), using the name only to break ties."""
    try:
        with path.open("rb") as fh:
            head = fh.read(65536)
    except OSError as exc:
        raise FormatError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for fmt in sorted(formats().values(), key=lambda f: f.priority):
        if fmt.sniff(path, head):
            return fmt
    raise FormatError(
        f"cannot detect the format of {path}; pass --format "
        f"({'|'.join(sorted(formats()))})"
    )
