"""One model's lineage: parents, roots, depth, descendants and the origin of its roots.

The ``lineage`` query and due-diligence checks read it. It reads the derived
``roots`` table and walks descendants generation by generation in SQL
(cycle-safe: a node is visited once), through a
:class:`~modelatlas.queries._engine.Reader` with named parameters only, so the
same code runs on any engine behind the reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelatlas.errors import NotFoundError
from modelatlas.lineage.edges import CANON_EDGES
from modelatlas.queries._registry import Sql

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

RELATIONS = ("finetune", "adapter", "quantized", "merge", "unknown")
#: The most specific relation first (portable: no list parameters).
RELATION_RANK = ("CASE relation " + " ".join(
    f"WHEN '{r}' THEN {i}" for i, r in enumerate(("merge", "quantized", "adapter",
                                                  "finetune", "unknown"))) + " ELSE 99 END")
ROOT_ORG = ("CASE WHEN strpos(r.root_id, '/') > 0 THEN split_part(r.root_id, '/', 1) END")
#: Generations walked at most (a Hub chain is a handful deep; this bounds hostile graphs).
MAX_GENERATIONS = 1000


def resolve_id(reader: Reader, model_id: str) -> str:
    """The stored spelling of ``model_id`` (case-insensitive), or NotFoundError."""
    mid = model_id.strip()
    rows = reader.rows(
        """
        SELECT id FROM (
            SELECT id FROM models WHERE lower(id) = lower($id)
            UNION SELECT model_id AS id FROM roots WHERE lower(model_id) = lower($id)
        ) AS known ORDER BY CASE WHEN id = $id THEN 0 ELSE 1 END, id LIMIT 1
        """, {"id": mid})
    if not rows:
        raise NotFoundError(f"model not in the store: {mid}")
    return str(rows[0]["id"])


def descendants(reader: Reader, model_id: str) -> dict[str, Any]:
    """Counts of everything derived from ``model_id``: per relation, per generation.

    A descendant is counted once, under the relation of the edge by which it is
    first reached (fewest generations); ``children`` counts direct derivatives.
    """
    edges = reader.temp(Sql(f"SELECT child, parent, relation FROM ({CANON_EDGES}) AS ce"
                            " WHERE child <> parent"))
    seen = reader.temp(Sql("SELECT CAST($id AS VARCHAR) AS id, 0 AS depth,"
                           " CAST(NULL AS VARCHAR) AS relation", {"id": model_id}))
    made = [edges, seen]
    front = seen
    try:
        for depth in range(1, MAX_GENERATIONS + 1):
            nxt = reader.temp(Sql(f"""
                SELECT e.child AS id, CAST($depth AS INTEGER) AS depth,
                       arg_min(e.relation, {RELATION_RANK.replace('relation', 'e.relation')})
                           AS relation
                FROM {front} f JOIN {edges} e ON e.parent = f.id
                WHERE NOT EXISTS (SELECT 1 FROM {seen} s WHERE s.id = e.child)
                GROUP BY e.child""", {"depth": depth}))
            made.append(nxt)
            if not reader.scalar(f"SELECT count(*) FROM {nxt}"):
                break
            seen = reader.temp(Sql(f"SELECT id, depth, relation FROM {seen}"
                                   f" UNION ALL SELECT id, depth, relation FROM {nxt}"))
            made.append(seen)
            front = nxt
        by_rel = dict.fromkeys(RELATIONS, 0)
        by_rel |= {str(r["relation"]): int(r["n"]) for r in reader.rows(
            f"SELECT relation, count(*) AS n FROM {seen} WHERE depth > 0"
            " GROUP BY relation ORDER BY relation")}
        children = {str(r["relation"]): int(r["n"]) for r in reader.rows(
            f"SELECT relation, count(DISTINCT child) AS n FROM {edges} WHERE parent = $id"
            " GROUP BY relation ORDER BY relation", {"id": model_id})}
        gens = {int(r["depth"]): int(r["n"]) for r in reader.rows(
            f"SELECT depth, count(*) AS n FROM {seen} WHERE depth > 0"
            " GROUP BY depth ORDER BY depth")}
    finally:
        reader.drop(*made)
    return {"by_relation": by_rel, "total": sum(by_rel.values()), "children": children,
            "by_generation": gens}


def describe(reader: Reader, model_id: str) -> dict[str, Any]:
    """Everything ``modelatlas lineage MODEL_ID --json`` prints, as one dict.

    Keys: ``id``, ``parents`` [{id, relation, origin}], ``roots`` [ids],
    ``root_details`` [{root, depth, weight, family}], ``depth`` (generations to the
    farthest root; 0 for a root), ``families``, ``descendants`` {relation: count},
    ``descendants_total``, ``children`` {relation: count}, ``origin`` [{root, org,
    display_name, country, region, kind}] and ``issues`` (cycle / self-loop notes).
    """
    mid = resolve_id(reader, model_id)
    p = {"id": mid}
    parents = reader.rows(
        f"SELECT parent AS id, relation, origin FROM ({CANON_EDGES}) AS ce WHERE child = $id"
        " AND parent <> child ORDER BY parent", p)
    roots = reader.rows(
        "SELECT root_id AS root, depth, weight, family FROM roots WHERE model_id = $id"
        " ORDER BY depth, root_id", p)
    origin = reader.rows(
        f"""
        SELECT r.root_id AS root, {ROOT_ORG} AS org,
               o.display_name, o.country, coalesce(o.region, 'unknown') AS region,
               coalesce(o.kind, 'unknown') AS kind
        FROM roots r LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
        WHERE r.model_id = $id
        ORDER BY r.depth, r.root_id
        """, p)
    issues = reader.rows(
        "SELECT kind, detail FROM lineage_issues WHERE model_id = $id ORDER BY kind", p)
    desc = descendants(reader, mid)
    fams = sorted({str(r["family"]) for r in roots if r["family"]})
    return {
        "id": mid,
        "parents": [{"id": x["id"], "relation": x["relation"], "origin": x["origin"]}
                    for x in parents],
        "roots": [r["root"] for r in roots],
        "root_details": roots,
        "depth": max((int(r["depth"]) for r in roots), default=0),
        "families": fams,
        "descendants": desc["by_relation"],
        "descendants_total": desc["total"],
        "descendants_by_generation": desc["by_generation"],
        "children": desc["children"],
        "origin": origin,
        "issues": issues,
    }
