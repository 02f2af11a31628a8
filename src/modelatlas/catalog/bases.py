"""Licences of base models, offline: exact repos, family patterns, then the licence catalog.

A derivative is bound by its bases' licences whatever its own card says, so the
licence of the *base* must be known even when the base is not in the store.
Three layers, first match wins (``data/bases.yaml``, each entry sourced):

1. ``repos``: exact repo ids (case-insensitive);
2. ``families``: org + lower-case name pattern, for families under one licence
   that the licence catalog's foundation rules do not name (Qwen3.5+, MiniCPM5...);
3. the licence catalog's own foundation-repo rules (``licenses/data/repos.yaml``).

The same rows drive :func:`lookup` (one id, in Python) and :func:`licence_sql`
(set-based, in DuckDB, for every edge of a store), and a test keeps them equal.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb
import yaml

from modelatlas.errors import CatalogError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

RULES_VIEW = "_ma_base_rules"
_IDENT = re.compile(r"_?[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class BaseRule:
    kind: str  # repo | family | licence-catalog
    org: str  # lower-case namespace
    seq: int  # order: repo 0; families and catalog rules by position
    id_lower: str | None  # exact rules
    pattern: str | None  # lower-case, matched in full against lower(name)
    license_id: str
    source: str
    note: str | None = None

    @property
    def rank(self) -> tuple[int, int]:
        return ({"repo": 0, "family": 1}.get(self.kind, 2), self.seq)


@dataclass(frozen=True)
class BaseLicence:
    model_id: str
    license_id: str
    source: str
    rule: str  # which layer named it
    note: str | None = None


@functools.cache
def _doc() -> dict[str, Any]:
    text = resources.files("modelatlas.catalog").joinpath("data/bases.yaml").read_text("utf-8")
    doc = yaml.load(text, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)
    if not isinstance(doc, dict):
        raise CatalogError("bases.yaml: not a mapping")
    return doc


@functools.cache
def rules() -> tuple[BaseRule, ...]:
    """Every rule, validated: licence ids exist, patterns compile, sources present."""
    from modelatlas.licenses import catalog, repos

    ids = catalog()
    doc = _doc()
    out: list[BaseRule] = []
    for e in doc.get("repos") or []:
        mid, lid, src = str(e.get("id", "")), str(e.get("license", "")), e.get("source")
        if "/" not in mid or lid not in ids or not src:
            raise CatalogError(f"bases.yaml repo {mid!r}: needs an org/name id, a catalog "
                               f"licence (got {lid!r}) and a source")
        out.append(BaseRule("repo", mid.split("/", 1)[0].lower(), 0, mid.lower(), None, lid,
                            str(src), e.get("note")))
    seq = 0
    for org, entries in (doc.get("families") or {}).items():
        for e in entries or []:
            pat, lid, src = str(e.get("pattern", "")), str(e.get("license", "")), e.get("source")
            if lid not in ids or not src or pat != pat.lower():
                raise CatalogError(f"bases.yaml {org}/{pat}: needs a catalog licence, a "
                                   "source and a lower-case pattern")
            try:
                re.compile(pat)
            except re.error as exc:
                raise CatalogError(f"bases.yaml {org}/{pat}: {exc}") from exc
            seq += 1
            out.append(BaseRule("family", str(org).lower(), seq, None, pat, lid, str(src),
                                e.get("note")))
    for r in repos.rules():
        out.append(BaseRule("licence-catalog", r.org, 1000 + r.seq, None, r.pattern,
                            r.license_id, r.source, r.note))
    return tuple(out)


@functools.cache
def orgs() -> dict[str, str]:
    """Original publishers' namespaces: lower case -> canonical spelling (listed order)."""
    out = {str(o).lower(): str(o) for o in _doc().get("orgs") or []}
    for r in rules():
        if r.kind == "repo" and r.id_lower:
            out.setdefault(r.org, r.id_lower.split("/", 1)[0])
    for r in rules():
        out.setdefault(r.org, r.org)
    return out


@functools.cache
def _compiled() -> tuple[dict[str, BaseRule], dict[str, list[tuple[re.Pattern[str], BaseRule]]]]:
    exact = {r.id_lower: r for r in rules() if r.kind == "repo" and r.id_lower}
    by_org: dict[str, list[tuple[re.Pattern[str], BaseRule]]] = {}
    for r in sorted((r for r in rules() if r.pattern), key=lambda r: r.rank):
        by_org.setdefault(r.org, []).append((re.compile(r.pattern or ""), r))
    return exact, by_org


def lookup(model_id: str) -> BaseLicence | None:
    """The licence of ``model_id`` as a base, if the catalog knows it."""
    if "/" not in model_id:
        return None
    exact, by_org = _compiled()
    hit = exact.get(model_id.lower())
    if hit is None:
        org, name = model_id.lower().split("/", 1)
        hit = next((r for rx, r in by_org.get(org, []) if rx.fullmatch(name)), None)
    if hit is None:
        return None
    return BaseLicence(model_id, hit.license_id, hit.source, hit.kind, hit.note)


def complete_cut(prefix: str) -> str | None:
    """The one catalogued repo id a cut id (``facebook/nllb-200-distilled-60…``) can be."""
    p = prefix.rstrip("…").rstrip(".").lower()
    if "/" not in p or len(p) < 8:
        return None
    found = [r.id_lower for r in rules() if r.kind == "repo" and r.id_lower
             and r.id_lower.startswith(p)]
    if len(found) != 1 or found[0] is None:
        return None
    spelled = next((str(e["id"]) for e in _doc().get("repos") or []
                    if str(e.get("id", "")).lower() == found[0]), found[0])
    return spelled


def rules_columns() -> dict[str, list[Any]]:
    """The rules as columns for a set-based join."""
    rs = rules()
    return {
        "kind": [r.kind for r in rs], "org": [r.org for r in rs],
        "rank_kind": [r.rank[0] for r in rs], "seq": [r.seq for r in rs],
        "id_lower": [r.id_lower for r in rs], "pattern": [r.pattern for r in rs],
        "license_id": [r.license_id for r in rs], "source": [r.source for r in rs],
    }


def load_rows(con: duckdb.DuckDBPyConnection, name: str, columns: dict[str, list[Any]]) -> None:
    """(Re)create the temporary table ``name`` on ``con`` from ``columns``.

    Why not ``con.register`` of an Arrow table: DuckDB imports pandas to inspect
    any registered Python object (about a second of a cold ``check``); list
    parameters unnested side by side give the same rows without it, and a
    temporary table works on a read-only store too. ``name`` and the column names
    come from this package's constants, never from data.
    """
    if not _IDENT.fullmatch(name) or not all(_IDENT.fullmatch(c) for c in columns):
        raise CatalogError(f"not a table name: {name!r}")
    cols = ", ".join(
        f"unnest(${c}::{'BIGINT' if all(isinstance(v, int) for v in vals) else 'VARCHAR'}[])"
        f" AS {c}" for c, vals in columns.items())
    con.execute("SELECT 1").fetchall()  # settle a pending result first
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT {cols}", columns).fetchall()


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make the rules visible as ``_ma_base_rules`` on ``con`` (idempotent)."""
    load_rows(con, RULES_VIEW, rules_columns())


def licence_sql(ids_sql: str) -> str:
    """SQL giving ``(id, license_id, source, rule)`` for the ids of ``ids_sql`` (column
    ``id``) that the catalog knows; needs :func:`register` on the connection first."""
    return f"""
        WITH ids AS (SELECT DISTINCT id FROM ({ids_sql}) WHERE strpos(id, '/') > 0),
        k AS (SELECT id, lower(split_part(id, '/', 1)) AS org,
                     lower(substr(id, strpos(id, '/') + 1)) AS name FROM ids),
        hits AS (
            SELECT k.id, r.license_id, r.source, r.kind, r.rank_kind, r.seq
            FROM k JOIN {RULES_VIEW} r ON r.kind = 'repo' AND r.id_lower = lower(k.id)
            UNION ALL
            SELECT k.id, r.license_id, r.source, r.kind, r.rank_kind, r.seq
            FROM k JOIN {RULES_VIEW} r ON r.pattern IS NOT NULL AND r.org = k.org
                AND regexp_full_match(k.name, r.pattern)
        )
        SELECT id, arg_min(license_id, (rank_kind, seq)) AS license_id,
               arg_min(source, (rank_kind, seq)) AS source,
               arg_min(kind, (rank_kind, seq)) AS rule
        FROM hits GROUP BY id
    """


PROPAGATES_VIEW = "_ma_lic_propagates"


def _register_propagating(con: duckdb.DuckDBPyConnection) -> None:
    """Licences whose terms bind derivatives (``derivative_terms`` set in the catalog)."""
    from modelatlas.licenses import catalog

    ids = sorted(lid for lid, lic in catalog().items() if lic.derivative_terms)
    load_rows(con, PROPAGATES_VIEW, {"license_id": ids})


def coverage_sql(con: duckdb.DuckDBPyConnection) -> tuple[str, list[object]]:
    """SQL giving one row per base (edge parent) of the store at ``con``:
    ``(parent, edges, how, source)``, ``how`` NULL when its licence is not known offline.

    ``how`` says where the licence comes from, most direct first:
    ``self`` (the base's own row in the store, or the base catalog), ``reupload``
    (the original that the base copies), ``root`` (a root of the base, counted only
    when that root's licence binds derivatives: a Llama-3 fine-tune is bound by
    Llama's terms whatever its card says, while an Apache-2.0 root says nothing
    about the licence its fine-tune's author chose). ``source`` is ``store`` or the
    catalog layer (``repo``, ``family``, ``licence-catalog``). Needs nothing
    registered beforehand; registers the rule tables on ``con``.
    """
    from modelatlas.catalog import reuploads

    register(con)
    reuploads.register(con)
    _register_propagating(con)
    ru_sql, ru_params = reuploads.edges_sql(
        "SELECT parent AS id FROM edges UNION SELECT root_id FROM roots")
    sql = f"""
        WITH e AS (SELECT DISTINCT child, parent FROM edges WHERE child <> parent),
        ru AS ({ru_sql}),
        up AS (
            SELECT DISTINCT parent AS id, parent AS via, 'self' AS how FROM e
            UNION SELECT r.model_id, r.root_id, 'root' FROM roots r
                  WHERE r.model_id IN (SELECT parent FROM e) AND r.root_id <> r.model_id
        ),
        cand AS (
            SELECT id, via, how FROM up
            UNION SELECT up.id, ru.parent, CASE up.how WHEN 'self' THEN 'reupload' ELSE 'root' END
                  FROM up JOIN ru ON ru.child = up.via
        ),
        st AS (SELECT lower(id) AS lid, min(license_id) AS license_id FROM models
               WHERE license_id IS NOT NULL AND license_id NOT IN ('unknown', 'other')
               GROUP BY lower(id)),
        cat AS ({licence_sql("SELECT via AS id FROM cand")}),
        lic AS (
            SELECT c.id, c.how, coalesce(st.license_id, cat.license_id) AS license_id,
                   CASE WHEN st.lid IS NOT NULL THEN 'store' ELSE cat.rule END AS source
            FROM cand c LEFT JOIN st ON st.lid = lower(c.via) LEFT JOIN cat ON cat.id = c.via
            WHERE st.lid IS NOT NULL OR cat.id IS NOT NULL
        ),
        ok AS (
            SELECT id, how, source,
                   CASE how WHEN 'self' THEN 0 WHEN 'reupload' THEN 1 ELSE 2 END AS rk
            FROM lic
            WHERE how <> 'root' OR license_id IN (SELECT license_id FROM {PROPAGATES_VIEW})
        ),
        best AS (SELECT id, arg_min(how, (rk, source)) AS how,
                        arg_min(source, (rk, source)) AS source FROM ok GROUP BY id)
        SELECT e.parent, count(*) AS edges, b.how, b.source
        FROM e LEFT JOIN best b ON b.id = e.parent
        GROUP BY e.parent, b.how, b.source
    """
    return sql, ru_params


def edge_coverage(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """How many lineage edges of the store at ``con`` have a base licence known offline.

    Returns ``edges``, ``known``, ``share``, ``by_how`` (edges per origin of the
    answer, see :func:`coverage_sql`) and ``unknown_bases`` (``(parent, edges)`` of
    the bases whose licence stays unknown, most edges first). Set-based: one query.
    """
    sql, params = coverage_sql(con)
    rows = con.execute(f"SELECT * FROM ({sql}) ORDER BY edges DESC, parent", params).fetchall()
    edges = sum(int(r[1]) for r in rows)
    by_how: dict[str, int] = {}
    for r in rows:
        key = f"{r[2]}:{r[3]}" if r[2] else "unknown"
        by_how[key] = by_how.get(key, 0) + int(r[1])
    known = edges - by_how.get("unknown", 0)
    return {"edges": edges, "known": known, "share": known / edges if edges else 0.0,
            "by_how": by_how,
            "unknown_bases": [(str(r[0]), int(r[1])) for r in rows if r[2] is None]}
