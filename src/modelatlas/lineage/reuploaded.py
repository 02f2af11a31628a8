"""Keep ``reupload_edges`` current: the re-upload rule's edges in the lineage graph.

Why: 11.4% of the derivatives in the Hub's hourly new-model lists name an unsloth
copy as their base (issue 12); the copy is a parent-only node, so it was their root
and root attribution credited unsloth's country (U.S.) instead of the original
developer's (Qwen: China). The rule (:func:`modelatlas.catalog.reuploads.edges_sql`,
the one declaration ``check`` also runs) names the original a re-upload copies; this
module writes its answer for every node of the stated graph that states no parent
of its own (a model, or a parent an edge names), so the root of the copy and of
every derivative hanging off it is the original. A node with a stated parent keeps
it (the source's word wins over the rule). Rule edges are not applied to the
originals they name (those are publishers' repos, never copies).

:func:`full` rewrites the table; :func:`update` recomputes the nodes a change can
touch (changed models, the parents their edges name, parents no edge names any
more, and other spellings of them) and leaves in ``_reup_changed(model_id)`` the
children whose rule edge appeared, vanished or changed, and in
``_reup_gone(model_id)`` the parents rule edges no longer name, for root resolution
(:func:`modelatlas.lineage.roots.update`). ``tests/test_derive_incremental.py``
checks that it equals a full rebuild.
"""

from __future__ import annotations

import duckdb

from modelatlas.catalog import reuploads
from modelatlas.lineage.edges import CANON_STATED

#: Nodes of the stated graph without a stated parent: where the rule may add one.
NODES_SQL = f"""
    SELECT n.id FROM (
        SELECT id FROM models
        UNION SELECT parent AS id FROM ({CANON_STATED}) AS cs
    ) n
    ANTI JOIN (SELECT DISTINCT child FROM edges) s ON s.child = n.id
"""

#: :data:`NODES_SQL` restricted to the nodes whose lower-case id is in ``_reup_r``,
#: with the restriction applied before the union (the same rows as filtering the
#: whole-graph query afterwards: a canonical parent is spelled like its edge's parent
#: up to case), as two statements filling ``_reup_n``. Why: the whole-graph query
#: scanned every model, every edge and the canonical spelling of every parent on
#: each incremental derive, 2.4-3.2 of the ~12 s of an incremental derive at 250k
#: models (docs/benchmarks.md, "Ingest"); then one query read models and edges twice
#: each and copied every edge naming a popular touched parent (127k rows for one
#: base model at 250k) before removing duplicates.
TOUCHED_NODES = (
    """
    CREATE OR REPLACE TEMP TABLE _reup_n AS
    WITH mm AS (SELECT id, lower(id) AS lid FROM models
                WHERE lower(id) IN (SELECT lid FROM _reup_r)),
         pp AS (SELECT DISTINCT parent FROM edges
                WHERE lower(parent) IN (SELECT lid FROM _reup_r))
    SELECT id FROM mm
    UNION
    SELECT coalesce(c.id, p.parent) FROM pp p
    LEFT JOIN (SELECT lid, min(id) AS id FROM mm GROUP BY lid) c ON c.lid = lower(p.parent)
    """,
    """
    DELETE FROM _reup_n WHERE id IN (
        SELECT e.child FROM edges e SEMI JOIN _reup_n n ON n.id = e.child)
    """,
)

TEMP = ("_reup_r", "_reup_n", "_reup_old", "_reup_new", "_reup_changed", "_reup_gone")


def _insert(con: duckdb.DuckDBPyConnection, ids_sql: str, into: str) -> None:
    reuploads.register(con)
    sql, params = reuploads.edges_sql(ids_sql)
    con.execute(f"INSERT INTO {into} SELECT child, parent, relation, origin FROM ({sql})",
                params)


def full(con: duckdb.DuckDBPyConnection) -> int:
    """Rewrite ``reupload_edges`` for the whole graph (inside the caller's
    transaction); returns the number of rule edges."""
    con.execute("DELETE FROM reupload_edges")
    _insert(con, NODES_SQL, "reupload_edges")
    return int(con.execute("SELECT count(*) FROM reupload_edges").fetchall()[0][0])


def update(con: duckdb.DuckDBPyConnection, touched_sql: str) -> int:
    """Recompute the rule edges of the nodes ``touched_sql`` (column ``model_id``:
    models whose stated parents changed, new models, parents no edge names any more)
    can affect; fills ``_reup_changed`` and ``_reup_gone``; returns how many children
    changed. Inside the caller's transaction."""
    # Lower-case ids touched: the models, the parents their edges name now, and every
    # spelling of them (a new model re-spells a parent-only node of the same name).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _reup_r AS
        SELECT DISTINCT lower(model_id) AS lid FROM ({touched_sql}) t
        WHERE model_id IS NOT NULL
        UNION
        SELECT DISTINCT lower(e.parent) FROM edges e
        SEMI JOIN ({touched_sql}) t ON t.model_id = e.child
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _reup_old AS
        SELECT r.* FROM reupload_edges r SEMI JOIN _reup_r k ON k.lid = lower(r.child)
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE _reup_new AS SELECT * FROM _reup_old LIMIT 0")
    for statement in TOUCHED_NODES:
        con.execute(statement)
    _insert(con, "SELECT id FROM _reup_n", "_reup_new")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _reup_changed AS
        SELECT DISTINCT child AS model_id FROM (
            (SELECT * FROM _reup_old EXCEPT SELECT * FROM _reup_new)
            UNION ALL
            (SELECT * FROM _reup_new EXCEPT SELECT * FROM _reup_old))
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _reup_gone AS
        SELECT DISTINCT parent AS model_id FROM _reup_old
        EXCEPT SELECT parent FROM _reup_new
    """)
    con.execute("DELETE FROM reupload_edges WHERE lower(child) IN (SELECT lid FROM _reup_r)")
    con.execute("INSERT INTO reupload_edges SELECT * FROM _reup_new")
    return int(con.execute("SELECT count(*) FROM _reup_changed").fetchall()[0][0])


def unchanged(con: duckdb.DuckDBPyConnection) -> None:
    """No rule edge can have changed: empty ``_reup_changed`` and ``_reup_gone``."""
    for t in ("_reup_changed", "_reup_gone"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {t} AS SELECT NULL::VARCHAR AS model_id"
                    " LIMIT 0")


def cleanup(con: duckdb.DuckDBPyConnection) -> None:
    for t in TEMP:
        con.execute(f"DROP TABLE IF EXISTS {t}")
