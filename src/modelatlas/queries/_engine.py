"""Running registered queries on DuckDB: intermediates computed once, results as rows.

A :class:`Reader` wraps one DuckDB connection (or a cursor of it, one per web
worker thread). Intermediate tables (a downloads cube, a label table) are
materialised in an attached in-memory database, ``ma_cache``, which every
cursor of the same connection sees, works on read-only stores, and is
emptied when the store's data changes (:class:`Intermediates`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
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


def attach_cache(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the in-memory ``ma_cache`` database once per connection."""
    have = con.execute(
        "SELECT count(*) FROM duckdb_databases() WHERE database_name = ?", [CACHE_DB]
    ).fetchall()[0][0]
    if not have:
        con.execute(f"ATTACH ':memory:' AS {CACHE_DB} (READ_WRITE)").fetchall()


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
        attach_cache(self.con)

    def temp(self, sql: Sql) -> str:
        """Materialise ``sql`` under a fresh name (for iterative algorithms); drop it
        with :meth:`drop`."""
        import uuid

        name = f"{CACHE_DB}._ma_tmp_{uuid.uuid4().hex[:16]}"
        self.intermediates.ensure(self.con, name, sql, reuse=False)
        return name

    def drop(self, *names: str) -> None:
        for name in names:
            if _NAME.match(name):
                self.con.execute(f"DROP TABLE IF EXISTS {name}").fetchall()

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Materialise ``sql``'s intermediates (once per store state), then run it."""
        # Reuse is safe only where nobody can write underneath: a read-only store.
        reuse = self.store.read_only
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
