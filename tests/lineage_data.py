"""Small hand-built lineage stores for the issue-4 tests (models + edges, no ingest),
and an independent reading of stated parent ids for the tests that parse real lists."""

from __future__ import annotations

import re
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


def hub_id(parent: str) -> str:
    """The Hub id a stated parent names: an independent Python reading of the forms
    store/tagsql.parent_id rewrites, for the tests' own parse of the real lists."""
    v = parent.strip().strip('"`').strip()
    if m := re.search(r"models--([^/]+)--([^/]+)", v):
        return f"{m.group(1)}/{m.group(2)}"
    if m := re.match(r"(https?://)?(www\.)?(huggingface\.co|hf\.co)/([^/?#]+)/([^/?#]+)", v):
        return f"{m.group(4)}/{m.group(5)}"
    return v.rstrip("/")
