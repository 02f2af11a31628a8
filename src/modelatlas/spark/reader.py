"""The Spark engine behind the query seam: registered queries run on Spark SQL.

:class:`SparkReader` implements :class:`~modelatlas.queries._engine.EngineReader`
(``rows/scalar/execute/temp/drop``), so every registered query, its ``sql``
builder or its ``run`` function, runs unchanged: statements are translated by
:mod:`modelatlas.spark.translate`, parameters are bound by Spark, the store's
tables are temporary views over a table folder (:mod:`modelatlas.spark.tables`),
and an intermediate (a downloads cube) is computed once, kept by Spark
(``localCheckpoint``: materialised, plan cut) and named as a temporary view,
exactly as DuckDB keeps it in ``ma_cache``.

Each reader works in its own Spark session (``newSession``: shared executors,
private views), so two table folders can be open side by side in one process.
"""

from __future__ import annotations

import re
import threading
import uuid
from typing import TYPE_CHECKING, Any

from modelatlas.errors import EngineError, StoreError
from modelatlas.queries._engine import CACHE_DB, EngineReader
from modelatlas.queries._registry import Sql
from modelatlas.spark import tables as tbl
from modelatlas.spark.session import quiet
from modelatlas.spark.translate import to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

_NAME = re.compile(r"^ma_cache\._ma_[a-z]{1,12}_[0-9a-f]{16}$")


def view_name(name: str) -> str:
    """``ma_cache._ma_cube_<hash>`` -> the temporary view ``_ma_cube_<hash>``."""
    if not _NAME.match(name):
        raise StoreError(f"not an intermediate table name: {name!r}")
    return name[len(CACHE_DB) + 1:]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines() or [type(exc).__name__])[0][:300]


class SparkReader(EngineReader):
    """Runs registered queries on Spark over one table folder."""

    engine = "spark"

    def __init__(self, spark: SparkSession, root: str, *, isolate: bool = True,
                 cache: bool = False) -> None:
        self.root = root
        self.base = spark
        with quiet():
            # A private session per reader (shared SparkContext); Spark Connect
            # sessions are already private to their client.
            self.spark = spark.newSession() if isolate and _classic(spark) else spark
        self.manifest = tbl.read_manifest(self.spark, root)
        self.frames = tbl.load(self.spark, root, self.manifest)
        for name, df in self.frames.items():
            if cache:  # small stores read many times (tests, a report): keep in memory
                df = df.cache()
                self.frames[name] = df
            df.createOrReplaceTempView(name)
        tbl.create_views(self.spark)
        self._lock = threading.Lock()
        self._made: dict[str, DataFrame] = {}
        self._building: dict[str, threading.Lock] = {}

    # -- the seam ------------------------------------------------------------------------
    def frame(self, sql: Sql) -> DataFrame:
        """``sql`` as a Spark DataFrame (its intermediates materialised first)."""
        for name, inter in sql.intermediates:
            for sub_name, sub in inter.intermediates:
                self._ensure(sub_name, sub)
            self._ensure(name, inter)
        s = to_spark(sql.text)
        args = {k: _arg(sql.params[k]) for k in s.params if k in sql.params}
        missing = [k for k in s.params if k not in sql.params]
        if missing:
            raise StoreError(f"statement needs parameter ${missing[0]} and none was given")
        try:
            with quiet():
                return self.spark.sql(s.text, args=args or None)
        except Exception as exc:  # AnalysisException / ParseException / Py4J errors
            raise EngineError(f"Spark refused a statement: {_first_line(exc)}") from exc

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        df = self.frame(sql)
        try:
            with quiet():
                table = df.toArrow()
        except Exception as exc:
            raise EngineError(f"Spark failed on a statement: {_first_line(exc)}") from exc
        cols = [c.to_pylist() for c in table.columns]
        return list(table.column_names), list(zip(*cols, strict=True)) if cols else []

    def temp(self, sql: Sql) -> str:
        name = f"{CACHE_DB}._ma_tmp_{uuid.uuid4().hex[:16]}"
        self._materialise(name, sql)
        return name

    def drop(self, *names: str) -> None:
        for name in names:
            if not _NAME.match(name):
                continue
            with self._lock:
                df = self._made.pop(name, None)
            with quiet():
                self.spark.catalog.dropTempView(view_name(name))
                if df is not None:
                    df.unpersist()

    # -- intermediates -----------------------------------------------------------------
    def _ensure(self, name: str, sql: Sql) -> None:
        """Materialise ``name`` once; concurrent callers for the same name wait for the
        first (queries may run from several threads on one session)."""
        with self._lock:
            if name in self._made:
                return
            build = self._building.setdefault(name, threading.Lock())
        with build:
            with self._lock:
                if name in self._made:
                    return
            self._materialise(name, sql)

    def _materialise(self, name: str, sql: Sql) -> None:
        view = view_name(name)
        df = self.frame(sql)
        try:
            with quiet():
                df = df.localCheckpoint(eager=True)
                df.createOrReplaceTempView(view)
        except Exception as exc:
            raise EngineError(f"Spark failed on an intermediate: {_first_line(exc)}") from exc
        with self._lock:
            self._made[name] = df

    def close(self) -> None:
        """Drop this reader's intermediates (the session itself is the caller's)."""
        self.drop(*list(self._made))


def _classic(spark: SparkSession) -> bool:
    try:
        with quiet():
            from pyspark.sql.connect.session import SparkSession as Remote
    except ImportError:
        return True
    return not isinstance(spark, Remote)


def _arg(value: Any) -> Any:
    """A parameter value as Spark binds it: dates, numbers, text, booleans, NULL, and
    lists of those (an array literal, what DuckDB binds a Python list as)."""
    if isinstance(value, list | tuple):
        if any(isinstance(v, list | tuple | dict | set) for v in value):
            raise StoreError("nested list parameters are not portable")
        return list(value)
    if isinstance(value, dict | set):
        raise StoreError("map and set parameters are not portable; use a list")
    return value
