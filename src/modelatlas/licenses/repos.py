"""Licences of major foundation-model repositories (``data/repos.yaml``).

Foundation labs publish many sizes under different licences (Qwen2.5-3B is a
research licence while Qwen2.5-7B is Apache-2.0; Llama 3.1 vs 3.2 differ in an
EU clause), and their own metadata is sometimes missing or just ``other``. The
rules here name the licence per org and model-name pattern, each with a source.
The same rules are available as rows for a set-based SQL join (:func:`rules`),
so Python and SQL give the same answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import yaml

from modelatlas.errors import CatalogError
from modelatlas.licenses.registry import catalog
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).


@dataclass(frozen=True)
class RepoRule:
    org: str  # lower-cased Hub namespace
    seq: int  # order within the org: the first full match wins
    pattern: str  # lower-case regular expression, matched against lower(name)
    license_id: str
    source: str
    note: str | None


@lru_cache(maxsize=1)
def rules() -> tuple[RepoRule, ...]:
    """All repo rules, validated (ids exist, patterns compile and are lower case)."""
    data = resources.files("modelatlas.licenses").joinpath("data")
    text = data.joinpath("repos.yaml").read_text("utf-8")
    doc = yaml.load(text, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)
    ids = catalog()
    out: list[RepoRule] = []
    for org, entries in (doc.get("repos") or {}).items():
        for seq, e in enumerate(entries or []):
            pat, lid = str(e["pattern"]), str(e["license"])
            if lid not in ids:
                raise CatalogError(f"repos.yaml {org}/{pat}: unknown licence {lid!r}")
            if pat != pat.lower():
                raise CatalogError(f"repos.yaml {org}/{pat}: patterns must be lower case")
            try:
                re.compile(pat)
            except re.error as exc:
                raise CatalogError(f"repos.yaml {org}/{pat}: {exc}") from exc
            if not e.get("source"):
                raise CatalogError(f"repos.yaml {org}/{pat}: source is required")
            out.append(RepoRule(str(org).lower(), seq, pat, lid, str(e["source"]), e.get("note")))
    return tuple(out)


@lru_cache(maxsize=1)
def _by_org() -> dict[str, list[tuple[re.Pattern[str], RepoRule]]]:
    out: dict[str, list[tuple[re.Pattern[str], RepoRule]]] = {}
    for r in rules():
        out.setdefault(r.org, []).append((re.compile(r.pattern), r))
    return out


def repo_rule(model_id: str) -> RepoRule | None:
    """The rule that names the licence of ``model_id``, if it is a known foundation repo."""
    if "/" not in model_id:
        return None
    org, name = model_id.split("/", 1)
    for rx, rule in _by_org().get(org.lower(), []):
        if rx.fullmatch(name.lower()):
            return rule
    return None


def repo_license(model_id: str) -> str | None:
    """Licence id of a major foundation repo (meta-llama/Llama-3.1-8B -> llama3.1), else None."""
    rule = repo_rule(model_id)
    return rule.license_id if rule else None
