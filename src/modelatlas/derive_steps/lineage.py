"""Derive step: resolve every model's root(s), depth, weight and family into ``roots``.

Order 30: after the org registry (10) so root origins can be joined, and after
any step that rewrites edges. Cycles and self-loops go to ``lineage_issues``.
"""

from __future__ import annotations

from modelatlas.lineage import roots
from modelatlas.store.db import Store

ORDER = 30
NAME = "lineage"


def run(store: Store) -> None:
    roots.rebuild(store)
