"""Open the DuckDB store and bring its schema up to date.

Migrations are the ``NNNN_name.sql`` files beside this module, applied in order,
each in its own transaction, and recorded in ``schema_migrations``. A store
written by a newer modelatlas (a version we do not know) is refused rather than
guessed at.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from modelatlas import settings
from modelatlas.errors import StoreError
from modelatlas.store import lock

_MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """All shipped migrations as (version, name, sql), in version order."""
    found = []
    for entry in resources.files("modelatlas.store").joinpath("migrations").iterdir():
        m = _MIGRATION_RE.match(entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if len(versions) != len(set(versions)):
        raise StoreError(f"duplicate migration versions: {versions}")
    return found


@dataclass
class Store:
    """An open store: a DuckDB connection with the schema migrated."""

    path: Path | None
    con: duckdb.DuckDBPyConnection
    read_only: bool = False
    _closed: bool = field(default=False, repr=False)

    def sql(self, query: str, params: list[Any] | dict[str, Any] | None = None) -> Any:
        """Run a parameterised query and return the DuckDB relation/result."""
        return self.con.execute(query, params or [])

    def exec(self, query: str, params: list[Any] | None = None) -> None:
        """Run a statement for its effect and close its result (DuckDB refuses some
        calls, such as ``register``, while a previous result is still pending)."""
        self.con.execute(query, params or []).fetchall()

    def rows(self, query: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        """Run a query and return its rows as dicts."""
        cur = self.con.execute(query, params or [])
        cols = [d[0] for d in cur.description or []]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]

    def scalar(self, query: str, params: list[Any] | None = None) -> Any:
        rows = self.con.execute(query, params or []).fetchall()  # closes the result
        return rows[0][0] if rows else None

    def schema_version(self) -> int:
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    @contextlib.contextmanager
    def working_memory(self) -> Iterator[None]:
        """DuckDB's memory limit lowered to ``ingest_memory_limit`` (if lower) for bulk
        work: DuckDB spills to disk beyond it, and Python's share stays beside it."""
        limit, size = _limit("memory_limit")
        work, work_size = _limit("ingest_memory_limit")
        if work_size >= size:
            yield
            return
        self.con.execute(f"SET memory_limit = '{work}'")
        # bulk inserts need not keep the input's row order (less memory held)
        self.con.execute("SET preserve_insertion_order = false")
        try:
            yield
        finally:
            self.con.execute(f"SET memory_limit = '{limit}'")
            self.con.execute("SET preserve_insertion_order = true")

    def close(self) -> None:
        if not self._closed:
            self.con.close()
            self._closed = True

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _migrate(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    known = migrations()
    newest = known[-1][0] if known else 0
    unknown = sorted(v for v in applied if v not in {k for k, _, _ in known})
    if unknown:
        raise StoreError(
            f"store has schema migration {unknown[-1]} that this modelatlas does not know"
            f" (it knows up to {newest}); upgrade modelatlas"
        )
    for version, name, sql in known:
        if version in applied:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(sql)
            con.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name]
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise StoreError(
                f"migration {version:04d}_{name} failed: {str(exc).splitlines()[0]}"
            ) from exc


def pending_migrations(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the store lacks a shipped migration (a read-only opener cannot apply it)."""
    try:
        applied = {int(r[0]) for r in
                   con.execute("SELECT version FROM schema_migrations").fetchall()}
    except duckdb.Error:
        return True
    return any(v not in applied for v, _, _ in migrations())


_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT])i?B", re.IGNORECASE)


def _limit(name: str) -> tuple[str, float]:
    """A memory setting as DuckDB text and in bytes; StoreError if malformed."""
    value = settings.get(name)
    m = _SIZE.fullmatch(value.strip())
    if not m:
        env = settings.SETTINGS[name].env
        raise StoreError(f"{env} must look like 1500MB or 4GB, not {value!r}")
    scale = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}[m.group(2).upper()]
    return value.strip(), float(m.group(1)) * scale


def _configure(con: duckdb.DuckDBPyConnection, path: Path | None) -> None:
    """UTC everywhere; bounded memory, spilling beside the store (not into /tmp)."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET enable_progress_bar = false")  # stderr belongs to our own messages
    limit, _ = _limit("memory_limit")
    con.execute(f"SET memory_limit = '{limit}'")
    if path is not None:
        con.execute("SET temp_directory = ?", [str(path) + ".tmp"])


def open_store(
    path: str | Path | None = None, *, read_only: bool = False, create: bool = True,
    wait: float | None = None,
) -> Store:
    """Open (and migrate) the store at ``path``, ``MODELATLAS_DB`` or the user data dir.

    ``path=":memory:"`` gives a throwaway in-memory store (tests, demos).
    With ``create=False`` a missing file is an error instead of a new empty store.
    A writer waits up to ``wait`` seconds (default ``MODELATLAS_LOCK_WAIT``) for
    readers to let go (:mod:`modelatlas.store.lock`).
    """
    if path is None:
        path = settings.default_db_path()
    if str(path) == ":memory:":
        con = duckdb.connect(":memory:")
        _configure(con, None)
        _migrate(con)
        return Store(None, con)
    p = Path(path).expanduser()
    if not p.exists():
        if read_only or not create:
            raise StoreError(f"no store at {p}: ingest something first (see `modelatlas --help`)")
        p.parent.mkdir(parents=True, exist_ok=True)
    con = lock.connect_reader(p) if read_only else lock.connect_writer(p, wait)
    _configure(con, p)
    if not read_only:
        _migrate(con)
    return Store(p, con, read_only=read_only)
