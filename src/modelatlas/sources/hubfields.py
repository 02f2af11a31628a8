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

from modelatlas.sources.records import parse_timestamp

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
}
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
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise ValueError(f"{what} is not a whole number: {value!r}")


def as_text(value: Any) -> str | None:
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def as_list(value: Any, what: str) -> list[str] | None:
    value = literal(value)
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(v) for v in value if v is not None]
    raise ValueError(f"{what} is not a list: {value!r}"[:200])


def card(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The model card metadata as a dict (it may come as YAML text)."""
    raw = literal(pick(rec, CARD_KEYS))
    if raw is None:
        return {}
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError:
            return {}
    return raw if isinstance(raw, dict) else {}


def params(rec: Mapping[str, Any]) -> int | None:
    st = literal(rec.get("safetensors"))
    if isinstance(st, dict):
        total = st.get("total")
        if isinstance(total, int):
            return total
        p = st.get("parameters")
        if isinstance(p, dict):
            return sum(v for v in p.values() if isinstance(v, int)) or None
    gguf = literal(rec.get("gguf"))
    if isinstance(gguf, dict) and isinstance(gguf.get("total"), int):
        return int(gguf["total"])
    return None


def canonical(rec: Mapping[str, Any]) -> dict[str, Any]:
    """One canonical row from a ModelInfo-like mapping; ValueError if unusable."""
    if not isinstance(rec, Mapping):
        raise ValueError("record is not an object")
    out: dict[str, Any] = {}
    for key in ("id", "author", "pipeline_tag", "library", "gated"):
        out[key] = as_text(pick(rec, ALIASES[key]))
    for key in ("created_at", "last_modified"):
        out[key] = parse_timestamp(as_text(pick(rec, ALIASES[key])), key)
    if out["created_at"] == CREATED_AT_PLACEHOLDER:
        out["created_at"] = None  # the Hub's "older than our records", not a date
    for key in ("downloads_30d", "downloads_all_time", "likes"):
        out[key] = as_int(pick(rec, ALIASES[key]), key)
    out["tags"] = as_list(pick(rec, ALIASES["tags"]), "tags") or []
    out["params_total"] = params(rec)
    c = card(rec)
    if c:
        out["card_license"] = as_text(c.get("license")) if not isinstance(
            c.get("license"), list) else as_text((c.get("license") or [None])[0])
        out["card_license_name"] = as_text(c.get("license_name"))
        out["card_license_link"] = as_text(c.get("license_link"))
        base = c.get("base_model")
        if base is not None:
            out["card_base_models"] = as_list(base, "base_model")
        rel = c.get("base_model_relation")
        out["card_base_relation"] = as_text(rel)
    if out["id"] is None:
        raise ValueError("missing model id")
    return out
