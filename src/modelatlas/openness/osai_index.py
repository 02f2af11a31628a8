"""Read an Open Source AI Index folder in either layout, detected from its files.

* 2023 layout (opening-up-chatgpt.github.io, ``projects/*.yaml``): a ``project:``
  block and 14 dimensions; scored by :mod:`modelatlas.openness.osai`.
* 2026 layout (European Open Source AI Index, ``systems/*.yaml``): a ``system:``
  block, ``org:``, and the parameters of ``_parameters.yml``; scored by
  :mod:`modelatlas.openness.osai2026`.

``DIR`` may be the folder of YAML files or its parent (holding ``systems/`` or
``projects/``). Every file is read once, with a size bound; a file that cannot
be read, or that is of the other layout, is skipped with its reason, never
stopping the rest. A folder whose readable files are of both layouts is refused:
the two are different indexes with different scales.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelatlas.errors import InputError
from modelatlas.openness import osai, osai2026
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

EDITION_2023 = "2023"
EDITION_2026 = "2026"
EDITIONS = (EDITION_2023, EDITION_2026)
MAX_FILES = 5000


@dataclass
class IndexLoad:
    edition: str
    folder: Path
    projects: list[osai.Project] = field(default_factory=list)       # 2023
    systems: list[osai2026.System] = field(default_factory=list)     # 2026
    skipped: list[tuple[str, str]] = field(default_factory=list)
    parameters_source: str | None = None

    @property
    def count(self) -> int:
        return len(self.projects) + len(self.systems)


def yaml_folder(folder: Path) -> Path:
    """The folder holding the YAML files: ``folder`` or its ``systems/``/``projects/``."""
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}")
    if not any(folder.glob("*.yaml")):
        for sub in ("systems", "projects"):
            if (folder / sub).is_dir():
                return folder / sub
    return folder


def _read(path: Path) -> tuple[str, Any]:
    try:
        if path.stat().st_size > osai2026.MAX_FILE_BYTES:
            raise InputError(f"larger than {osai2026.MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
        return text, yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read: {str(exc).splitlines()[0]}") from None


def _layout(doc: Any) -> str | None:
    if osai2026.is_system_doc(doc):
        return EDITION_2026
    if isinstance(doc, dict) and isinstance(doc.get("project"), dict):
        return EDITION_2023
    return None


def load(folder: Path) -> IndexLoad:
    """Every system or project of the index in ``folder``, scored and ranked."""
    src = yaml_folder(folder)
    files = sorted(p for p in src.glob("*.yaml") if p.is_file())
    if len(files) > MAX_FILES:
        raise InputError(f"{src}: more than {MAX_FILES} YAML files; not an index folder")
    docs: list[tuple[Path, str, Any]] = []
    skipped: list[tuple[str, str]] = []
    for p in files:
        try:
            text, doc = _read(p)
        except InputError as exc:
            skipped.append((p.name, str(exc)))
            continue
        docs.append((p, text, doc))
    layouts = {_layout(d) for p, _, d in docs if p.name != osai2026.TEMPLATE_FILE} - {None}
    if len(layouts) > 1:
        raise InputError(f"{src}: holds files of both the 2023 (project:) and the 2026 "
                         "(system:) layout; import them from separate folders")
    if not layouts:
        raise InputError(f"no OSAI project or system files in {src}")
    edition = str(layouts.pop())
    out = IndexLoad(edition, src, skipped=skipped)
    if edition == EDITION_2026:
        params, out.parameters_source = osai2026.load_parameters(src)
        systems = []
        for p, text, doc in docs:
            reason = osai2026.skip_reason(p.name, doc)
            if reason:
                out.skipped.append((p.name, reason))
                continue
            systems.append(osai2026.build_system(p.name, text, doc, params))
        out.systems = osai2026.rank(systems)
        return out
    projects = []
    for p, _, doc in docs:
        if osai.is_sample(p.name):
            out.skipped.append((p.name, "sample/template file"))
            continue
        if _layout(doc) != EDITION_2023:
            out.skipped.append((p.name, "no project: block (not a 2023-layout project file)"))
            continue
        proj = osai.project_from_doc(p.name, doc)
        if proj is None:
            out.skipped.append((p.name, "no project.name: the published Index drops it"))
            continue
        projects.append(proj)
    out.projects = osai.rank(projects)
    return out
