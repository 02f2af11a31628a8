"""The licence facts ``check`` needs, read through :mod:`modelatlas.licenses`.

The licence catalog is another module's data; this adapter imports it lazily
and turns its ``License`` records into :class:`Terms`, tolerant of how a field
is spelled (a bool, a yes/no string, a URL or a sentence). When the catalog is
not installed, every licence is ``known=False`` and the report says so instead
of guessing.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from types import ModuleType
from typing import Any

UNKNOWN = "unknown"
# How far a licence family restricts reuse: higher = more restrictive. Used to
# spot a derivative that declares a more permissive licence than its base.
_FAMILY_RANK = (
    ("public-domain", 0), ("permissive", 0), ("weak-copyleft", 1), ("copyleft", 2),
    ("rail", 3), ("open-weight", 3), ("restricted", 3), ("custom", 3), ("community", 3),
    ("non-commercial", 4), ("noncommercial", 4), ("research", 5), ("proprietary", 6),
)


@dataclass(frozen=True)
class Terms:
    """One licence's terms, normalised for duties and conflicts."""

    id: str
    known: bool
    name: str | None = None
    family: str | None = None
    commercial_use: bool | None = None
    commercial_note: str | None = None
    user_cap_mau: int | None = None
    revenue_cap_usd: int | None = None
    attribution: str | None = None
    naming: str | None = None
    acceptable_use_policy: str | None = None
    outputs_train_other_models: bool | None = None
    outputs_note: str | None = None
    territorial: str | None = None
    derivative_terms: str | None = None
    revocable: bool | None = None
    source_url: str | None = None
    notes: str | None = None
    spdx: tuple[str, ...] = ()

    @property
    def rank(self) -> int | None:
        """Restrictiveness (0 permissive ... 6 proprietary), None when unknown."""
        if not self.known:
            return None
        if self.commercial_use is False:
            fam = f"{self.family or ''} {self.name or ''}".lower()
            return 5 if "research" in fam else 4
        fam = (self.family or "").lower()
        for key, r in _FAMILY_RANK:
            if key in fam:
                return r
        return None


def catalog_module() -> ModuleType | None:
    """The licence catalog package, or None while it is not available."""
    try:
        mod = importlib.import_module("modelatlas.licenses")
    except ImportError:
        return None
    if not all(hasattr(mod, name) for name in ("normalize", "get")):
        return None  # the package is still being written
    return mod


def available() -> bool:
    return catalog_module() is not None


def _tri(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    s = str(value).strip().lower()
    if s in ("yes", "true", "allowed", "permitted", "y", "1"):
        return True
    if s in ("no", "false", "prohibited", "forbidden", "not-allowed", "n", "0", "none"):
        return False
    if s.startswith(("conditional", "limited", "restricted", "with")):
        return True
    return None


def _text(value: Any, default: str) -> str | None:
    """A duty field: None/False -> no duty; True -> ``default``; text -> the text."""
    if value is None or value is False:
        return None
    if value is True:
        return default
    s = str(value).strip()
    if not s or s.lower() in ("no", "false", "none", "n/a"):
        return None
    if s.lower() in ("yes", "true", "required"):
        return default
    return s


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value).replace(",", "").replace("_", ""))
    except ValueError:
        return None


def normalize(raw: str | None, name: str | None = None, link: str | None = None) -> str:
    """Canonical licence id of a declared licence ('unknown' when not mappable)."""
    mod = catalog_module()
    if mod is None or not raw:
        return (raw or UNKNOWN).strip().lower() if raw else UNKNOWN
    try:
        return str(mod.normalize(raw, name=name, link=link))
    except Exception:  # a catalog bug must not break the check
        return UNKNOWN


def repo_license(model_id: str) -> str | None:
    """Licence of a major foundation repo from the built-in catalog, if it knows it."""
    mod = catalog_module()
    if mod is None or not hasattr(mod, "repo_license"):
        return None
    try:
        found = mod.repo_license(model_id)
    except Exception:  # same: degrade, do not crash
        return None
    return str(found) if found else None


def terms(license_id: str | None) -> Terms:
    """The :class:`Terms` of a canonical licence id."""
    lid = (license_id or UNKNOWN).strip() or UNKNOWN
    mod = catalog_module()
    if mod is None or lid == UNKNOWN:
        return Terms(lid, known=False)
    try:
        lic = mod.get(lid)
    except Exception:  # unknown id: the catalog may raise
        lic = None
    if lic is None or getattr(lic, "family", None) in (None, "", UNKNOWN):
        return Terms(lid, known=False, name=getattr(lic, "name", None),
                     source_url=getattr(lic, "source_url", None))

    def g(attr: str) -> Any:
        return getattr(lic, attr, None)

    cu = g("commercial_use")
    otm = g("outputs_train_other_models")
    return Terms(
        id=str(g("id") or lid),
        known=True,
        name=g("name"),
        family=g("family"),
        commercial_use=_tri(cu),
        commercial_note=str(cu) if isinstance(cu, str) and _tri(cu) is not False else None,
        user_cap_mau=_int(g("user_cap_mau")),
        revenue_cap_usd=_int(g("revenue_cap_usd")),
        attribution=_text(g("attribution"), "keep the licence text and attribution notices"),
        naming=_text(g("naming"), "derivative names must follow the licence's naming rule"),
        acceptable_use_policy=_text(g("acceptable_use_policy"),
                                    "comply with the licence's acceptable use policy"),
        outputs_train_other_models=_tri(otm),
        outputs_note=str(otm) if isinstance(otm, str) else None,
        territorial=_text(g("territorial"), "territorial restriction applies"),
        derivative_terms=_text(g("derivative_terms"),
                               "derivatives must carry the same licence terms"),
        revocable=_tri(g("revocable")),
        source_url=g("source_url"),
        notes=g("notes"),
        spdx=tuple(str(x) for x in (g("spdx") or ())),
    )
