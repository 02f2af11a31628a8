"""Open Source AI Index (Liesenfeld & Dingemanse): scores and ranking as published.

The Index's own build script (opening-up-chatgpt.github.io, ``scripts/consolidate_csv.py``)
reads ``projects/*.yaml``, drops files whose ``project.name`` is empty, scores each
of 14 dimensions open = 1, partial = 0.5, anything else = 0, and sorts by score
(descending) then project name (ascending, plain string order). We do the same,
so our score and position equal the published table; ``rank`` is that position.
Every dimension keeps its ``link`` and ``notes``: the evidence a user wants to see.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelatlas.errors import InputError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

# libyaml's safe loader when present: same documents, parsed several times faster


DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("opencode", "availability", "Open code"),
    ("llmdata", "availability", "LLM data"),
    ("llmweights", "availability", "LLM weights"),
    ("rldata", "availability", "RL data"),
    ("rlweights", "availability", "RL weights"),
    ("license", "availability", "License"),
    ("code", "documentation", "Code"),
    ("architecture", "documentation", "Architecture"),
    ("preprint", "documentation", "Preprint"),
    ("paper", "documentation", "Paper"),
    ("modelcard", "documentation", "Model card"),
    ("datasheet", "documentation", "Datasheet"),
    ("package", "access", "Package"),
    ("api", "access", "API"),
)
CLASS_VALUES = {"open": 1.0, "partial": 0.5, "closed": 0.0}
_SAMPLE = re.compile(r"^(_sample|A_sample|sample.*)\.yaml$")


@dataclass
class Dimension:
    key: str
    area: str
    label: str
    cls: str | None
    link: str | None
    notes: str | None

    @property
    def value(self) -> float:
        return CLASS_VALUES.get(self.cls or "", 0.0)


@dataclass
class Project:
    file: str
    project: str
    link: str | None
    notes: str | None
    llmbase: str | None
    rlbase: str | None
    license: str | None
    org: str | None
    org_link: str | None
    dimensions: list[Dimension] = field(default_factory=list)
    rank: int = 0
    tied_rank: int = 0

    @property
    def score(self) -> float:
        return sum(d.value for d in self.dimensions)

    def summary(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "file": self.file,
            "score": self.score,
            "rank": self.rank,
            "tied_rank": self.tied_rank,
            "org": self.org,
            "link": self.link,
            "llmbase": self.llmbase,
            "rlbase": self.rlbase,
            "classes": {d.key: d.cls for d in self.dimensions},
        }


def _section(doc: Any, key: str) -> dict[str, Any]:
    """``doc[key]`` when it is a mapping, else an empty one (files are hand-written)."""
    v = doc.get(key) if isinstance(doc, dict) else None
    return v if isinstance(v, dict) else {}


def _text(v: Any) -> str | None:
    """As the Index's script: None becomes empty; we keep None for 'nothing there'."""
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def is_sample(name: str) -> bool:
    """Template files shipped in projects/ that are not real projects."""
    return bool(_SAMPLE.match(name))


def parse_project(path: Path) -> Project | None:
    """One project file, or None when the Index would drop it (no project name)."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read OSAI file {path.name}: {str(exc).splitlines()[0]}") from None
    return project_from_doc(path.name, doc)


def project_from_doc(file: str, doc: Any) -> Project | None:
    """One project from its parsed YAML, or None when the Index would drop it."""
    if not isinstance(doc, dict):
        raise InputError(f"{file}: not an OSAI project file")
    proj = _section(doc, "project")
    org = _section(doc, "org")
    name = _text(proj.get("name"))
    if name is None:
        return None
    dims = []
    for key, area, label in DIMENSIONS:
        d = _section(doc, key)
        cls = d.get("class")
        dims.append(Dimension(key, area, label, None if cls is None else str(cls),
                              _text(d.get("link")), _text(d.get("notes"))))
    return Project(
        file=file,
        project=name,
        link=_text(proj.get("link")),
        notes=_text(proj.get("notes")),
        llmbase=_text(proj.get("llmbase")),
        rlbase=_text(proj.get("rlbase")),
        license=_text(proj.get("license")),
        org=_text(org.get("name")),
        org_link=_text(org.get("link")),
        dimensions=dims,
    )


def iter_project_files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}")
    yield from sorted(p for p in folder.glob("*.yaml") if p.is_file())


@dataclass
class IndexResult:
    projects: list[Project]
    skipped: list[tuple[str, str]]   # (file, reason)


def rank(projects: list[Project]) -> list[Project]:
    """Sort as the published table (score desc, name asc); set rank and tied rank."""
    ordered = sorted(projects, key=lambda p: (-p.score, p.project))
    for i, p in enumerate(ordered, start=1):
        p.rank = i
        p.tied_rank = 1 + sum(1 for q in ordered if q.score > p.score)
    return ordered


def load_index(folder: Path) -> IndexResult:
    """Every real project in ``folder``, ranked; samples and nameless files are skipped."""
    projects: list[Project] = []
    skipped: list[tuple[str, str]] = []
    for p in iter_project_files(folder):
        if is_sample(p.name):
            skipped.append((p.name, "sample/template file"))
            continue
        proj = parse_project(p)
        if proj is None:
            skipped.append((p.name, "no project.name: the published Index drops it"))
            continue
        projects.append(proj)
    return IndexResult(rank(projects), skipped)
