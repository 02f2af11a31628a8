"""Openness of the model and its roots, from the imported frameworks.

MOF class and OSAI score are ratings of named releases, so a fine-tune is rarely
rated itself: we show the ratings linked (by the openness module) to the model
and to each of its root models. Imports are lazy; without the openness module,
or before ``modelatlas import mof|osai``, the report says what is missing.
"""

from __future__ import annotations

import importlib
from typing import Any

from modelatlas.check.hub import table_exists
from modelatlas.errors import ModelAtlasError
from modelatlas.store.db import Store


def _linked(store: Store, model_id: str) -> dict[str, Any]:
    imports = importlib.import_module("modelatlas.openness.imports")
    found: dict[str, Any] = imports.linked_entries(store, model_id)
    return found


def describe(store: Store | None, model_id: str, roots: list[str]) -> dict[str, Any]:
    """``{model: {mof, osai}, roots: {id: {mof, osai}}, profile, notes}``."""
    out: dict[str, Any] = {"model": None, "roots": {}, "profile": None, "notes": []}
    if store is None:
        out["notes"].append("openness: no store, so no imported MOF/OSAI ratings and no "
                            "own profile")
        return out
    out["profile"] = _profile(store, model_id, out["notes"])
    if not (table_exists(store, "mof_models") and table_exists(store, "osai_projects")):
        out["notes"].append("MOF/OSAI ratings not available in this store")
        return out
    try:
        out["model"] = _linked(store, model_id)
        for r in roots:
            if r.lower() != model_id.lower():
                out["roots"][r] = _linked(store, r)
    except (ImportError, AttributeError, ModelAtlasError) as exc:
        out["notes"].append(f"MOF/OSAI ratings not available: {exc}")
        return out
    rated = [x for x in [out["model"], *out["roots"].values()] if x and (x["mof"] or x["osai"])]
    if not rated:
        out["notes"].append("no MOF or OSAI rating linked to this model or its roots "
                            "(import them with `modelatlas import mof|osai DIR`)")
    return out


def _profile(store: Store, model_id: str, notes: list[str]) -> Any:
    try:
        mod = importlib.import_module("modelatlas.openness.profile")
    except ImportError:
        notes.append("own openness profile not available")
        return None
    fn = getattr(mod, "profile", None)
    if fn is None:
        notes.append("own openness profile not available")
        return None
    try:
        return fn(store, model_id)
    except ModelAtlasError as exc:
        notes.append(f"own openness profile not computed: {exc}")
        return None
