"""National origin as the 2026 index states it -> ISO country code and region.

The index writes origin as a country name in a header comment; the rest of
modelatlas attributes by ISO 3166-1 alpha-2 code and region (us, china, eu,
other; see :func:`modelatlas.catalog.orgs.region_for_country`). The names are
mapped through a curated table (``data/countries.yaml``); a name not in it keeps
its text but gets no code and region ``unknown``, so it is counted as unknown
rather than guessed. "International" (a multinational collaboration) is its own
region, ``international``, with no country.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from modelatlas.catalog.orgs import region_for_country
from modelatlas.errors import CatalogError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

INTERNATIONAL = "international"


@dataclass(frozen=True)
class Origin:
    country: str | None   # ISO alpha-2, or 'international', or None when unknown
    region: str           # us | china | eu | other | international | unknown


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    text = resources.files("modelatlas.openness").joinpath("data", "countries.yaml")
    doc: Any = yaml.load(text.read_text("utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    if not isinstance(doc, dict):
        raise CatalogError("openness/data/countries.yaml: expected a mapping")
    countries = {str(k).strip().lower(): str(v).upper()
                 for k, v in (doc.get("countries") or {}).items()}
    special = {str(k).strip().lower(): str(v) for k, v in (doc.get("special") or {}).items()}
    if any(len(v) != 2 for v in countries.values()):
        raise CatalogError("openness/data/countries.yaml: codes must be ISO alpha-2")
    return countries, special


def resolve(name: str | None) -> Origin:
    """Country code and region for an origin text (``None`` -> unknown)."""
    if not name or not name.strip():
        return Origin(None, "unknown")
    key = " ".join(name.split()).lower()
    countries, special = _tables()
    if key in special:
        kind = special[key]
        return Origin(INTERNATIONAL, INTERNATIONAL) if kind == INTERNATIONAL else Origin(
            None, "unknown")
    code = countries.get(key)
    if code is None:
        return Origin(None, "unknown")
    return Origin(code, region_for_country(code))
