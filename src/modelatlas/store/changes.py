"""Change tracking between ingest and derive: a data generation and a dirty set.

Every ingest transaction bumps ``store_generation.data_gen`` and lists, in
``derive_dirty``, the models whose derived data may have changed (new models,
rewritten metadata, new history, changed parents, parents no edge names any more)
and, in ``derive_dirty_snapshots``, the snapshots it wrote. Derive steps record
the generation they computed (``derived_state``), so

* "is derived data current?" is two tiny reads (``modelatlas.derive.is_current``);
* a step recomputes only the dirty models (and, for lineage, their descendants);
* a kill -9 at any point leaves either the old generation with its dirty rows, or
  the new one: both sides are written in the ingest's own transaction.

When an input changes more than ``FULL_SHARE`` of the store (a first load), one
``model_id IS NULL`` row stands for "everything" instead of millions of rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import duckdb

FULL_SHARE = 0.25


def bump(con: duckdb.DuckDBPyConnection) -> int:
    """Start a new data generation (inside the caller's transaction); returns it."""
    rows = con.execute(
        "UPDATE store_generation SET data_gen = data_gen + 1, changed_at = now()"
        " WHERE singleton = 1 RETURNING data_gen"
    ).fetchall()
    return int(rows[0][0])


def current(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(data generation, derive generation); (0, 0) for a store without the table."""
    try:
        rows = con.execute(
            "SELECT data_gen, derive_gen FROM store_generation WHERE singleton = 1").fetchall()
    except duckdb.CatalogException:
        return 0, 0
    return (int(rows[0][0]), int(rows[0][1])) if rows else (0, 0)


def mark_models(con: duckdb.DuckDBPyConnection, gen: int, select_sql: str,
                params: list[Any] | None = None) -> None:
    """Mark as dirty the rows of ``select_sql`` (columns: model_id, kind, prev_org).

    Kinds (a model may have several rows): 'new' (first stored), 'lineage' (its stated
    parents changed and so did its kind of node: it gained or lost every edge, or
    every edge naming another model), 'parents' (its stated parents changed, its kind
    of node did not), 'meta' (metadata, history or creation time changed), 'org' (its
    org changed; ``prev_org`` the one before, NULL if none), 'gone' (a parent an edge
    no longer names: it may stop being a node). The finer kinds let derive skip what
    cannot have moved: other spellings of an id only change when a model is new, the
    org heuristic only when a model is new, changed org or changed kind of node.
    """
    con.execute(
        f"INSERT INTO derive_dirty (gen, model_id, kind, prev_org)"
        f" SELECT ?, model_id, kind, prev_org FROM ({select_sql})",
        [gen, *(params or [])],
    )


def mark_all(con: duckdb.DuckDBPyConnection, gen: int) -> None:
    con.execute("INSERT INTO derive_dirty VALUES (?, NULL, 'lineage', NULL)", [gen])


def mark_snapshots(con: duckdb.DuckDBPyConnection, gen: int, source: str,
                   snapshots: Iterable[Any]) -> None:
    days = [str(s) for s in snapshots]
    if days:
        con.execute("INSERT INTO derive_dirty_snapshots (gen, source, snapshot)"
                    " SELECT ?, ?, unnest(?::DATE[])", [gen, source, days])


def touch(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> int:
    """A writer outside the ingest changed data derive reads (details, imports):
    new generation, and with ``full`` everything is recomputed next time."""
    gen = bump(con)
    if full:
        mark_all(con, gen)
    return gen
