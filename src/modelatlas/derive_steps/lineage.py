"""Derive step: resolve every model's root(s), depth, weight and family into ``roots``.

Order 30: after the org registry (10) so root origins can be joined, and after
any step that rewrites edges. Cycles and self-loops go to ``lineage_issues``.
Incremental: only models whose parents changed, new nodes and their descendants
(:func:`modelatlas.lineage.roots.update`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelatlas.lineage import roots
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 30
NAME = "lineage"


def run(store: Store, scope: Scope | None = None) -> None:
    if scope is None:
        roots.full(store.con)
        return
    if scope.models == 0:
        return
    roots.update(store.con, f"SELECT model_id FROM ({scope.models_sql}) WHERE lineage",
                 f"SELECT model_id FROM ({scope.models_sql}) WHERE gone AND NOT lineage")
