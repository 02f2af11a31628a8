"""Fill the ``roots`` and ``lineage_issues`` tables from the lineage edges (stated and
re-upload rule, :data:`~modelatlas.lineage.edges.ALL_EDGES`) and ``models``.

Parents are matched to stored model ids case-insensitively (the Hub resolves
``qwen/qwen2.5-7b`` to ``Qwen/Qwen2.5-7B``), so one foundation model is one node.
Every model, and every parent an edge names, gets >= 1 ``roots`` row; ``weight``
is ``1 / number of roots`` (a merge of a Qwen and a Llama model counts half to
each), and ``family`` is the family of the root (:mod:`modelatlas.catalog.families`).

:func:`update` recomputes only what a change can reach. With ``C`` the changed
nodes (new models, models whose parents changed, parents no edge names any more,
other spellings of a new model's id) and ``A`` = ``C`` plus all their descendants:
no ancestor of a node outside ``A`` is in ``A`` (a descendant of a node of ``A``
is in ``A``), so every chain from a node of ``A`` leaves ``A`` at most once, at a
boundary parent whose stored roots are still right. The subgraph of ``A``'s edges
is resolved on its own (boundary parents are its roots), then composed with the
boundary parents' stored roots, keeping the shortest depth per (model, root).
Cycles lie wholly inside or wholly outside ``A`` (a cycle is its own descendant),
so their rules hold unchanged. ``tests/test_derive_incremental.py`` checks
equality with a full rebuild over random change sets.
"""

from __future__ import annotations

import duckdb

from modelatlas.catalog import families
from modelatlas.lineage import graph
from modelatlas.lineage.edges import ALL_EDGES, CANON_EDGES
from modelatlas.lineage.graph import Resolution
from modelatlas.store import indexes
from modelatlas.store.db import Store

MAX_GENERATIONS = 10_000
FULL_SHARE = 0.3  # past this share of the nodes, a full rebuild is cheaper
FEW_ROOTS = 5_000  # up to this many new roots, families are matched in Python


def _insert(con: duckdb.DuckDBPyConnection, where: str = "", src: str = "_lin_roots",
            known_families: bool = False) -> None:
    """Insert ``src`` (+ family, weight) and ``_lin_issues`` rows (filtered by ``where``).

    ``known_families``: an incremental update (the catalog is the same, or derive
    would run in full): a few roots are matched in Python; many keep the family
    ``roots`` holds for them and only new ones are matched in SQL.
    """
    new_roots = f"SELECT DISTINCT root_id FROM {src}"
    if known_families:
        # A root's family is a function of its id and the catalog (a changed catalog
        # derives in full). The family CASE is large (one branch per catalog pattern):
        # planning it costs ~0.15-0.3 s, more than the rest of a small update, so a few
        # roots are matched by the catalog's Python twin (tests/test_families.py holds
        # the two equal) without reading ``roots``; many take the families ``roots``
        # already holds and match only the new ones in SQL.
        few = con.execute(f"SELECT root_id FROM ({new_roots}) LIMIT {FEW_ROOTS + 1}"
                          ).fetchall()
        if len(few) <= FEW_ROOTS:
            ids = [str(r[0]) for r in few]
            con.execute("CREATE OR REPLACE TEMP TABLE _lin_fam AS SELECT"
                        " unnest(?::VARCHAR[]) AS root_id, unnest(?::VARCHAR[]) AS family",
                        [ids, [families.family_of(i) for i in ids]])
        else:
            con.execute(f"""
                CREATE OR REPLACE TEMP TABLE _lin_fam AS
                SELECT DISTINCT r.root_id, r.family FROM roots r
                SEMI JOIN ({new_roots}) s ON s.root_id = r.root_id
            """)
            case_sql, params = families.sql_case("root_id")
            con.execute(f"INSERT INTO _lin_fam SELECT root_id, {case_sql} FROM ({new_roots}"
                        " ANTI JOIN _lin_fam f USING (root_id))", params)
    else:
        case_sql, params = families.sql_case("root_id")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lin_fam AS
            SELECT root_id, {case_sql} AS family FROM ({new_roots})
        """, params)
    _insert_rows(con, where, src)


def _insert_rows(con: duckdb.DuckDBPyConnection, where: str, src: str) -> None:
    """Insert the resolved rows (family from ``_lin_fam``) and the issues."""
    con.execute(f"""
        INSERT INTO roots (model_id, root_id, depth, weight, family)
        SELECT r.model_id, r.root_id, r.depth,
               1.0 / count(*) OVER (PARTITION BY r.model_id), f.family
        FROM {src} r JOIN _lin_fam f USING (root_id) {where}
    """)
    con.execute(f"""
        INSERT INTO lineage_issues (model_id, kind, detail)
        SELECT model_id, kind, min(detail) FROM _lin_issues r {where} GROUP BY model_id, kind
    """)


def full(con: duckdb.DuckDBPyConnection) -> Resolution:
    """Recompute ``roots`` and ``lineage_issues`` (inside the caller's transaction)."""
    try:
        res = graph.resolve(con, f"SELECT child, parent FROM ({CANON_EDGES})",
                            "SELECT id FROM models")
        # every roots row is rewritten: its index is rebuilt once, not row by row
        with indexes.deferred(con, "roots"):
            con.execute("DELETE FROM roots")
            con.execute("DELETE FROM lineage_issues")
            _insert(con)
        return res
    finally:
        graph.cleanup(con)
        con.execute("DROP TABLE IF EXISTS _lin_fam")


def rebuild(store: Store) -> Resolution:
    """Recompute ``roots`` and ``lineage_issues`` in one transaction."""
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        res = full(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return res


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return int(con.execute(sql).fetchall()[0][0])


def _affected(con: duckdb.DuckDBPyConnection, changed_sql: str, gone_sql: str | None,
              new_sql: str | None) -> int:
    """``_lin_a(id)``: changed nodes and all their descendants, plus the parents no edge
    of a changed child names any more (``gone_sql``: they keep their own roots and
    children, but may stop being nodes); returns its size. ``new_sql``: the models
    stored for the first time (None: every changed node that is a model)."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lin_a AS
        SELECT DISTINCT model_id AS id FROM ({changed_sql}) WHERE model_id IS NOT NULL
    """)
    # Other spellings of a new model's id stop being nodes of their own (an edge naming
    # ``qwen/x`` resolves to the model ``Qwen/x`` from now on). A model may already have
    # been a node under its own spelling *and* another one (two edges, or two re-upload
    # originals, naming a parent-only node in two cases). Only a new model re-spells: a
    # stored model already was the canonical node of its spellings. (Reading every
    # root's lower-case id costs ~40 ms at 250k models: skipped when none is new.)
    new = ("SELECT a.id FROM _lin_a a SEMI JOIN models m ON m.id = a.id" if new_sql is None
           else f"SELECT model_id AS id FROM ({new_sql}) WHERE model_id IS NOT NULL")
    if _count(con, f"SELECT count(*) FROM (SELECT 1 FROM ({new}) LIMIT 1)"):
        con.execute(f"""
            INSERT INTO _lin_a
            SELECT DISTINCT r.model_id FROM roots r
            JOIN (SELECT DISTINCT lower(id) AS lid FROM ({new})) a
              ON a.lid = lower(r.model_id)
            ANTI JOIN _lin_a x ON x.id = r.model_id
        """)
    # Descendants, generation by generation (most changed models are leaves: when no
    # edge names any of them, the edges are not even copied).
    has_children = _count(con, f"""
        SELECT count(*) FROM (SELECT 1 FROM ({ALL_EDGES}) AS ae
        WHERE lower(parent) IN (SELECT lower(id) FROM _lin_a) LIMIT 1)""")
    if has_children:
        con.execute("CREATE OR REPLACE TEMP TABLE _lin_el AS SELECT child, lower(parent) AS lp"
                    f" FROM ({ALL_EDGES}) AS ae")
    con.execute("CREATE OR REPLACE TEMP TABLE _lin_f AS SELECT id FROM _lin_a")
    for _ in range(MAX_GENERATIONS if has_children else 0):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_f AS
            SELECT DISTINCT e.child AS id FROM _lin_el e
            JOIN (SELECT DISTINCT lower(id) AS lp FROM _lin_f) f ON f.lp = e.lp
            ANTI JOIN _lin_a a ON a.id = e.child
        """)
        if _count(con, "SELECT count(*) FROM _lin_f") == 0:
            break
        con.execute("INSERT INTO _lin_a SELECT id FROM _lin_f")
    if gone_sql:
        con.execute(f"""
            INSERT INTO _lin_a SELECT DISTINCT model_id FROM ({gone_sql}) g
            ANTI JOIN _lin_a a ON a.id = g.model_id WHERE model_id IS NOT NULL
        """)
    # A node on a cycle is resolved with the whole cycle or not at all: a gone parent or
    # another spelling is affected without its descendants, and a subgraph holding one
    # member of a cycle but not the others' edges would not see the cycle (its members
    # would lose their issue). The detail names the cycle's smallest id: one per cycle.
    con.execute("""
        INSERT INTO _lin_a
        SELECT DISTINCT mate.model_id FROM lineage_issues li
        JOIN lineage_issues mate ON mate.kind = 'cycle' AND mate.detail = li.detail
        WHERE li.kind = 'cycle' AND li.model_id IN (SELECT id FROM _lin_a)
          AND mate.model_id NOT IN (SELECT id FROM _lin_a)
    """)
    return _count(con, "SELECT count(*) FROM _lin_a")


def update(con: duckdb.DuckDBPyConnection, changed_sql: str,
           gone_sql: str | None = None, new_sql: str | None = None) -> Resolution | None:
    """Recompute roots for the nodes ``changed_sql`` (a ``model_id`` column) can reach,
    and check the parents ``gone_sql`` names still exist. ``new_sql``: which of the
    changed models are stored for the first time (None: any may be).

    Inside the caller's transaction. Returns None when a full rebuild ran instead
    (the change reaches too much of the graph for the incremental way to pay).
    """
    try:
        n_a = _affected(con, changed_sql, gone_sql, new_sql)
        nodes = _count(con, "SELECT count(*) FROM roots")
        if n_a > FULL_SHARE * max(nodes, 1):
            full(con)
            return None
        # The subgraph: edges of affected children, parents in canonical spelling.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lin_se AS
            SELECT e.child, e.parent, lower(e.parent) AS lp FROM ({ALL_EDGES}) e
            SEMI JOIN _lin_a a ON a.id = e.child
        """)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_se AS
            SELECT s.child, coalesce(m.id, s.parent) AS parent FROM _lin_se s
            LEFT JOIN (SELECT lower(id) AS lid, min(id) AS id FROM models
                       WHERE lower(id) IN (SELECT lp FROM _lin_se) GROUP BY 1) m
              ON m.lid = s.lp
        """)
        # Boundary parents never resolved before (new parent-only nodes) are new nodes.
        con.execute("""
            INSERT INTO _lin_a SELECT DISTINCT s.parent FROM _lin_se s
            ANTI JOIN _lin_a a ON a.id = s.parent
            ANTI JOIN roots r ON r.model_id = s.parent
        """)
        # Affected nodes that still exist: models, or the canonical parent of some edge.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_an AS
            SELECT a.id FROM _lin_a a SEMI JOIN models m ON m.id = a.id
        """)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_nm AS
            SELECT id FROM _lin_a ANTI JOIN _lin_an USING (id)
        """)
        con.execute(f"""
            INSERT INTO _lin_an
            SELECT a.id FROM _lin_nm a SEMI JOIN _lin_se s ON s.parent = a.id
            UNION
            SELECT a.id FROM _lin_nm a
            SEMI JOIN (SELECT ae.parent FROM ({ALL_EDGES}) ae
                       SEMI JOIN _lin_nm n ON n.id = ae.parent) e
              ON e.parent = a.id
            ANTI JOIN (SELECT lower(id) AS lid FROM models
                       WHERE lower(id) IN (SELECT lower(id) FROM _lin_nm)) m
              ON m.lid = lower(a.id)
        """)
        res = graph.resolve(con, "SELECT child, parent FROM _lin_se",
                            "SELECT id FROM _lin_an")
        # Compose: a boundary root (not affected) hands over its stored roots.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_rc AS
            SELECT model_id, root_id, min(depth) AS depth FROM (
                SELECT r.model_id, r.root_id, r.depth FROM _lin_roots r
                SEMI JOIN _lin_a a ON a.id = r.root_id
                UNION ALL
                SELECT r.model_id, s.root_id, r.depth + s.depth FROM _lin_roots r
                ANTI JOIN _lin_a a ON a.id = r.root_id
                JOIN roots s ON s.model_id = r.root_id
            ) x SEMI JOIN _lin_an n ON n.id = x.model_id
            GROUP BY model_id, root_id
        """)
        con.execute("DELETE FROM roots WHERE model_id IN (SELECT id FROM _lin_a)")
        con.execute("DELETE FROM lineage_issues WHERE model_id IN (SELECT id FROM _lin_a)")
        _insert(con, "SEMI JOIN _lin_an n ON n.id = r.model_id", src="_lin_rc",
                known_families=True)
        return res
    finally:
        graph.cleanup(con)
        for t in ("_lin_fam", "_lin_a", "_lin_el", "_lin_f", "_lin_se", "_lin_an", "_lin_rc",
                  "_lin_nm"):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def issues(store: Store) -> list[dict[str, object]]:
    """Self-loops and cycle members found by the last resolution."""
    return store.rows(
        "SELECT model_id, kind, detail FROM lineage_issues ORDER BY kind, model_id"
    )
