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
        reuploaded.update(con, f"SELECT model_id FROM ({scope.models_sql})"
                               " WHERE lineage OR gone")
        roots.update(con, f"SELECT model_id FROM ({scope.models_sql}) WHERE lineage"
                          " UNION SELECT model_id FROM _reup_changed",
                     f"SELECT model_id FROM ({scope.models_sql}) WHERE gone AND NOT lineage"
                     " UNION SELECT model_id FROM _reup_gone")
    finally:
        reuploaded.cleanup(con)
