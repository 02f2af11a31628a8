"""Derive step: load the organisation registry (catalog + user file + heuristic) into ``orgs``.

Order 10: everything attributed to a developer (shares by region, root origin)
reads this table, so it runs first.

The community heuristic (documented in docs/attribution.md) is explicit and
conservative: a namespace that is in neither the catalog nor the user file,
uploaded at least ``MIN_MODELS`` models in the store, and whose models declare a
base model at least ``MIN_DERIVATIVE_SHARE`` of the time is a re-uploader or
fine-tuner of others' work: kind ``community``, region ``unknown`` (we still do
not know where it is), origin ``heuristic``. Every other namespace stays out of
the table, i.e. ``unknown``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa

from modelatlas.catalog import orgs as catalog_orgs
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 10
NAME = "orgs"

MIN_MODELS = 3
MIN_DERIVATIVE_SHARE = 0.8

_COLUMNS = ("org", "namespace", "display_name", "country", "region", "kind", "parent",
            "aliases", "source_url", "origin", "region_atom")


def registry_table() -> pa.Table:
    """The registry (catalog + user file) as an Arrow table with the ``orgs`` columns."""
    entries = catalog_orgs.all_orgs()
    data: dict[str, list[object]] = {c: [] for c in _COLUMNS}
    for o in entries:
        d = o.as_dict()
        for c in _COLUMNS:
            data[c].append(d[c])
    schema = pa.schema([(c, pa.list_(pa.string()) if c == "aliases" else pa.string())
                        for c in _COLUMNS])
    return pa.table(data, schema=schema)


# A model is a derivative when an edge names another model as its parent (EXISTS: a
# mark join, ~35% cheaper than joining the distinct children of every edge).
HEURISTIC = f"""
    SELECT lower(m.org) AS org, min(m.org), min(m.org), NULL, 'unknown', 'community', NULL,
           [], NULL, 'heuristic', 'unknown'
    FROM (SELECT m.id, m.org, EXISTS (SELECT 1 FROM edges e
                                      WHERE e.child = m.id AND e.child <> e.parent) AS d
          FROM {{models}} m) m
    WHERE m.org IS NOT NULL AND lower(m.org) NOT IN (SELECT org FROM orgs)
    GROUP BY lower(m.org)
    HAVING count(*) >= {MIN_MODELS} AND count_if(m.d) >= {MIN_DERIVATIVE_SHARE} * count(*)
"""


def run(store: Store, scope: Scope | None = None) -> None:
    """Full: reload the registry and the heuristic. Incremental: the heuristic rows of
    the orgs whose counts a change can move (see ``recount`` in :class:`Scope`)."""
    con = store.con
    cols = ", ".join(_COLUMNS)
    if scope is None:
        con.execute("DELETE FROM orgs")
        con.from_arrow(registry_table()).query(
            "_orgs_in", f"INSERT INTO orgs ({cols}) SELECT {cols} FROM _orgs_in")
        con.execute(f"INSERT INTO orgs ({cols}) {HEURISTIC.format(models='models')}")
        return
    # Only a model that is new, moved org or became (or stopped being) a derivative
    # changes its org's counts: metadata and re-parenting within a kind do not.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _org_dirty AS
        SELECT DISTINCT lower(m.org) AS org FROM ({scope.rows_sql}) m
        SEMI JOIN (SELECT model_id FROM ({scope.models_sql}) WHERE recount) d
          ON d.model_id = m.id
        WHERE m.org IS NOT NULL
        UNION SELECT lower(prev_org) FROM ({scope.models_sql}) WHERE prev_org IS NOT NULL
        EXCEPT SELECT org FROM orgs WHERE origin <> 'heuristic'
    """)
    if not con.execute("SELECT count(*) FROM _org_dirty").fetchall()[0][0]:
        con.execute("DROP TABLE IF EXISTS _org_dirty")
        return
    # The models of those orgs, read once; their edges only.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _org_models AS
        SELECT id, org FROM models WHERE lower(org) IN (SELECT org FROM _org_dirty)
    """)
    con.execute("DELETE FROM orgs WHERE origin = 'heuristic' AND org IN"
                " (SELECT org FROM _org_dirty)")
    con.execute(f"INSERT INTO orgs ({cols}) " + HEURISTIC.format(models="_org_models"))
    for t in ("_org_dirty", "_org_models"):
        con.execute(f"DROP TABLE IF EXISTS {t}")
