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

import pyarrow as pa

from modelatlas.catalog import orgs as catalog_orgs
from modelatlas.store.db import Store

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


def run(store: Store) -> None:
    con = store.con
    tbl = registry_table()
    cols = ", ".join(_COLUMNS)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM orgs")
        con.register("_orgs_in", tbl)
        con.execute(f"INSERT INTO orgs ({cols}) SELECT {cols} FROM _orgs_in")
        con.unregister("_orgs_in")
        con.execute(
            f"""
            INSERT INTO orgs ({cols})
            SELECT lower(m.org), min(m.org), min(m.org), NULL, 'unknown', 'community', NULL,
                   [], NULL, 'heuristic', 'unknown'
            FROM models m
            LEFT JOIN (SELECT DISTINCT child FROM edges WHERE child <> parent) d
                ON d.child = m.id
            WHERE m.org IS NOT NULL
              AND lower(m.org) NOT IN (SELECT org FROM orgs)
            GROUP BY lower(m.org)
            HAVING count(*) >= ? AND count(d.child) >= ? * count(*)
            """,
            [MIN_MODELS, MIN_DERIVATIVE_SHARE],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
