"""Model families (Qwen, Llama, Gemma, ...): which family a root repository belongs to.

A family is a property of a *root* (foundation) repository, decided by ordered
rules in ``data/families.yaml``: developer namespace first, then the repo name.
The same rules run in Python (:func:`family_of`, for one id) and in DuckDB
(:func:`sql_case`, for millions of roots at once), so both always agree.

The file is schema-checked: unknown keys are refused, and every family a rule
produces must be declared under ``families`` with a ``source_url``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from modelatlas.errors import CatalogError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).


@dataclass(frozen=True)
class Rule:
    family: str
    orgs: tuple[str, ...]  # lower-cased namespaces; empty = any
    pattern: str | None  # searched in the lower-cased repo name

    def matches(self, org: str, name: str) -> bool:
        if self.orgs and org not in self.orgs:
            return False
        return self.pattern is None or re.search(self.pattern, name) is not None


_TOP = frozenset(("families", "rules"))
_FAMILY_KEYS = frozenset(("family", "source_url", "notes"))
_RULE_KEYS = frozenset(("family", "orgs", "pattern"))


def _unknown(raw: Any, allowed: frozenset[str], where: str) -> None:
    if not isinstance(raw, dict):
        raise CatalogError(f"families.yaml {where}: not a mapping")
    extra = sorted(str(k) for k in raw if k not in allowed)
    if extra:
        raise CatalogError(f"families.yaml {where}: unknown key {extra[0]!r}")


@functools.cache
def declared() -> dict[str, str]:
    """Family -> source URL, as declared in the catalog."""
    data = _load()
    out: dict[str, str] = {}
    for i, raw in enumerate(data.get("families") or [], 1):
        _unknown(raw, _FAMILY_KEYS, f"family {i}")
        fam = str(raw.get("family") or "").strip()
        url = str(raw.get("source_url") or "").strip()
        if not fam or not url:
            raise CatalogError(f"families.yaml family {i}: needs a family and a source_url")
        if fam in out:
            raise CatalogError(f"families.yaml: family {fam!r} declared twice")
        out[fam] = url
    return out


@functools.cache
def _load() -> dict[str, Any]:
    text = resources.files("modelatlas.catalog").joinpath("data/families.yaml").read_text(
        "utf-8"
    )
    data: Any = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    _unknown(data, _TOP, "top level")
    return dict(data)


@functools.cache
def rules() -> tuple[Rule, ...]:
    """The ordered family rules of the shipped catalog (validated, cached)."""
    data = _load()
    known = declared()
    out: list[Rule] = []
    for i, raw in enumerate(data.get("rules") or [], 1):
        _unknown(raw, _RULE_KEYS, f"rule {i}")
        fam = str(raw.get("family") or "").strip()
        orgs = tuple(str(o).lower() for o in raw.get("orgs") or [])
        pat = raw.get("pattern")
        if not fam or (not orgs and not pat):
            raise CatalogError(f"families.yaml rule {i}: needs a family and orgs or pattern")
        if fam not in known:
            raise CatalogError(f"families.yaml rule {i}: family {fam!r} is not declared"
                               " under families (with its source_url)")
        if pat is not None:
            try:
                re.compile(pat)
            except re.error as exc:
                raise CatalogError(f"families.yaml rule {i}: bad pattern {pat!r}: {exc}") from exc
        out.append(Rule(fam, orgs, pat))
    return tuple(out)


def families() -> list[str]:
    """Every family name the catalog can produce, in first-rule order."""
    seen: dict[str, None] = {}
    for r in rules():
        seen.setdefault(r.family, None)
    return list(seen)


def split_id(model_id: str) -> tuple[str, str]:
    """(lower-cased namespace, lower-cased name); the namespace is '' for legacy ids."""
    mid = model_id.strip().lower()
    if "/" in mid:
        org, name = mid.split("/", 1)
        return org, name
    return "", mid


def family_of(model_id: str | None) -> str | None:
    """The family of a root repository id, or ``None`` when no rule matches."""
    if not model_id:
        return None
    org, name = split_id(model_id)
    for r in rules():
        if r.matches(org, name):
            return r.family
    return None


def sql_case(id_col: str) -> tuple[str, list[Any]]:
    """SQL ``CASE`` computing the family of ``id_col``, with its parameters (in order).

    ``id_col`` is a trusted column expression (never user input); patterns and
    family names are bound as parameters.
    """
    org = f"(CASE WHEN strpos({id_col}, '/') > 0 THEN lower(split_part({id_col}, '/', 1))" \
        " ELSE '' END)"
    name = f"(CASE WHEN strpos({id_col}, '/') > 0 THEN lower(substr({id_col}, strpos({id_col}," \
        f" '/') + 1)) ELSE lower({id_col}) END)"
    all_orgs = sorted({o for r in rules() for o in r.orgs})
    combined = "|".join(f"(?:{r.pattern})" for r in rules() if r.pattern and not r.orgs)
    # Fast exit for the (many) ids no rule can match: one set test and one regex.
    parts: list[str] = [f"WHEN NOT (list_contains(?::VARCHAR[], {org})"
                        f" OR regexp_matches({name}, ?)) THEN NULL"]
    params: list[Any] = [all_orgs, combined]
    for r in rules():
        conds: list[str] = []
        if r.orgs:
            conds.append(f"list_contains(?::VARCHAR[], {org})")
            params.append(list(r.orgs))
        if r.pattern is not None:
            conds.append(f"regexp_matches({name}, ?)")
            params.append(r.pattern)
        parts.append(f"WHEN {' AND '.join(conds)} THEN ?")
        params.append(r.family)
    return "CASE " + " ".join(parts) + " END", params
