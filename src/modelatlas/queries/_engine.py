"""Running registered queries on DuckDB: intermediates computed once, results as rows.

A :class:`Reader` wraps one DuckDB connection (or a cursor of it, one per web
worker thread). Intermediate tables (a downloads cube, a label table) are
materialised in an attached database, ``ma_cache``, which every cursor of the
same connection sees and which works on read-only stores. For a reader of a
store file it is a file beside the store (``<store>.cache``), stamped with the
store's generation (:func:`modelatlas.derive.generation`): on a whole-Hub store
a cube costs minutes to build and seconds to read, so a restarted ``serve`` or a
second CLI command of the same store state reuses what the first one built,
and a store that changed since empties it before anything is read. A writer, a
store in memory, ``MODELATLAS_QUERY_CACHE=0``, or a cache file another process
holds get an in-memory ``ma_cache`` instead (same tables, kept for the
connection only).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import duckdb

from modelatlas.errors import StoreError
from modelatlas.queries._registry import Args, Column, Query, Sql

if TYPE_CHECKING:
    import pandas as pd

    from modelatlas.store.db import Store

CACHE_DB = "ma_cache"
_NAME = re.compile(r"^ma_cache\._ma_[a-z]{1,12}_[0-9a-f]{16}$")


def table_name(kind: str, sql: Sql) -> str:
    """Deterministic name of an intermediate: same definition, same table."""
    payload = json.dumps([sql.text, sorted((k, _key(v)) for k, v in sql.params.items())])
    digest = hashlib.sha1(payload.encode(), usedforsecurity=False).hexdigest()[:16]
    return f"{CACHE_DB}._ma_{kind}_{digest}"


def _key(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


_META = f"{CACHE_DB}._ma_meta"
#: Encoded answers of the web server (query and arguments -> JSON bytes), kept with the
#: intermediates so a restarted server answers its first requests from them.
ANSWERS = f"{CACHE_DB}._ma_answers"
#: DuckDB's words for a cache file it cannot read (not a database, another storage
#: version): only then is the file replaced; a file held by anyone is left alone.
_REPLACEABLE = re.compile(r"not a valid DuckDB database file|storage version|"
                          r"older version|newer version", re.IGNORECASE)


def cache_path(db: Path) -> Path:
    """The persistent intermediate cache of the store file ``db``."""
    return db.with_name(db.name + ".cache")


def persistent_cache_enabled() -> bool:
    from modelatlas import settings

    return settings.get("query_cache").strip().lower() not in ("0", "false", "no", "off")


def attach_cache(con: duckdb.DuckDBPyConnection, path: Path | None = None,
                 generation: str | None = None) -> bool:
    """Attach ``ma_cache`` once per connection; True when it is the file ``path``
    holding intermediates of store state ``generation`` (reusable), False when it is
    in memory (empty at first).

    The file is used only when ``path`` and ``generation`` are given and
    :func:`persistent_cache_enabled`; one it cannot open (another process holds it,
    no permission) falls back to memory, one DuckDB cannot read (an older format) is
    replaced. A file stamped with another generation is emptied first.
    """
    row = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = ?", [CACHE_DB]
    ).fetchall()
    if row:
        return (bool(row[0][0]) and generation is not None
                and _stamp(con) == f"{generation};{code_fingerprint()}")
    if path is None or generation is None or not persistent_cache_enabled():
        _attach_memory(con)
        return False
    if not _attach_file(con, path):
        _attach_memory(con)
        return False
    stamp = f"{generation};{code_fingerprint()}"
    try:
        if _stamp(con) != stamp:
            _empty(con, keep_made=False)
            con.execute(f"DROP TABLE IF EXISTS {ANSWERS}").fetchall()
            con.execute(f"CREATE TABLE {ANSWERS} (key VARCHAR PRIMARY KEY, body BLOB)"
                        ).fetchall()
            con.execute(f"CREATE OR REPLACE TABLE {_META} AS SELECT CAST(? AS VARCHAR)"
                        " AS generation, now() AS stamped_at", [stamp]).fetchall()
            con.execute(f"CHECKPOINT {CACHE_DB}").fetchall()
        else:
            _empty(con, keep_made=True)
    except duckdb.Error:
        con.execute(f"DETACH {CACHE_DB}").fetchall()
        _attach_memory(con)
        return False
    return True


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The installed modelatlas code (each source file's name, size and time): a cache
    written by other code is emptied, since an answer depends on the code as much as
    on the store."""
    root = Path(__file__).resolve().parents[1]
    parts = []
    for p in sorted(root.rglob("*")):
        if p.suffix in (".py", ".sql", ".yaml", ".yml", ".json", ".csv", ".html", ".js",
                        ".css") and "__pycache__" not in p.parts:
            st = p.stat()
            parts.append(f"{p.relative_to(root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha1("|".join(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def stored_answer(con: duckdb.DuckDBPyConnection, key: str) -> bytes | None:
    """An encoded answer a server kept in the cache file for this store state."""
    try:
        rows = con.execute(f"SELECT body FROM {ANSWERS} WHERE key = ?", [key]).fetchall()
    except duckdb.Error:
        return None
    return bytes(rows[0][0]) if rows else None


def store_answer(con: duckdb.DuckDBPyConnection, key: str, body: bytes) -> None:
    """Keep an encoded answer in the cache file (best effort: a conflicting write by
    another thread, or a full disk, only means it is computed again next time)."""
    with contextlib.suppress(duckdb.Error):
        con.execute(f"INSERT OR REPLACE INTO {ANSWERS} VALUES (?, ?)", [key, body]).fetchall()


def _attach_memory(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"ATTACH ':memory:' AS {CACHE_DB} (READ_WRITE)").fetchall()


def _attach_file(con: duckdb.DuckDBPyConnection, path: Path) -> bool:
    """ATTACH the cache file read-write; False if it cannot be had (held elsewhere,
    unwritable folder). A file DuckDB cannot read is ours to replace: removed once."""
    literal = "'" + str(path).replace("'", "''") + "'"
    for attempt in (1, 2):
        try:
            con.execute(f"ATTACH {literal} AS {CACHE_DB} (READ_WRITE)").fetchall()
            return True
        except duckdb.Error as exc:
            if attempt == 2 or not _REPLACEABLE.search(str(exc)) or not path.exists():
                return False
            try:
                for p in (path, path.with_name(path.name + ".wal")):
                    p.unlink(missing_ok=True)
            except OSError:
                return False
    return False


def _stamp(con: duckdb.DuckDBPyConnection) -> str | None:
    have = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = ? AND table_name = ?",
        [CACHE_DB, "_ma_meta"]).fetchall()[0][0]
    if not have:
        return None
    row = con.execute(f"SELECT generation FROM {_META}").fetchall()
    return str(row[0][0]) if row else None


def _empty(con: duckdb.DuckDBPyConnection, *, keep_made: bool) -> None:
    """Drop the cache's tables: every one (``keep_made=False``), or only the scratch
    tables of iterative algorithms a killed process left behind."""
    names = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?"
        " AND table_name LIKE '\\_ma\\_%' ESCAPE '\\'", [CACHE_DB]).fetchall()]
    for t in names:
        name = f"{CACHE_DB}.{t}"
        if not _NAME.match(name) or (keep_made and not t.startswith("_ma_tmp_")):
            continue
        con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()


def cached_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Names of the intermediates ``ma_cache`` already holds (scratch tables excluded)."""
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ?", [CACHE_DB]
    ).fetchall()
    out = {f"{CACHE_DB}.{r[0]}" for r in rows}
    return {n for n in out if _NAME.match(n) and "._ma_tmp_" not in n}


class Intermediates:
    """Which intermediates exist in ``ma_cache`` for the current store state.

    Shared by all threads of a process over one connection; one lock per
    table name so two requests for the same cube compute it once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._made: set[str] = set()
        self._building: dict[str, threading.Lock] = {}
        self.generation: str | None = None

    def adopt(self, con: duckdb.DuckDBPyConnection) -> int:
        """Count the intermediates a persistent ``ma_cache`` already holds for this
        store state as made (another process built them); how many."""
        found = cached_tables(con)
        with self._lock:
            self._made |= found
        return len(found)

    def reset(self, con: duckdb.DuckDBPyConnection, generation: str | None) -> None:
        """Forget (and drop) every intermediate: the store changed."""
        with self._lock:
            for name in self._made:
                con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()
            self._made.clear()
            self.generation = generation

    def ensure(self, con: duckdb.DuckDBPyConnection, name: str, sql: Sql, *,
               reuse: bool = True) -> None:
        """Compute ``name`` unless it exists; ``reuse=False`` always recomputes (a store
        open for writing may have changed since)."""
        if not _NAME.match(name):
            raise StoreError(f"not an intermediate table name: {name!r}")
        if not reuse:
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql.text}",
                        _used(sql.text, sql.params)).fetchall()
            return
        with self._lock:
            if name in self._made:
                return
            build = self._building.setdefault(name, threading.Lock())
        with build:
            with self._lock:
                if name in self._made:
                    return
            con.execute(f"CREATE OR REPLACE TABLE {name} AS {sql.text}",
                        _used(sql.text, sql.params)).fetchall()
            with self._lock:
                self._made.add(name)


def _used(text: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Only the named parameters the statement mentions (DuckDB refuses extras)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}


@dataclass(frozen=True)
class Table:
    """Rows as a run function may answer them: column names and tuples.

    Cheaper than a list of dicts for large answers (an ``orgs`` list of 49k
    namespaces): the engine keeps the tuples as they are when the names are the
    declared columns in order.
    """

    names: list[str]
    rows: list[tuple[Any, ...]]


@dataclass
class Result:
    """A query's answer: rows with named columns, or one JSON-like object."""

    query: str
    args: dict[str, Any]
    shape: str
    columns: list[Column] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    value: Any = None

    def records(self) -> list[dict[str, Any]]:
        names = [c.name for c in self.columns]
        return [dict(zip(names, r, strict=True)) for r in self.rows]

    def document(self) -> Any:
        """What ``--json`` prints and ``GET /api/<query>`` returns (before encoding)."""
        return self.records() if self.shape == "rows" else self.value

    def df(self) -> pd.DataFrame:
        """The rows as a pandas DataFrame (dates as datetime64, counts as integers)."""
        import pandas as pd

        if self.shape != "rows":
            raise TypeError(f"{self.query} answers an object, not rows")
        frame = pd.DataFrame.from_records(self.rows, columns=[c.name for c in self.columns])
        for c in self.columns:
            if c.type in ("date", "datetime"):
                frame[c.name] = pd.to_datetime(frame[c.name])
            elif c.type == "int" and not frame[c.name].isna().any():
                frame[c.name] = frame[c.name].astype("int64")
            elif c.type in ("float", "share"):
                frame[c.name] = frame[c.name].astype("float64")
        return frame


class EngineReader(ABC):
    """The engine seam: what query ``run`` functions and :class:`Atlas` read through.

    Query ``run`` functions read only through :meth:`rows`, :meth:`scalar`,
    :meth:`execute`, :meth:`temp` and :meth:`drop`, with portable SQL (DuckDB's
    dialect, restricted to what SQLGlot translates) and named ``$parameters``. DuckDB
    (:class:`Reader`) and Spark (:class:`modelatlas.spark.reader.SparkReader`) stand
    behind the same calls; :meth:`run` is shared, so a query answers the same shape
    on either engine.
    """

    #: Engine name, as ``--engine`` spells it.
    engine = "duckdb"
    #: True when there is no store and this is an empty stand-in (queries that can
    #: answer from shipped catalogs do so).
    placeholder = False

    # -- plain SQL: the engine seam ---------------------------------------------------
    def rows(self, text: str, params: Mapping[str, Any] | None = None
             ) -> list[dict[str, Any]]:
        names, rows = self.execute(Sql(text, dict(params or {})))
        return [dict(zip(names, r, strict=True)) for r in rows]

    def table(self, text: str, params: Mapping[str, Any] | None = None) -> Table:
        """Like :meth:`rows`, as tuples (no dict per row)."""
        names, rows = self.execute(Sql(text, dict(params or {})))
        return Table(names, rows)

    def scalar(self, text: str, params: Mapping[str, Any] | None = None) -> Any:
        _, rows = self.execute(Sql(text, dict(params or {})))
        return rows[0][0] if rows else None

    @abstractmethod
    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Materialise ``sql``'s intermediates (once per store state), then run it:
        column names and rows (Python values: str, int, float, bool, date, datetime,
        list)."""

    @abstractmethod
    def temp(self, sql: Sql) -> str:
        """Materialise ``sql`` under a fresh ``ma_cache._ma_tmp_*`` name (for
        iterative algorithms); drop it with :meth:`drop`."""

    @abstractmethod
    def drop(self, *names: str) -> None:
        """Drop tables made by :meth:`temp` (other names are ignored)."""

    # -- registered queries -----------------------------------------------------------
    def run(self, query: Query, args: Args) -> Result:
        shape = query.shape_for(args)
        res = Result(query.name, dict(args), shape, list(query.columns_for(args)))
        if query.sql is not None:
            names, rows = self.execute(query.sql(args))
            res.rows = _select(names, rows, res.columns, query.name)
        else:
            assert query.run is not None
            # Run functions are typed against the DuckDB Reader for brevity but use
            # only the seam methods above (tests/test_spark_queries.py runs them all
            # on Spark), so any EngineReader may stand in.
            out = query.run(cast("Reader", self), args)
            if shape == "rows" and isinstance(out, Table):
                res.rows = _select(out.names, out.rows, res.columns, query.name)
            elif shape == "rows":
                res.rows = _from_records(out, res.columns, query.name)
            else:
                res.value = out
        return res


class Reader(EngineReader):
    """Runs queries over one DuckDB connection; what query ``run`` functions receive."""

    def __init__(self, store: Store, intermediates: Intermediates | None = None,
                 *, placeholder: bool = False) -> None:
        self.store = store
        self.con = store.con
        self.placeholder = placeholder
        self.intermediates = intermediates or Intermediates()
        # The cache file is attached on the first statement that needs an intermediate:
        # most light queries need none, and attaching costs a CLI command ~40 ms.
        self._persist = (intermediates is None and store.read_only
                         and store.path is not None and not placeholder)
        self._cache_ready = False

    def _cache(self) -> None:
        """Attach ``ma_cache`` (the file beside a read-only store, else memory) once."""
        if self._cache_ready:
            return
        self._cache_ready = True
        if self._persist and self.store.path is not None:
            from modelatlas.derive import generation

            gen = generation(self.store)
            self.intermediates.generation = gen
            if attach_cache(self.con, cache_path(self.store.path), gen):
                self.intermediates.adopt(self.con)
        else:
            attach_cache(self.con)

    def temp(self, sql: Sql) -> str:
        """Materialise ``sql`` under a fresh name (for iterative algorithms); drop it
        with :meth:`drop`."""
        import uuid

        self._cache()
        name = f"{CACHE_DB}._ma_tmp_{uuid.uuid4().hex[:16]}"
        self.intermediates.ensure(self.con, name, sql, reuse=False)
        return name

    def drop(self, *names: str) -> None:
        self._cache()
        for name in names:
            if _NAME.match(name):
                self.con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Materialise ``sql``'s intermediates (once per store state), then run it."""
        # Reuse is safe only where nobody can write underneath: a read-only store.
        reuse = self.store.read_only
        if sql.intermediates:
            self._cache()
        for name, inter in sql.intermediates:
            for sub_name, sub in inter.intermediates:
                self.intermediates.ensure(self.con, sub_name, sub, reuse=reuse)
            self.intermediates.ensure(self.con, name, inter, reuse=reuse)
        cur = self.con.execute(sql.text, _used(sql.text, sql.params))
        names = [d[0] for d in cur.description or []]
        return names, cur.fetchall()


def _select(names: list[str], rows: list[tuple[Any, ...]], cols: list[Column], query: str
            ) -> list[tuple[Any, ...]]:
    """Rows in the declared column order (a statement must produce every column)."""
    want = [c.name for c in cols]
    if names == want:
        return rows
    try:
        idx = [names.index(c) for c in want]
    except ValueError as exc:
        raise StoreError(f"query {query}: statement lacks a declared column ({exc})") from exc
    return [tuple(r[i] for i in idx) for r in rows]


def _from_records(out: Any, cols: list[Column], query: str) -> list[tuple[Any, ...]]:
    if not cols:  # columns named by the answer itself (declared nowhere else)
        out = list(out)
        cols.extend(Column(k, "json" if isinstance(v, dict | list) else "str")
                    for k, v in (out[0].items() if out else ()))
    names = [c.name for c in cols]
    rows: list[tuple[Any, ...]] = []
    for rec in out:
        missing = [n for n in names if n not in rec]
        if missing:
            raise StoreError(f"query {query}: row lacks declared column {missing[0]!r}")
        rows.append(tuple(rec[n] for n in names))
    return rows
