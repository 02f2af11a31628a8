"""Fill the ``roots`` and ``lineage_issues`` tables from ``edges`` and ``models``.

Parents are matched to stored model ids case-insensitively (the Hub resolves
``qwen/qwen2.5-7b`` to ``Qwen/Qwen2.5-7B``), so one foundation model is one node.
Every model, and every parent an edge names, gets >= 1 ``roots`` row; ``weight``
is ``1 / number of roots`` (a merge of a Qwen and a Llama model counts half to
each), and ``family`` is the family of the root (:mod:`modelatlas.catalog.families`).
"""

from __future__ import annotations

from modelatlas.catalog import families
from modelatlas.lineage import graph
from modelatlas.lineage.edges import CANON_EDGES
from modelatlas.lineage.graph import Resolution
from modelatlas.store.db import Store


def rebuild(store: Store) -> Resolution:
    """Recompute ``roots`` and ``lineage_issues`` in one transaction."""
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        res = graph.resolve(con, f"SELECT child, parent FROM ({CANON_EDGES})",
                            "SELECT id FROM models")
        case_sql, params = families.sql_case("root_id")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lin_fam AS
            SELECT root_id, {case_sql} AS family
            FROM (SELECT DISTINCT root_id FROM _lin_roots)
        """, params)
        con.execute("DELETE FROM roots")
        con.execute("""
            INSERT INTO roots (model_id, root_id, depth, weight, family)
            SELECT r.model_id, r.root_id, r.depth,
                   1.0 / count(*) OVER (PARTITION BY r.model_id), f.family
            FROM _lin_roots r JOIN _lin_fam f USING (root_id)
        """)
        con.execute("DELETE FROM lineage_issues")
        con.execute(
            "INSERT INTO lineage_issues (model_id, kind, detail)"
            " SELECT model_id, kind, min(detail) FROM _lin_issues GROUP BY model_id, kind"
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        graph.cleanup(con)
        con.execute("DROP TABLE IF EXISTS _lin_fam")
    return res


def issues(store: Store) -> list[dict[str, object]]:
    """Self-loops and cycle members found by the last resolution."""
    return store.rows(
        "SELECT model_id, kind, detail FROM lineage_issues ORDER BY kind, model_id"
    )
