"""Small hand-built lineage stores for the issue-4 tests (models + edges, no ingest)."""

from __future__ import annotations

from collections.abc import Iterable

from modelatlas.store.db import Store


def add_models(store: Store, models: Iterable[tuple[str, str | None]]) -> None:
    """Insert models as (id, created_at ISO or None); org is the id's namespace."""
    rows = [(mid, mid.split("/")[0] if "/" in mid else None,
             mid.split("/")[-1], created) for mid, created in models]
    store.con.executemany(
        "INSERT INTO models (id, org, name, source, created_at, first_seen, last_seen,"
        " meta_snapshot) VALUES (?, ?, ?, 'hf', CAST(? AS TIMESTAMPTZ), DATE '2026-01-01',"
        " DATE '2026-01-01', DATE '2026-01-01')",
        rows,
    )


def add_edges(store: Store, edges: Iterable[tuple[str, str, str]]) -> None:
    """Insert edges as (child, parent, relation)."""
    store.con.executemany(
        "INSERT INTO edges (child, parent, relation, origin) VALUES (?, ?, ?, 'tag')",
        list(edges),
    )
