"""A store's content as comparable text, for tests that check two ways of building
a store end equal (split in parts or not, killed and rerun or not).

Float weights are rounded (their sums depend on DuckDB's parallel order); rows are
compared as sorted reprs, so row order never matters.
"""

from __future__ import annotations

from pathlib import Path

from modelatlas.store import open_store

DUMPS = {
    "models": "SELECT * EXCLUDE (meta_sig) FROM models",
    "observations": "SELECT * FROM observations",
    "latest": "SELECT * FROM latest_observations",
    "edges": "SELECT * FROM edges",
    "history": "SELECT * FROM model_history",
    "creations": "SELECT * FROM model_creations",
    "snapshots": "SELECT source, snapshot, models, simulated, last_at, population,"
                 " population_by FROM snapshots",
    "scope": "SELECT * FROM snapshot_scope",
    "roots": "SELECT model_id, root_id, depth, round(weight, 9), family FROM roots",
    "orgs": "SELECT * FROM orgs",
    "events": "SELECT * FROM events",
    "quarantine": "SELECT source, location, record, reason FROM quarantine",
}


def dump(db: Path) -> dict[str, list[str]]:
    """Every table of :data:`DUMPS` as sorted row reprs."""
    with open_store(db) as st:
        return {k: sorted(map(repr, st.sql(q).fetchall())) for k, q in DUMPS.items()}


def counts(db: Path) -> dict[str, int]:
    """The row count of every table of :data:`DUMPS`."""
    with open_store(db) as st:
        return {k: int(st.scalar(f"SELECT count(*) FROM ({q})")) for k, q in DUMPS.items()}
