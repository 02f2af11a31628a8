"""One model's lineage: parents, roots, depth, descendants and the origin of its roots.

Used by ``modelatlas lineage MODEL_ID`` and by due-diligence checks. Reads the
derived ``roots`` table (call :func:`modelatlas.derive.refresh` first) and walks
descendants generation by generation in SQL (cycle-safe: a node is visited once).
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import NotFoundError
from modelatlas.lineage.roots import CANON_EDGES
from modelatlas.store.db import Store

RELATIONS = ("finetune", "adapter", "quantized", "merge", "unknown")


def _resolve_id(store: Store, model_id: str) -> str:
    """The stored spelling of ``model_id`` (case-insensitive), or NotFoundError."""
    mid = model_id.strip()
    row = store.rows(
        """
        SELECT id FROM (
            SELECT id FROM models WHERE lower(id) = lower(?)
            UNION SELECT model_id FROM roots WHERE lower(model_id) = lower(?)
        ) ORDER BY (id = ?) DESC, id LIMIT 1
        """,
        [mid, mid, mid],
    )
    if not row:
        raise NotFoundError(f"model not in the store: {mid}")
    return str(row[0]["id"])


def descendants(store: Store, model_id: str) -> dict[str, Any]:
    """Counts of everything derived from ``model_id``: per relation, per generation.

    A descendant is counted once, under the relation of the edge by which it is
    first reached (fewest generations); ``children`` counts direct derivatives.
    """
    con = store.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE _desc_e AS {CANON_EDGES}")
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _desc_seen AS"
        " SELECT ?::VARCHAR AS id, 0 AS depth, NULL::VARCHAR AS relation",
        [model_id],
    )
    con.execute("CREATE OR REPLACE TEMP TABLE _desc_front AS SELECT * FROM _desc_seen")
    try:
        depth = 0
        while True:
            depth += 1
            con.execute(
                """
                CREATE OR REPLACE TEMP TABLE _desc_next AS
                SELECT e.child AS id, ? AS depth,
                       arg_min(e.relation, list_position(?::VARCHAR[], e.relation)) AS relation
                FROM _desc_front f JOIN _desc_e e ON e.parent = f.id
                ANTI JOIN _desc_seen s ON s.id = e.child
                GROUP BY e.child
                """,
                [depth, list(RELATIONS)],
            )
            n = store.scalar("SELECT count(*) FROM _desc_next")
            if not n:
                break
            con.execute("INSERT INTO _desc_seen SELECT id, depth, relation FROM _desc_next")
            con.execute("CREATE OR REPLACE TEMP TABLE _desc_front AS SELECT * FROM _desc_next")
        by_rel = dict.fromkeys(RELATIONS, 0)
        by_rel |= {
            str(r["relation"]): int(r["n"])
            for r in store.rows(
                "SELECT relation, count(*) AS n FROM _desc_seen WHERE depth > 0"
                " GROUP BY relation ORDER BY relation"
            )
        }
        children = {
            str(r["relation"]): int(r["n"])
            for r in store.rows(
                "SELECT relation, count(DISTINCT child) AS n FROM _desc_e WHERE parent = ?"
                " AND child <> parent GROUP BY relation ORDER BY relation",
                [model_id],
            )
        }
        gens = {
            int(r["depth"]): int(r["n"])
            for r in store.rows(
                "SELECT depth, count(*) AS n FROM _desc_seen WHERE depth > 0"
                " GROUP BY depth ORDER BY depth"
            )
        }
    finally:
        for t in ("_desc_e", "_desc_seen", "_desc_front", "_desc_next"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return {
        "by_relation": by_rel,
        "total": sum(by_rel.values()),
        "children": children,
        "by_generation": gens,
    }


def describe(store: Store, model_id: str) -> dict[str, Any]:
    """Everything ``modelatlas lineage MODEL_ID --json`` prints, as one dict.

    Keys: ``id``, ``parents`` [{id, relation, origin}], ``roots`` [ids],
    ``root_details`` [{root, depth, weight, family}], ``depth`` (generations to the
    farthest root; 0 for a root), ``families``, ``descendants`` {relation: count},
    ``descendants_total``, ``children`` {relation: count}, ``origin`` [{root, org,
    display_name, country, region, kind}] and ``issues`` (cycle / self-loop notes).
    """
    mid = _resolve_id(store, model_id)
    parents = store.rows(
        f"SELECT parent AS id, relation, origin FROM ({CANON_EDGES}) WHERE child = ?"
        " AND parent <> child ORDER BY parent",
        [mid],
    )
    roots = store.rows(
        "SELECT root_id AS root, depth, weight, family FROM roots WHERE model_id = ?"
        " ORDER BY depth, root_id",
        [mid],
    )
    origin = store.rows(
        """
        SELECT r.root_id AS root,
               CASE WHEN strpos(r.root_id, '/') > 0 THEN split_part(r.root_id, '/', 1) END
                   AS org,
               o.display_name, o.country, coalesce(o.region, 'unknown') AS region,
               coalesce(o.kind, 'unknown') AS kind
        FROM roots r
        LEFT JOIN orgs o
            ON o.org = lower(CASE WHEN strpos(r.root_id, '/') > 0
                                  THEN split_part(r.root_id, '/', 1) END)
        WHERE r.model_id = ?
        ORDER BY r.depth, r.root_id
        """,
        [mid],
    )
    issues = store.rows(
        "SELECT kind, detail FROM lineage_issues WHERE model_id = ? ORDER BY kind", [mid]
    )
    desc = descendants(store, mid)
    fams = sorted({str(r["family"]) for r in roots if r["family"]})
    return {
        "id": mid,
        "parents": [{"id": p["id"], "relation": p["relation"], "origin": p["origin"]}
                    for p in parents],
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
