"""Report sections, one module each (``SECTION = ReportSection(...)``), found
automatically and shown in ``order``. Adding a section is one new module."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section


@dataclass(frozen=True)
class ReportSection:
    """A module's contribution: ``build`` returns zero or more sections."""

    order: int
    build: Callable[[ReportContext], list[Section]]


def all_sections() -> list[ReportSection]:
    found: list[ReportSection] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        sec = getattr(module, "SECTION", None)
        if sec is not None:
            found.append(sec)
    return sorted(found, key=lambda s: s.order)
