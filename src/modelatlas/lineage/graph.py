"""Root resolution over the base-model graph, set-based and cycle-safe.

Input: a relation of edges ``(child, parent)`` (a child names its base model) and a
relation of node ids. Output, in temporary tables on the same connection:

- ``_lin_roots(model_id, root_id, depth)``: every node has >= 1 row; a node without
  parents is its own root at depth 0; ``depth`` is the length of the *shortest*
  chain of base-model edges from the node up to that root;
- ``_lin_issues(model_id, kind, detail)``: self-loops and nodes on cycles.

Method (frontier-style, one SQL statement per generation, never per model):

1. drop self-loops (reported) and duplicate edges;
2. seed every parentless node as its own root at depth 0;
3. push ``(node, root, depth)`` pairs down one generation at a time (``parent ->
   child``), keeping only pairs not seen before; this terminates on any graph
   because the set of pairs is finite, and breadth-first order makes the first
   depth found the shortest;
4. nodes still without a root only lead up into cycles. On that (small) residue
   the transitive closure finds the *source* strongly connected components (cycles
   with no parent outside themselves); the smallest id of each becomes a root and
   step 3 runs again from those seeds, so a model below both a normal root and a
   cycle gets both;
5. every node on a cycle (reachable from a root or not) is reported: edges are
   trimmed set-based (drop edges whose parent has no parent left or whose child has
   no child left, repeatedly) and the exact closure runs on what survives.

Joins run on 64-bit hashes of the ids (several times faster than string joins);
the ids ride along as payload, so nothing is mapped back. A hash collision is
detected and the hashing is re-salted, so results never depend on luck.
Edges and nodes come from trusted SQL (table names chosen by modelatlas).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from modelatlas.errors import StoreError

MAX_GENERATIONS = 100_000  # a safety net only; every loop below ends on its own
SALTS = ("", "\x01modelatlas", "\x02modelatlas", "\x03modelatlas")


@dataclass
class Resolution:
    nodes: int
    pairs: int
    generations: int
    self_loops: int
    cycle_nodes: int
    cycle_roots: int


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _load(con: duckdb.DuckDBPyConnection, edges_sql: str, nodes_sql: str) -> None:
    """Build ``_lin_nodes(k, id)`` and ``_lin_ke(child, parent, child_id)`` keyed by hash."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lin_raw AS
        SELECT child, parent FROM ({edges_sql}) WHERE child IS NOT NULL AND parent IS NOT NULL
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lin_ids AS
        SELECT id FROM ({nodes_sql}) WHERE id IS NOT NULL
        UNION SELECT child FROM _lin_raw UNION SELECT parent FROM _lin_raw
    """)
    for salt in SALTS:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _lin_nodes AS"
            " SELECT hash(id || $salt) AS k, id FROM _lin_ids", {"salt": salt})
        if _count(con, "SELECT count(*) - count(DISTINCT k) FROM _lin_nodes") == 0:
            break
    else:  # pragma: no cover - four independent 64-bit collisions
        raise StoreError("lineage: model id hashes keep colliding; cannot resolve roots")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_ke AS
        SELECT hash(child || $salt) AS child, hash(parent || $salt) AS parent,
               child AS child_id
        FROM _lin_raw
    """, {"salt": salt})
    for t in ("_lin_raw", "_lin_ids"):
        con.execute(f"DROP TABLE {t}")


def _propagate(con: duckdb.DuckDBPyConnection) -> int:
    """Push pairs from ``_lin_front`` down the edges until nothing new; returns generations."""
    gens = 0
    while gens < MAX_GENERATIONS:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_next AS
            SELECT n.* FROM (
                SELECT e.child AS model_k, f.root_k, min(f.depth) + 1 AS depth,
                       any_value(e.child_id) AS model_id, any_value(f.root_id) AS root_id
                FROM _lin_front f JOIN _lin_e e ON e.parent = f.model_k
                GROUP BY e.child, f.root_k
            ) n
            ANTI JOIN _lin_pairs r ON r.model_k = n.model_k AND r.root_k = n.root_k
        """)
        if _count(con, "SELECT count(*) FROM _lin_next") == 0:
            break
        gens += 1
        con.execute("INSERT INTO _lin_pairs SELECT * FROM _lin_next")
        con.execute("CREATE OR REPLACE TEMP TABLE _lin_front AS SELECT * FROM _lin_next")
    con.execute("DROP TABLE IF EXISTS _lin_next")
    return gens


def _closure(con: duckdb.DuckDBPyConnection) -> None:
    """Transitive closure ``_lin_c(node, anc)`` of the (small) edge set ``_lin_ue``."""
    con.execute("CREATE OR REPLACE TEMP TABLE _lin_c AS SELECT DISTINCT child AS node,"
                " parent AS anc FROM _lin_ue")
    con.execute("CREATE OR REPLACE TEMP TABLE _lin_cf AS SELECT * FROM _lin_c")
    for _ in range(MAX_GENERATIONS):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_cn AS
            SELECT DISTINCT f.node, e.parent AS anc
            FROM _lin_cf f JOIN _lin_ue e ON e.child = f.anc
            ANTI JOIN _lin_c c ON c.node = f.node AND c.anc = e.parent
        """)
        if _count(con, "SELECT count(*) FROM _lin_cn") == 0:
            break
        con.execute("INSERT INTO _lin_c SELECT node, anc FROM _lin_cn")
        con.execute("CREATE OR REPLACE TEMP TABLE _lin_cf AS SELECT * FROM _lin_cn")
    con.execute("DROP TABLE IF EXISTS _lin_cf")
    con.execute("DROP TABLE IF EXISTS _lin_cn")


# Cycle members of the closure ``_lin_c``, each with its strongly connected component's
# representative (the smallest id, as a string) and whether the SCC is a source (no
# ancestor outside it).
_SCC = """
    WITH cyc AS (SELECT node FROM _lin_c WHERE node = anc),
    mutual AS (
        SELECT a.node, a.anc AS other
        FROM _lin_c a JOIN _lin_c b ON b.node = a.anc AND b.anc = a.node
        WHERE a.node IN (SELECT node FROM cyc)
        UNION SELECT node, node FROM cyc
    ),
    scc AS (
        SELECT m.node, arg_min(m.other, n.id) AS rep
        FROM mutual m JOIN _lin_nodes n ON n.k = m.other GROUP BY m.node
    ),
    outside AS (
        SELECT DISTINCT a.node FROM _lin_c a
        ANTI JOIN _lin_c b ON b.node = a.anc AND b.anc = a.node
        WHERE a.node IN (SELECT node FROM cyc)
    )
    SELECT s.node, s.rep, (o.node IS NULL) AS source
    FROM scc s LEFT JOIN outside o ON o.node = s.node
"""


def _report_cycles(con: duckdb.DuckDBPyConnection) -> None:
    """Report every node on a cycle (module docstring, step 5)."""
    con.execute("CREATE OR REPLACE TEMP TABLE _lin_ue AS SELECT child, parent FROM _lin_e")
    before = _count(con, "SELECT count(*) FROM _lin_ue")
    for _ in range(MAX_GENERATIONS):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _lin_ue AS
            SELECT e.child, e.parent FROM _lin_ue e
            SEMI JOIN (SELECT DISTINCT child FROM _lin_ue) p ON p.child = e.parent
            SEMI JOIN (SELECT DISTINCT parent FROM _lin_ue) c ON c.parent = e.child
        """)
        after = _count(con, "SELECT count(*) FROM _lin_ue")
        if after in (before, 0):
            break
        before = after
    if _count(con, "SELECT count(*) FROM _lin_ue") > 0:
        _closure(con)
        con.execute(f"INSERT INTO _lin_iss SELECT node, 'cycle', rep FROM ({_SCC})")
    for t in ("_lin_ue", "_lin_c"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def _cycle_roots(con: duckdb.DuckDBPyConnection) -> None:
    """Seed roots for the residue that only leads into cycles (module docstring, step 4)."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_u AS
        SELECT n.k FROM _lin_nodes n ANTI JOIN (SELECT DISTINCT model_k FROM _lin_pairs) r
            ON r.model_k = n.k
    """)
    # Every parent of a residue node is in the residue too.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_ue AS
        SELECT e.child, e.parent FROM _lin_e e SEMI JOIN _lin_u u ON u.k = e.child
    """)
    _closure(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lin_front AS
        SELECT DISTINCT c.rep AS model_k, c.rep AS root_k, 0 AS depth,
               n.id AS model_id, n.id AS root_id
        FROM ({_SCC}) c JOIN _lin_nodes n ON n.k = c.rep
        WHERE c.source
    """)
    con.execute("INSERT INTO _lin_pairs SELECT * FROM _lin_front")
    for t in ("_lin_u", "_lin_ue", "_lin_c"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


def resolve(con: duckdb.DuckDBPyConnection, edges_sql: str, nodes_sql: str) -> Resolution:
    """Resolve every node's roots; results in ``_lin_roots`` and ``_lin_issues``.

    ``edges_sql`` must yield columns ``child, parent``; ``nodes_sql`` a column ``id``.
    """
    _load(con, edges_sql, nodes_sql)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_iss AS
        SELECT DISTINCT child AS k, 'self_loop' AS kind, CAST(NULL AS UBIGINT) AS rep
        FROM _lin_ke WHERE child = parent
    """)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_e AS
        SELECT child, parent, any_value(child_id) AS child_id
        FROM _lin_ke WHERE child <> parent GROUP BY child, parent
    """)
    con.execute("DROP TABLE _lin_ke")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_pairs AS
        SELECT n.k AS model_k, n.k AS root_k, 0 AS depth, n.id AS model_id, n.id AS root_id
        FROM _lin_nodes n ANTI JOIN (SELECT DISTINCT child FROM _lin_e) e ON e.child = n.k
    """)
    con.execute("CREATE OR REPLACE TEMP TABLE _lin_front AS SELECT * FROM _lin_pairs")
    gens = _propagate(con)
    nodes = _count(con, "SELECT count(*) FROM _lin_nodes")
    resolved = _count(con, "SELECT count(DISTINCT model_k) FROM _lin_pairs")
    cycle_roots = 0
    if resolved < nodes:
        _cycle_roots(con)
        cycle_roots = _count(con, "SELECT count(*) FROM _lin_front")
        gens += _propagate(con)
    con.execute("DROP TABLE IF EXISTS _lin_front")
    _report_cycles(con)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_roots AS
        SELECT model_id, root_id, depth FROM _lin_pairs
    """)
    con.execute("DROP TABLE _lin_pairs")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lin_issues AS
        SELECT a.id AS model_id, i.kind,
               CASE WHEN i.kind = 'self_loop' THEN 'names itself as its base model'
                    ELSE 'on a cycle of base-model edges (smallest id on it: ' || b.id || ')'
               END AS detail
        FROM _lin_iss i JOIN _lin_nodes a ON a.k = i.k LEFT JOIN _lin_nodes b ON b.k = i.rep
    """)
    con.execute("DROP TABLE _lin_iss")
    return Resolution(
        nodes=nodes,
        pairs=_count(con, "SELECT count(*) FROM _lin_roots"),
        generations=gens,
        self_loops=_count(con, "SELECT count(*) FROM _lin_issues WHERE kind = 'self_loop'"),
        cycle_nodes=_count(con, "SELECT count(*) FROM _lin_issues WHERE kind = 'cycle'"),
        cycle_roots=cycle_roots,
    )


def cleanup(con: duckdb.DuckDBPyConnection) -> None:
    """Drop the temporary tables :func:`resolve` leaves behind."""
    for t in ("_lin_roots", "_lin_issues", "_lin_e", "_lin_nodes"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
