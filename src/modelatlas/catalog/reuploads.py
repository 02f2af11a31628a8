"""Re-upload resolution: inferred lineage edges from a re-upload to the original repo.

``unsloth/Llama-3.2-1B-Instruct``, ``bartowski/Qwen_Qwen3-8B-GGUF`` or
``someone/CohereLabs.command-a-translate-08-2025-GGUF`` copy, convert or quantize
another publisher's model; the original's licence binds them. The rules
(``data/reuploads.yaml``) and the known originals (:mod:`.bases`) become ONE
SQL query, :func:`edges_sql`, that yields ``(child, parent, relation, origin)``
with ``origin = 'reupload-rule'`` for any set of ids: ``check`` runs it on the
ids of one chain, root attribution can run it on every model of a store, and
both get the same answer. :func:`resolve` is the one-call Python door.

Method, in SQL: strip packaging suffixes from the name (``-GGUF``, ``-bnb-4bit``,
...); a repo is a re-upload when its namespace is a re-packager or a suffix was
stripped. The original's namespace is the one written into the name
(``Org_Model``/``Org.Model``) when it is a known publisher, else the one whose
catalogued repo or family pattern matches the stripped name (the most specific
pattern wins). Nothing is inferred otherwise: unknown stays unknown.
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from importlib import resources
from typing import Any

import duckdb
import yaml

from modelatlas.catalog import bases
from modelatlas.errors import CatalogError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

#: libyaml's safe loader when built in (the same documents, ~10x faster to parse).

ORIGIN = "reupload-rule"
#: Only Hub ids (org/name) are read, and only Hub ids are named as originals: a base
#: written as a quoted string or a local path is not a repository (hf-new-models has
#: ``base_model:"Qwen/Qwen2.5-7B-Instruct"``).
HUB_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}"
RELATIONS = ("reupload", "quantized", "finetune")
_VIEWS = ("_ma_reup_orgs", "_ma_reup_known")


@dataclass(frozen=True, order=True)
class Edge:
    child: str
    parent: str
    relation: str
    origin: str = ORIGIN


@functools.cache
def _doc() -> dict[str, Any]:
    text = resources.files("modelatlas.catalog").joinpath("data/reuploads.yaml").read_text(
        "utf-8")
    doc = yaml.load(text, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)
    for e in doc.get("repackagers") or []:
        if e.get("relation") not in RELATIONS or not e.get("source") or not e.get("org"):
            raise CatalogError(f"reuploads.yaml: bad re-packager {e!r}")
    for rel in (doc.get("suffixes") or {}):
        if rel not in RELATIONS:
            raise CatalogError(f"reuploads.yaml: unknown suffix relation {rel!r}")
    return dict(doc)


def repackagers() -> dict[str, str]:
    """lower-case namespace -> relation of its copies."""
    return {str(e["org"]).lower(): str(e["relation"]) for e in _doc()["repackagers"]}


def suffix_rx(relation: str | None = None) -> str:
    """The packaging-suffix regex (case-insensitive use); a repo whose name matches it,
    or whose namespace is a re-packager, is a candidate of :func:`edges_sql` (the
    Spark derive narrows its nodes with the same test)."""
    return _suffix_rx(relation)


def _suffix_rx(relation: str | None = None) -> str:
    tokens = [str(t) for rel, ts in _doc()["suffixes"].items() if relation in (None, rel)
              for t in ts]
    alt = "|".join(sorted((re.escape(t) for t in tokens), key=len, reverse=True))
    return f"([-_. ]({alt}))+$"


@functools.cache
def tables() -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(re-packager namespaces, known originals) as columns for the SQL join."""
    reps = repackagers()
    prefix = {str(e["org"]).lower(): str(e.get("prefix") or "") for e in _doc()["repackagers"]}
    orgs_t: dict[str, list[Any]] = {"org": list(reps), "relation": list(reps.values()),
                                    "prefix": [prefix[o] for o in reps]}
    known = [(r.org, r.id_lower, r.pattern, len(r.pattern or r.id_lower or ""))
             for r in bases.rules()]
    canon = bases.orgs()
    order = {o: i for i, o in enumerate(canon)}  # bases.yaml `orgs` order breaks ties
    known_t: dict[str, list[Any]] = {
        "org": [k[0] for k in known], "canon": [canon.get(k[0], k[0]) for k in known],
        "id_lower": [k[1] for k in known], "pattern": [k[2] for k in known],
        "specificity": [k[3] for k in known],
        "org_order": [order.get(k[0], len(order)) for k in known]}
    return orgs_t, known_t


def register(con: duckdb.DuckDBPyConnection) -> None:
    """Make the rules visible to :func:`edges_sql` on ``con``."""
    reps, known = tables()
    bases.load_rows(con, _VIEWS[0], reps)
    bases.load_rows(con, _VIEWS[1], known)


def edges_sql(ids_sql: str) -> tuple[str, list[object]]:
    """The query (and its parameters) of inferred edges for the ids of ``ids_sql``
    (a query with a column ``id``); :func:`register` must have run on the connection."""
    any_rx, quant_rx, fine_rx = _suffix_rx(), _suffix_rx("quantized"), _suffix_rx("finetune")
    canon_orgs = sorted(bases.orgs())
    sql = f"""
        WITH ids AS (SELECT DISTINCT id FROM ({ids_sql})
                     WHERE regexp_full_match(id, '{HUB_ID}')),
        n AS (
            SELECT id, split_part(id, '/', 1) AS org,
                   substr(id, strpos(id, '/') + 1) AS name FROM ids
        ),
        s AS (
            SELECT n.*, regexp_replace(
                       CASE WHEN r.prefix <> '' AND starts_with(lower(name), lower(r.prefix))
                            THEN substr(name, length(r.prefix) + 1) ELSE name END,
                       ?, '', 'i') AS base,
                   regexp_matches(name, ?, 'i') AS quant,
                   regexp_matches(name, ?, 'i') AS modified,
                   r.relation AS rep_relation
            FROM n LEFT JOIN {_VIEWS[0]} r ON r.org = lower(n.org)
        ),
        cand AS (
            SELECT * FROM s WHERE base <> '' AND (rep_relation IS NOT NULL OR base <> name)
        ),
        named AS (  -- Org_Model / Org.Model: the original's namespace is in the name
            SELECT c.id, regexp_extract(c.base, '^([A-Za-z0-9][A-Za-z0-9-]*)[._](.+)$', 1)
                       AS norg,
                   regexp_extract(c.base, '^([A-Za-z0-9][A-Za-z0-9-]*)[._](.+)$', 2) AS nname
            FROM cand c
        ),
        by_name AS (
            SELECT d.id, k.canon || '/' || d.nname AS parent, 0 AS pri, 0 AS spec,
                   0 AS org_order
            FROM named d JOIN (SELECT DISTINCT org, canon FROM {_VIEWS[1]}) k
                ON k.org = lower(d.norg)
            WHERE d.norg <> '' AND lower(d.norg) IN (SELECT unnest(?::VARCHAR[]))
        ),
        by_catalog AS (  -- the publisher whose repo or family matches the stripped name
            SELECT c.id,
                   CASE WHEN k.id_lower IS NOT NULL THEN k.canon || '/' ||
                        substr(k.id_lower, strpos(k.id_lower, '/') + 1)
                        ELSE k.canon || '/' || c.base END AS parent,
                   CASE WHEN k.id_lower IS NOT NULL THEN 1 ELSE 2 END AS pri,
                   k.specificity AS spec, k.org_order
            FROM cand c JOIN {_VIEWS[1]} k
                ON (k.id_lower IS NOT NULL
                    AND substr(k.id_lower, strpos(k.id_lower, '/') + 1) = lower(c.base))
                OR (k.pattern IS NOT NULL AND regexp_full_match(lower(c.base), k.pattern))
            WHERE lower(c.org) <> k.org
        ),
        best AS (
            SELECT id, arg_min(parent, (pri, -spec, org_order, parent)) AS parent
            FROM (SELECT * FROM by_name UNION ALL SELECT * FROM by_catalog)
            GROUP BY id
        )
        SELECT c.id AS child, b.parent,
               CASE WHEN c.quant THEN 'quantized'
                    WHEN c.modified THEN 'finetune'
                    ELSE coalesce(c.rep_relation, 'reupload') END AS relation,
               '{ORIGIN}' AS origin
        FROM cand c JOIN best b USING (id)
        WHERE lower(b.parent) <> lower(c.id) AND regexp_full_match(b.parent, '{HUB_ID}')
    """
    return sql, [any_rx, quant_rx, fine_rx, canon_orgs]


_LOCK = threading.Lock()
_MEMORY: list[duckdb.DuckDBPyConnection] = []


_ANSWERS: dict[str, tuple[Edge, ...]] = {}  # the rules are fixed: an id's answer never changes
_ANSWERS_MAX = 200_000


def resolve(ids: list[str], con: duckdb.DuckDBPyConnection | None = None) -> list[Edge]:
    """Inferred edges for ``ids`` (the same query as :func:`edges_sql`), on ``con`` or
    on one private in-memory connection kept for the process (the rules registered
    once, answers remembered)."""
    if not ids:
        return []
    sql, params = edges_sql("SELECT unnest(?::VARCHAR[]) AS id")
    if con is not None:
        register(con)
        rows = con.execute(sql, [list(ids), *params]).fetchall()
        return sorted(Edge(str(a), str(b), str(r), str(o)) for a, b, r, o in rows)
    with _LOCK:
        todo = sorted({i for i in ids if i not in _ANSWERS})
        if todo:
            if not _MEMORY:
                mem = duckdb.connect()
                register(mem)
                _MEMORY.append(mem)
            rows = _MEMORY[0].execute(sql, [todo, *params]).fetchall()
            found: dict[str, list[Edge]] = {}
            for a, b, r, o in rows:
                found.setdefault(str(a), []).append(Edge(str(a), str(b), str(r), str(o)))
            if len(_ANSWERS) > _ANSWERS_MAX:
                _ANSWERS.clear()
            for i in todo:
                _ANSWERS[i] = tuple(found.get(i, ()))
        return sorted(e for i in set(ids) for e in _ANSWERS.get(i, ()))
