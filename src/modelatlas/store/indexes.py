"""Secondary ART indexes set aside while a bulk write rewrites their table.

Migration ``0300_check_point_lookups.sql`` (issue 11) gives ``check`` ~1 ms point
lookups on ``models.id``, ``edges.child`` and ``roots.model_id``. DuckDB maintains
such an index entry by entry when the transaction commits: a full lineage rebuild
of a 1M-model store spent ~10 CPU-seconds (20-28 s wall on this loaded 2-core
machine) in the COMMIT that deletes and re-inserts ~1.07M ``roots`` entries, while
``CREATE INDEX`` over the finished table takes ~1.2 CPU-seconds (measured, see
docs/benchmarks.md, "Ingest"). So a bulk rewrite drops the index inside its own
transaction and creates it again before committing: readers never see the store
without it (DuckDB's DDL is transactional; a failure rolls the drop back), and
check keeps its point lookups.

An input merged in several transactions (``MODELATLAS_INGEST_PART_ROWS``) that is
a bulk load drops the indexes in its first part and creates them again in its
last: rebuilding them in every part would load an index over the whole table
each time, and the index is what made each part's COMMIT need memory that grows
with the store (docs/benchmarks.md, "Ingest"). A process killed between those
parts leaves the store without them; :func:`ensure` (run before every ingest)
creates them again, so only lookup speed, never an answer, depends on them.

Only the indexes named in :data:`KNOWN` are handled (their SQL is fixed here, never
read back from the store), so nothing store-supplied is spliced into SQL; any
other index stays in place and is maintained as usual.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import duckdb

KNOWN: dict[str, tuple[str, str]] = {
    "models_id_idx": ("models", "CREATE INDEX models_id_idx ON models (id)"),
    "edges_child_idx": ("edges", "CREATE INDEX edges_child_idx ON edges (child)"),
    "roots_model_idx": ("roots", "CREATE INDEX roots_model_idx ON roots (model_id)"),
}


def present(con: duckdb.DuckDBPyConnection, tables: tuple[str, ...]) -> list[str]:
    """The known indexes the store has on ``tables`` (main schema of the store)."""
    rows = con.execute(
        "SELECT index_name, table_name FROM duckdb_indexes()"
        " WHERE schema_name = 'main' AND database_name = current_database()"
    ).fetchall()
    return sorted(str(n) for n, t in rows if n in KNOWN and KNOWN[n][0] in tables
                  and t == KNOWN[n][0])


@contextlib.contextmanager
def deferred(con: duckdb.DuckDBPyConnection, *tables: str) -> Iterator[list[str]]:
    """Inside the caller's transaction: drop the known indexes of ``tables``, run the
    body, create them again. An exception skips the re-creation; the caller's
    rollback then restores the dropped indexes with everything else."""
    names = drop(con, *tables)
    yield names
    create(con, names)


def drop(con: duckdb.DuckDBPyConnection, *tables: str) -> list[str]:
    """Drop the known indexes of ``tables`` (inside the caller's transaction)."""
    names = present(con, tables)
    for name in names:
        con.execute(f"DROP INDEX {name}")  # name is a key of KNOWN (fixed whitelist)
    return names


def create(con: duckdb.DuckDBPyConnection, names: list[str]) -> None:
    """Create the known indexes ``names`` (their SQL is fixed in :data:`KNOWN`)."""
    for name in names:
        con.execute(KNOWN[name][1])


MIGRATION = 300
"""The schema migration that creates the indexes: a store without it has none to keep."""


def ensure(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create the known indexes a store should have and lacks (a process killed
    between the parts of a split bulk input); returns their names. Cheap when all
    are present (one catalog read)."""
    migrated = con.execute("SELECT count(*) FROM schema_migrations WHERE version = ?",
                           [MIGRATION]).fetchall()[0][0]
    if not migrated:
        return []
    have = set(present(con, tuple(t for t, _ in KNOWN.values())))
    missing = sorted(n for n in KNOWN if n not in have)
    create(con, missing)
    return missing
