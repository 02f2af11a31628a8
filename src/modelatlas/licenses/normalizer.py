"""Raw licence values (Hub tags, cardData, MOF/OSAI names) to canonical catalog ids.

Order of resolution for one value: a catalog id, a curated alias
(``data/aliases.yaml``), then an SPDX id or deprecated SPDX id understood by the
``license-expression`` package. When the Hub says ``other`` (or says nothing),
cardData ``license_name`` and then ``license_link`` are tried. A value that maps
nowhere becomes ``unknown`` and is reported by :func:`unmapped`; nothing is forced
onto a guess. Compound SPDX expressions (``MIT OR Apache-2.0``) are not collapsed
to one licence: they stay unmapped unless an alias says otherwise.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml
from license_expression import ExpressionError, LicenseSymbol, get_spdx_licensing

from modelatlas.errors import CatalogError
from modelatlas.licenses.registry import catalog
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

ELLIPSES = ("…", "...")
_SEP = re.compile(r"[\s_]+")


def key(value: str) -> str:
    """Match key of a raw value: trimmed, unquoted, lower case, spaces/underscores -> '-'."""
    v = value.strip().strip("\"'`").strip().lower()
    return _SEP.sub("-", v)


@dataclass(frozen=True)
class _Tables:
    aliases: dict[str, str]
    links: tuple[tuple[re.Pattern[str], str], ...]
    spdx: dict[str, str]
    hub_ids: tuple[str, ...]


@lru_cache(maxsize=1)
def _tables() -> _Tables:
    data = resources.files("modelatlas.licenses").joinpath("data")
    text = data.joinpath("aliases.yaml").read_text("utf-8")
    doc: dict[str, Any] = yaml.load(text, Loader=_LOADER)  # noqa: S506 (a safe loader)
    ids = catalog()
    aliases: dict[str, str] = {}
    for raw, target in (doc.get("aliases") or {}).items():
        if target not in ids:
            raise CatalogError(f"alias {raw!r} points to unknown licence {target!r}")
        aliases[key(str(raw))] = target
    links = []
    for rule in doc.get("links") or []:
        if rule["id"] not in ids:
            raise CatalogError(f"link rule {rule['pattern']!r} points to unknown {rule['id']!r}")
        links.append((re.compile(rule["pattern"], re.IGNORECASE), str(rule["id"])))
    spdx = {s.lower(): lic.id for lic in ids.values() for s in lic.spdx}
    hub_ids = tuple(str(h) for h in doc.get("hub_ids") or [])
    return _Tables(aliases, tuple(links), spdx, hub_ids)


def hub_ids() -> tuple[str, ...]:
    """Licence identifiers offered by the Hub (for cut-tag completion and tests)."""
    return _tables().hub_ids


@lru_cache(maxsize=4096)
def _spdx_lookup(value: str) -> str | None:
    try:
        expr = get_spdx_licensing().parse(value, validate=False)
    except (ExpressionError, ValueError, TypeError):
        return None
    if not isinstance(expr, LicenseSymbol):
        return None  # compound expression or nothing
    return _tables().spdx.get(str(expr.key).lower())


def lookup(value: str | None) -> str | None:
    """Canonical id for one raw value, or None when it maps nowhere."""
    if value is None:
        return None
    k = key(value)
    if not k:
        return None
    ids = catalog()
    if k in ids:
        return k
    t = _tables()
    if k in t.aliases:
        return t.aliases[k]
    if k in t.spdx:
        return t.spdx[k]
    return _spdx_lookup(value.strip())


def lookup_link(link: str | None) -> str | None:
    """Canonical id from a cardData ``license_link`` URL pattern, or None."""
    if not link:
        return None
    for rx, lid in _tables().links:
        if rx.search(link):
            return lid
    return None


@dataclass(frozen=True)
class Resolution:
    """Outcome of normalising one (license, license_name, license_link) triple.

    ``how``: raw | name | link (mapped from that field), other (the Hub value
    'other' with nothing more we could map), unmapped (some value mapped
    nowhere), empty (no value at all).
    """

    id: str
    how: str


def resolve(raw: str | None, name: str | None = None, link: str | None = None) -> Resolution:
    """Normalise a raw licence with the cardData name/link fallbacks, saying how."""
    raw_id = lookup(raw)
    if raw_id is not None and raw_id not in ("other", "unknown"):
        return Resolution(raw_id, "raw")
    if raw_id is None or raw_id == "other":
        name_id = lookup(name)
        if name_id is not None and name_id not in ("other", "unknown"):
            return Resolution(name_id, "name")
        link_id = lookup_link(link)
        if link_id is not None:
            return Resolution(link_id, "link")
    if raw_id == "other":
        return Resolution("other", "other")
    if raw_id == "unknown":
        return Resolution("unknown", "raw")
    has_any = any(v is not None and v.strip() for v in (raw, name, link))
    return Resolution("unknown", "unmapped" if has_any else "empty")


def normalize(raw: str | None, name: str | None = None, link: str | None = None) -> str:
    """Canonical licence id for a raw value ('unknown' when it cannot be mapped)."""
    return resolve(raw, name, link).id


def complete_truncated(cut: str) -> str | None:
    """Canonical id for a ``license:`` tag value the source cut short, or None.

    ``apac…`` resolves to apache-2.0 because only one Hub identifier starts with
    ``apac``; ``a…`` or ``llama3…`` stay unresolved (several do).
    """
    prefix = cut.strip()
    for e in ELLIPSES:
        if prefix.endswith(e):
            prefix = prefix[: -len(e)]
    prefix = prefix.strip().lower()
    if not prefix:
        return None
    matches = [h for h in hub_ids() if h.startswith(prefix)]
    if len(matches) != 1:
        return None
    return lookup(matches[0])


def unmapped(values: Iterable[str | None]) -> Counter[str]:
    """Raw values (with their counts) that :func:`lookup` cannot map."""
    out: Counter[str] = Counter()
    for v in values:
        if v is not None and v.strip() and lookup(v) is None:
            out[v] += 1
    return out
