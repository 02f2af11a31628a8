"""Derive step: resolve every model's root(s), depth, weight and family into ``roots``.

Order 30: after the org registry (10) so root origins can be joined, and after
any step that rewrites edges. Cycles and self-loops go to ``lineage_issues``.
First the re-upload rule's edges are brought up to date (``reupload_edges``,
:mod:`modelatlas.lineage.reuploaded`), so a re-upload's root is the original.
Incremental: only models whose parents changed (stated or inferred), new nodes and
their descendants (:func:`modelatlas.lineage.roots.update`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from modelatlas.lineage import reuploaded, roots
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 30
NAME = "lineage"


def run(store: Store, scope: Scope | None = None) -> None:
    con = store.con
    if scope is None:
        reuploaded.full(con)
        roots.full(con)
        return
    if scope.models == 0:
        return
    try:
        touched = _rule_touched(con, scope.models_sql)
        if touched is None:
            reuploaded.unchanged(con)
        else:
            reuploaded.update(con, touched)
        roots.update(con, f"SELECT model_id FROM ({scope.models_sql}) WHERE lineage"
                          " UNION SELECT model_id FROM _reup_changed",
                     f"SELECT model_id FROM ({scope.models_sql}) WHERE gone AND NOT lineage"
                     " UNION SELECT model_id FROM _reup_gone",
                     f"SELECT model_id FROM ({scope.models_sql}) WHERE new")
    finally:
        reuploaded.cleanup(con)
        con.execute("DROP TABLE IF EXISTS _reup_t")


def _rule_touched(con: duckdb.DuckDBPyConnection, dirty_sql: str) -> str | None:
    """The nodes whose re-upload rule edge may have changed (a superset), as SQL with a
    ``model_id`` column; None when there are none.

    A rule edge is a function of the node's id, of its being a node and of its having no
    stated parent. So only new models (a node, maybe a new spelling of one), models that
    gained or lost every stated parent ('lineage' kind), parents no edge names any more
    and parents named for the first time can move one. When the change only re-parents
    models within their kind (the 'parents' kind: an edited card), the last two are
    checked and usually none is left, which skips the rule's recomputation (two scans
    of ``models`` and ``edges`` by lower-case id, ~75 ms at 250k models).
    """
    if con.execute(f"SELECT count(*) FROM ({dirty_sql}) WHERE new OR reshaped").fetchall()[0][0]:
        return f"SELECT model_id FROM ({dirty_sql}) WHERE lineage OR gone"
    # Gone parents that are not models (a model stays a node); parents of re-parented
    # models that no ``roots`` row names yet (a node has one; another spelling of a
    # node is kept, as the rule's update resolves spellings itself).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _reup_t AS
        SELECT g.model_id FROM ({dirty_sql}) g ANTI JOIN models m ON m.id = g.model_id
        WHERE g.gone
        UNION
        SELECT DISTINCT e.parent FROM edges e
        SEMI JOIN (SELECT model_id FROM ({dirty_sql}) WHERE lineage) c ON c.model_id = e.child
        ANTI JOIN roots r ON r.model_id = e.parent
    """)
    if not con.execute("SELECT count(*) FROM _reup_t").fetchall()[0][0]:
        return None
    return "SELECT model_id FROM _reup_t"
