"""Map one Hub ModelInfo record (API JSON, ``huggingface_hub`` or dump CSV) to canonical.

The Hub has spelled the same field several ways over time (``createdAt`` /
``created_at``, ``downloadsAllTime`` / ``downloads_all_time``, ``cardData`` /
``card_data``); some dumps stringify every value as a Python literal
(``"False"``, ``"['a', 'b']"``) and keep the model card as YAML text. All of
that is undone here, without ever evaluating code (``ast.literal_eval`` only
reads literals; YAML is read with ``safe_load``).
"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Mapping
from typing import Any

import yaml

from modelatlas.sources.records import check_int, parse_timestamp

ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "modelId", "model_id"),
    "author": ("author",),
    "created_at": ("createdAt", "created_at"),
    "last_modified": ("lastModified", "last_modified"),
    "pipeline_tag": ("pipeline_tag", "pipelineTag"),
    "library": ("library_name", "libraryName", "library"),
    "gated": ("gated",),
    "tags": ("tags",),
    "downloads_30d": ("downloads",),
    "downloads_all_time": ("downloadsAllTime", "downloads_all_time"),
    "likes": ("likes",),
    "trending_score": ("trendingScore", "trending_score"),
    "used_storage": ("usedStorage", "used_storage"),
    "children_count": ("childrenModelCount", "children_model_count"),
    "base_models": ("baseModels", "base_models"),
    "num_parameters": ("numParameters", "num_parameters"),
}
RELATIONS = ("finetune", "adapter", "quantized", "merge")
CARD_KEYS = ("cardData", "card_data")
# huggingface_hub hf_api.py ModelInfo: "the lowest value is 2022-03-02T23:29:04.000Z,
# corresponding to the date when we began to store creation dates" (docs/ingest.md).
CREATED_AT_PLACEHOLDER = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)


def pick(rec: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for n in names:
        if n in rec and rec[n] is not None:
            return rec[n]
    return None


def literal(value: Any) -> Any:
    """Undo a dump's stringification: ``"None"`` -> None, ``"[1, 2]"`` -> [1, 2]."""
    if not isinstance(value, str):
        return value
    s = value.strip()
    if s in ("None", "null", ""):
        return None
    if s in ("True", "False"):
        return s == "True"
    digits = s[1:] if s[:1] == "-" else s
    if len(s) <= 40 and digits.isascii() and digits.isdigit() and (
            digits[0] != "0" or len(digits) == 1):
        # A plain decimal integer: what literal_eval would give, without parsing
        # Python (it was 60% of the time of a 5M-line CSV).
        return int(s)
    if s[:1] in "[{(" or s.lstrip("-").isdigit():
        try:
            return ast.literal_eval(s)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return value
    return value


def as_int(value: Any, what: str) -> int | None:
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"{what} is not a number: {value!r}")
    if isinstance(value, int):
        return check_int(value, what)
    if isinstance(value, float) and value.is_integer():
        return check_int(int(value), what)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 40:
        return check_int(int(value), what)
    raise ValueError(f"{what} is not a whole number: {str(value)[:60]!r}")


def as_float(value: Any, what: str) -> float | None:
    """A finite number (the Hub's trending score), else ValueError."""
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"{what} is not a number: {str(value)[:60]!r}")
    try:
        out = float(value)
    except (ValueError, OverflowError):
        raise ValueError(f"{what} is not a number: {str(value)[:60]!r}") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError(f"{what} is not a finite number")
    return out


def as_text(value: Any, what: str = "value") -> str | None:
    """A scalar as text; ValueError for an object or list (never stringified: a
    hostile record could nest them deeply or alias them exponentially)."""
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple | set):
        raise ValueError(f"{what} is not text")
    return str(value)


def card_text(value: Any) -> str | None:
    """A model-card field as text: a scalar, the first scalar of a list, else None."""
    if isinstance(value, list | tuple):
        value = next((v for v in value if v is not None), None)
    if isinstance(value, dict | list | tuple | set):
        return None
    return as_text(value)


def as_list(value: Any, what: str) -> list[str] | None:
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        out = []
        for v in value:
            if v is None:
                continue
            if not isinstance(v, str | int | float):  # never stringify nested structures
                raise ValueError(f"{what} is not a list of text")
            out.append(str(v))
        return out
    raise ValueError(f"{what} is not a list: {str(value)[:200]!r}")


def card(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The model card metadata as a dict (it may come as YAML text)."""
    raw = literal(pick(rec, CARD_KEYS))
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except (yaml.YAMLError, RecursionError):
            return {}
    return raw if isinstance(raw, dict) else {}


def _count(value: Any, what: str) -> int | None:
    """A parameter count: a positive whole number (floats from JSON are rounded)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return None
        value = round(value)
    if not isinstance(value, int):
        return None
    check_int(value, what)
    return value if value > 0 else None


def params(rec: Mapping[str, Any]) -> int | None:
    """Total parameters as the Hub states them, first found of: ``safetensors.total``,
    the sum of ``safetensors.parameters`` (per dtype), ``gguf.total``,
    ``numParameters`` (trending listings)."""
    st = literal(rec.get("safetensors"))
    if isinstance(st, dict):
        total = _count(st.get("total"), "safetensors.total")
        if total is not None:
            return total
        p = st.get("parameters")
        if isinstance(p, dict):
            parts = [_count(v, "safetensors.parameters") for v in p.values()]
            n = sum(v for v in parts if v is not None)
            if n:
                return check_int(n, "safetensors.parameters")
    gguf = literal(rec.get("gguf"))
    if isinstance(gguf, dict):
        total = _count(gguf.get("total"), "gguf.total")
        if total is not None:
            return total
    return _count(literal(pick(rec, ALIASES["num_parameters"])), "numParameters")


def children(value: Any) -> int | None:
    """``childrenModelCount``: a number, or a count per relation (summed)."""
    value = literal(value)
    if isinstance(value, dict):
        parts = [as_int(v, "childrenModelCount") for v in value.values()]
        return check_int(sum(v for v in parts if v is not None), "childrenModelCount")
    return as_int(value, "childrenModelCount")


def base_models(value: Any) -> list[dict[str, str | None]] | None:
    """The Hub's ``baseModels`` as ``[{id, relation}]``.

    Accepted shapes: a list of ``{id, relation}`` objects, the API's
    ``{relation, models: [{id}]}`` object, or a list of ids (relation unknown).
    Relations other than finetune/adapter/quantized/merge become None (unknown).
    """
    value = literal(value)
    if value is None:
        return None
    shared: Any = None
    if isinstance(value, dict):
        shared = value.get("relation")
        value = value.get("models")
        if value is None:
            return None
    if not isinstance(value, list | tuple):
        raise ValueError("baseModels is not a list")
    out: list[dict[str, str | None]] = []
    for item in value:
        rel: Any = shared
        if isinstance(item, dict):
            mid, rel = item.get("id"), item.get("relation", shared)
        else:
            mid = item
        if not isinstance(mid, str) or not mid.strip():
            raise ValueError("baseModels item has no id")
        rel = rel.lower() if isinstance(rel, str) and rel.lower() in RELATIONS else None
        out.append({"id": mid.strip(), "relation": rel})
    return out


def canonical(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One canonical row from a ModelInfo-like mapping; ValueError if unusable."""
    if not isinstance(rec, Mapping):
        raise ValueError("record is not an object")
    out: dict[str, Any] = {}
    for key in ("id", "author", "pipeline_tag", "library", "gated"):
        out[key] = as_text(pick(rec, ALIASES[key]), key)
    for key in ("created_at", "last_modified"):
        out[key] = parse_timestamp(as_text(pick(rec, ALIASES[key]), key), key)
    if out["created_at"] == CREATED_AT_PLACEHOLDER:
        out["created_at"] = None  # the Hub's "older than our records", not a date
    for key in ("downloads_30d", "downloads_all_time", "likes", "used_storage"):
        out[key] = as_int(pick(rec, ALIASES[key]), key)
    out["trending_score"] = as_float(pick(rec, ALIASES["trending_score"]), "trendingScore")
    out["children_count"] = children(pick(rec, ALIASES["children_count"]))
    out["base_models"] = base_models(pick(rec, ALIASES["base_models"]))
    out["tags"] = as_list(pick(rec, ALIASES["tags"]), "tags") or []
    out["params_total"] = params(rec)
    c = card(rec)
    if c:
        out["card_license"] = card_text(c.get("license"))
        out["card_license_name"] = card_text(c.get("license_name"))
        out["card_license_link"] = card_text(c.get("license_link"))
        base = c.get("base_model")
        if base is not None:
            out["card_base_models"] = as_list(base, "base_model")
        out["card_base_relation"] = card_text(c.get("base_model_relation"))
    if out["id"] is None:
        raise ValueError("missing model id")
    return out
