"""Who made a model: the org registry entry of its Hub namespace.

The store's ``orgs`` table (catalog plus the user's overrides, as loaded by the
derive step) is read first; without a store, the shipped catalog
(:func:`modelatlas.catalog.orgs.lookup`). A namespace in neither is reported
as unknown, never guessed.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from modelatlas.check.hub import table_exists
from modelatlas.errors import ModelAtlasError

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

FIELDS = ("org", "display_name", "country", "region", "kind", "parent", "source_url")


def lookup(namespace: str | None, reader: Reader | None) -> dict[str, Any]:
    """Registry facts of ``namespace`` with ``source`` (store | catalog | unknown)."""
    out: dict[str, Any] = dict.fromkeys(FIELDS)
    out.update(org=namespace, region="unknown", kind="unknown", source="unknown")
    if not namespace:
        return out
    if reader is not None and table_exists(reader.store, "orgs"):
        rows = reader.rows(
            "SELECT org, display_name, country, region, kind, parent, source_url FROM orgs"
            " WHERE org = lower($org)", {"org": namespace})
        if rows:
            out.update(rows[0], org=namespace, source="store")
            return out
    try:
        orgs = importlib.import_module("modelatlas.catalog.orgs")
        entry = orgs.lookup(namespace)
    except (ImportError, ModelAtlasError):
        entry = None
    if entry is not None:
        out.update({k: getattr(entry, k, None) for k in FIELDS}, org=namespace,
                   source="catalog")
    return out
