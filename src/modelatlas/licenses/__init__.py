"""Licences: the catalog (ids, families, obligations), normalisation, repo licences.

Shared interface (see the team brief)::

    normalize(raw, name=None, link=None) -> str   # canonical id, 'unknown' if unmapped
    get(license_id) -> License                    # the catalog entry
    catalog() -> dict[str, License]
    repo_license(model_id) -> str | None          # licence of major foundation repos
    unmapped(values) -> Counter[str]              # raw values that map nowhere

Store-side reads (usage, unmapped values in the store, change events) are the
``licenses`` and ``changes`` queries in :mod:`modelatlas.queries.licenses`.
"""

from __future__ import annotations

from modelatlas.licenses.normalizer import (
    Resolution,
    complete_truncated,
    lookup,
    normalize,
    resolve,
    unmapped,
)
from modelatlas.licenses.registry import FAMILIES, License, catalog, family_of, get
from modelatlas.licenses.repos import repo_license, repo_rule

__all__ = [
    "FAMILIES",
    "License",
    "Resolution",
    "catalog",
    "complete_truncated",
    "family_of",
    "get",
    "lookup",
    "normalize",
    "repo_license",
    "repo_rule",
    "resolve",
    "unmapped",
]
