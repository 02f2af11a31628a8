"""The licence catalog shipped with the package: ids, families and obligations.

The facts live in ``data/licenses.yaml`` (each with its source URL), so they can
be reviewed and corrected without touching code. Loading validates the file:
a catalog with a missing family or source URL is a bug in the data, reported as
:class:`~modelatlas.errors.CatalogError` rather than guessed around.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from modelatlas.errors import CatalogError, NotFoundError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

FAMILIES = (
    "permissive", "copyleft", "open-weight-custom", "non-commercial", "proprietary", "unknown",
)  # fmt: skip


@dataclass(frozen=True)
class License:
    """One licence and what it obliges (see docs/licences.md for the conventions).

    Booleans: ``None`` means not determined (the notes say why). Caps and duty
    texts: ``None`` means the licence states none.
    """

    id: str
    name: str
    family: str
    commercial_use: bool | None
    user_cap_mau: int | None
    revenue_cap_usd: int | None
    attribution: str | None
    naming: str | None
    acceptable_use_policy: str | None
    outputs_train_other_models: bool | None
    territorial: str | None
    derivative_terms: str | None
    revocable: bool | None
    source_url: str
    notes: str | None
    spdx: tuple[str, ...] = ()
    osi_approved: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["spdx"] = list(self.spdx)
        return d


_FIELDS = {f.name for f in fields(License)}
_YAML_ONLY = {"template", "spdx", "osi"}


def _read_yaml(name: str) -> Any:
    text = resources.files("modelatlas.licenses").joinpath("data").joinpath(name).read_text("utf-8")
    return yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)


def _build(entry: dict[str, Any], templates: dict[str, dict[str, Any]]) -> License:
    unknown = set(entry) - _FIELDS - _YAML_ONLY
    if unknown:
        raise CatalogError(f"licence {entry.get('id')!r}: unknown fields {sorted(unknown)}")
    merged: dict[str, Any] = {}
    tpl = entry.get("template")
    if tpl is not None:
        if tpl not in templates:
            raise CatalogError(f"licence {entry.get('id')!r}: unknown template {tpl!r}")
        merged.update(templates[tpl])
    merged.update({k: v for k, v in entry.items() if k not in _YAML_ONLY})
    lid = merged.get("id")
    if not isinstance(lid, str) or not lid or lid != lid.lower():
        raise CatalogError(f"licence id must be a lower-case string: {lid!r}")
    if merged.get("family") not in FAMILIES:
        raise CatalogError(f"licence {lid!r}: family must be one of {FAMILIES}")
    if not merged.get("source_url"):
        raise CatalogError(f"licence {lid!r}: source_url is required")
    if not merged.get("name"):
        raise CatalogError(f"licence {lid!r}: name is required")
    for key in ("user_cap_mau", "revenue_cap_usd"):
        v = merged.get(key)
        if v is not None and (not isinstance(v, int) or v <= 0):
            raise CatalogError(f"licence {lid!r}: {key} must be a positive integer or null")
    for key in ("commercial_use", "outputs_train_other_models", "revocable"):
        v = merged.get(key)
        if v is not None and not isinstance(v, bool):
            raise CatalogError(f"licence {lid!r}: {key} must be true, false or null")
    spdx = entry.get("spdx") or []
    values: dict[str, Any] = {
        name: merged.get(name) for name in _FIELDS if name not in ("spdx", "osi_approved")
    }
    return License(**values, spdx=tuple(spdx), osi_approved=bool(entry.get("osi", False)))


@lru_cache(maxsize=1)
def catalog() -> dict[str, License]:
    """Every catalog licence by id (loaded once, validated)."""
    doc = _read_yaml("licenses.yaml")
    templates = doc.get("templates") or {}
    out: dict[str, License] = {}
    for entry in doc.get("licenses") or []:
        lic = _build(entry, templates)
        if lic.id in out:
            raise CatalogError(f"duplicate licence id {lic.id!r}")
        out[lic.id] = lic
    for required in ("other", "unknown"):
        if required not in out:
            raise CatalogError(f"catalog lacks the {required!r} licence")
    return out


def get(license_id: str) -> License:
    """The catalog entry for ``license_id``; NotFoundError if there is none."""
    try:
        return catalog()[license_id]
    except KeyError:
        raise NotFoundError(f"no licence {license_id!r} in the catalog") from None


def family_of(license_id: str | None) -> str:
    """Family of a licence id, 'unknown' for None or an id not in the catalog."""
    lic = catalog().get(license_id or "unknown")
    return lic.family if lic else "unknown"
