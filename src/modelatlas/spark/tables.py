"""The store's tables as a folder of Parquet files that Spark (or anything) reads.

Layout of a table folder (a local path or any URL the user's Spark can reach,
``s3a://bucket/atlas``, ``gs://...``, ``abfss://...``)::

    DIR/_commits/0000000003/part-00000.txt    one line: the manifest of commit 3
    DIR/models/c0000000003/*.parquet          a table as written by commit 3
    DIR/observations/c0000000002/snapshot_month=2026-09/*.parquet
    DIR/observations/c0000000003/snapshot_month=2026-10/*.parquet
    ...

Each commit writes new files only, then its manifest: the list of every
table's files and row counts. Readers take the newest manifest, so a write is
seen whole or not at all, and a reader never sees a half-written table (the
store's "one snapshot, one transaction" rule, kept without a table format).
``observations`` is partitioned by snapshot month: a commit that adds a
snapshot rewrites only that month and points at the other months' older files.
Why plain Parquet rather than Delta Lake or Iceberg: docs/dependencies.md.

The schema is the DuckDB store's own (its migrations, read from an in-memory
store), so both engines hold the same columns and types.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelatlas import __version__
from modelatlas.errors import StoreError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from modelatlas.store.db import Store

FORMAT = "modelatlas-tables"
VERSION = 1
COMMITS = "_commits"
PARTITIONED = {"observations": ("snapshot", "snapshot_month")}
_TABLE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)

# DuckDB column types -> Spark SQL types (every type the migrations use).
_SPARK_TYPES = {
    "VARCHAR": "STRING", "BIGINT": "BIGINT", "INTEGER": "INT", "SMALLINT": "SMALLINT",
    "TINYINT": "TINYINT", "DOUBLE": "DOUBLE", "FLOAT": "FLOAT", "BOOLEAN": "BOOLEAN",
    "DATE": "DATE", "TIMESTAMP WITH TIME ZONE": "TIMESTAMP", "TIMESTAMP": "TIMESTAMP_NTZ",
    "UBIGINT": "DECIMAL(20,0)", "UINTEGER": "BIGINT", "HUGEINT": "DECIMAL(38,0)",
    "VARCHAR[]": "ARRAY<STRING>", "BIGINT[]": "ARRAY<BIGINT>", "JSON": "STRING",
}


def spark_type(duck: str) -> str:
    """The Spark SQL type of a DuckDB column type."""
    t = duck.upper()
    if t in _SPARK_TYPES:
        return _SPARK_TYPES[t]
    m = re.fullmatch(r"DECIMAL\((\d+),\s*(\d+)\)", t)
    if m:
        return f"DECIMAL({m.group(1)},{m.group(2)})"
    raise StoreError(f"no Spark type for store column type {duck}")


@functools.lru_cache(maxsize=1)
def _migrated() -> tuple[dict[str, tuple[tuple[str, str], ...]], tuple[tuple[str, str], ...]]:
    """(base tables: name -> ((column, DuckDB type)), views: ((name, DuckDB SELECT)))
    of a freshly migrated store."""
    from modelatlas.store.db import open_store

    with open_store(":memory:") as st:
        rows = st.con.execute("""
            SELECT c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c JOIN information_schema.tables t
              ON t.table_catalog = c.table_catalog AND t.table_schema = c.table_schema
             AND t.table_name = c.table_name
            WHERE c.table_schema = 'main' AND c.table_catalog = current_database()
              AND t.table_type = 'BASE TABLE'
            ORDER BY c.table_name, c.ordinal_position
        """).fetchall()
        # Creation order: a view may read an earlier one.
        views = st.con.execute("""
            SELECT view_name, sql FROM duckdb_views()
            WHERE NOT internal AND schema_name = 'main' AND database_name = current_database()
            ORDER BY view_oid
        """).fetchall()
    out: dict[str, list[tuple[str, str]]] = {}
    for table, col, typ in rows:
        if table != "schema_migrations":
            out.setdefault(str(table), []).append((str(col), str(typ)))
    return {k: tuple(v) for k, v in out.items()}, tuple(
        (str(n), _view_select(str(n), str(q))) for n, q in views)


def _view_select(name: str, create_sql: str) -> str:
    """The SELECT of a ``CREATE VIEW`` statement, in DuckDB's dialect."""
    import sqlglot

    stmt = sqlglot.parse_one(create_sql, read="duckdb")
    body = stmt.expression if isinstance(stmt, sqlglot.exp.Create) else None
    if body is None:
        raise StoreError(f"view {name}: unreadable definition")
    return str(body.sql(dialect="duckdb"))


def store_schema() -> dict[str, tuple[tuple[str, str], ...]]:
    """Every base table of a freshly migrated store: name -> ((column, DuckDB type)).

    Bookkeeping that only a DuckDB file has (``schema_migrations``) is left out;
    views are not tables (:func:`store_views`): their rows follow from the tables.
    """
    return _migrated()[0]


def store_views() -> tuple[tuple[str, str], ...]:
    """Every view of the store, (name, DuckDB-dialect SELECT), in creation order."""
    return _migrated()[1]


def create_views(spark: SparkSession) -> None:
    """The store's views as Spark temporary views over the tables already registered
    under their names (their DuckDB definitions translated: e.g. ``events``, whose
    ``QUALIFY`` becomes a row_number in a subquery)."""
    from modelatlas.spark.session import quiet
    from modelatlas.spark.translate import to_spark

    for name, select in store_views():
        if not _TABLE.match(name):
            raise StoreError(f"unexpected view name {name!r}")
        try:
            with quiet():
                spark.sql(f"CREATE OR REPLACE TEMPORARY VIEW `{name}` AS "
                          f"{to_spark(select).text}")
        except Exception as exc:  # AnalysisException: a definition Spark cannot run
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise StoreError(f"view {name} cannot be created on Spark: {first}") from exc


def ddl(table: str) -> str:
    """Spark DDL schema string of a store table (``id STRING, org STRING, ...``)."""
    return ", ".join(f"`{c}` {spark_type(t)}" for c, t in store_schema()[table])


def is_url(location: str) -> bool:
    return bool(_URL.match(location)) and not location.lower().startswith("file://")


def _local(location: str) -> Path:
    return Path(location[len("file://"):] if location.lower().startswith("file://")
                else location).expanduser().absolute()


def join(root: str, *parts: str) -> str:
    return "/".join([root.rstrip("/"), *parts])


@dataclass
class Manifest:
    """One commit of a table folder: every table's files and row counts."""

    commit: int
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    written_at: str = ""
    writer: str = ""
    parent: int | None = None

    def as_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": VERSION, "commit": self.commit,
            "parent": self.parent, "written_at": self.written_at, "writer": self.writer,
            "modelatlas": __version__, "tables": self.tables}, sort_keys=True)

    @classmethod
    def parse(cls, text: str) -> Manifest | None:
        """The manifest in ``text``, or None for anything else (a torn or foreign file)."""
        try:
            d = json.loads(text)
        except ValueError:
            return None
        if not isinstance(d, dict) or d.get("format") != FORMAT:
            return None
        if not isinstance(d.get("commit"), int) or not isinstance(d.get("tables"), dict):
            return None
        if int(d.get("version", 0)) > VERSION:
            raise StoreError(f"table folder written by a newer modelatlas (format version "
                             f"{d.get('version')}); upgrade modelatlas")
        return cls(int(d["commit"]), dict(d["tables"]), str(d.get("written_at", "")),
                   str(d.get("writer", "")), d.get("parent"))

    def paths(self, root: str, table: str) -> list[str]:
        """Every folder holding the table's files (several for a partitioned table)."""
        entry = self.tables.get(table)
        if entry is None:
            return []
        parts = entry.get("parts")
        rels = sorted(parts.values()) if isinstance(parts, dict) else [entry["path"]]
        return [join(root, r) for r in rels if r]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


# -- local folders (the DuckDB export side) -------------------------------------------
def local_manifest(root: Path) -> Manifest | None:
    """The newest readable manifest of a local table folder, or None."""
    best: Manifest | None = None
    base = root / COMMITS
    if not base.is_dir():
        return None
    for d in sorted(base.iterdir(), reverse=True):
        for f in sorted(d.glob("part-*")) if d.is_dir() else ():
            m = Manifest.parse(f.read_text(encoding="utf-8").strip())
            if m is not None and f"{m.commit:010d}" == d.name:
                best = m
                break
        if best is not None:
            return best
    return None


def _write_local_manifest(root: Path, m: Manifest) -> None:
    """Write the manifest file, then ``_SUCCESS``; the rename makes the line whole."""
    d = root / COMMITS / f"{m.commit:010d}"
    if d.exists():
        raise StoreError(f"commit {m.commit} already exists in {root}: another writer?")
    d.mkdir(parents=True)
    tmp = d / ".part-00000.txt.tmp"
    tmp.write_text(m.as_json() + "\n", encoding="utf-8")
    os.replace(tmp, d / "part-00000.txt")
    (d / "_SUCCESS").write_bytes(b"")


def _sql_str(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def prepare_folder(out: str | Path) -> tuple[Path, Manifest | None]:
    """A local folder to write into: new, empty, or an existing table folder."""
    if isinstance(out, str) and is_url(out):
        raise UsageError(f"export writes a local folder (got {out[:80]!r}); copy it to "
                         "object storage with your usual tool, then point Spark at the copy")
    root = _local(str(out))
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file; export needs a folder")
    prev = local_manifest(root) if root.is_dir() else None
    if root.is_dir() and prev is None and any(root.iterdir()):
        raise UsageError(f"{root} is not empty and holds no modelatlas tables; choose an "
                         "empty or new folder")
    root.mkdir(parents=True, exist_ok=True)
    return root, prev


def export_store(store: Store, out: str | Path) -> Manifest:
    """Write every table of a DuckDB store as Parquet under ``out`` (a new commit).

    ``observations`` is written per snapshot month; every other table as one
    folder. Exporting again into the same folder adds a commit (readers switch
    to it whole) and then removes the files no commit before it still needs.
    """
    root, prev = prepare_folder(out)
    commit = (prev.commit + 1) if prev else 1
    tag = f"c{commit:010d}"
    con = store.con
    have = {str(r[0]) for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        " AND table_catalog = current_database()").fetchall()}
    m = Manifest(commit, written_at=_now(), writer="duckdb export",
                 parent=prev.commit if prev else None)
    for table, cols in store_schema().items():
        if not _TABLE.match(table):
            raise StoreError(f"unexpected table name {table!r}")
        names = ", ".join(f'"{c}"' for c, _ in cols)
        select = f"SELECT {names} FROM {table}" if table in have else None
        if select is None:
            continue
        rows = int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])
        dest = root / table / tag
        dest.mkdir(parents=True)
        if table in PARTITIONED and rows:
            col, part = PARTITIONED[table]
            con.execute(
                f"COPY (SELECT {names}, strftime({col}, '%Y-%m') AS {part} FROM {table})"
                f" TO {_sql_str(dest)} (FORMAT PARQUET, PARTITION_BY ({part}),"
                " COMPRESSION ZSTD, OVERWRITE_OR_IGNORE)").fetchall()
            parts = {p.name.split("=", 1)[1]: f"{table}/{tag}/{p.name}"
                     for p in sorted(dest.iterdir()) if p.is_dir() and "=" in p.name}
            m.tables[table] = {"path": f"{table}/{tag}", "rows": rows, "parts": parts}
        else:
            con.execute(f"COPY ({select}) TO {_sql_str(dest / 'part-00000.parquet')}"
                        " (FORMAT PARQUET, COMPRESSION ZSTD)").fetchall()
            m.tables[table] = {"path": f"{table}/{tag}", "rows": rows}
    _write_local_manifest(root, m)
    if prev is not None:
        prune_local(root, keep=(m, prev))
    return m


def _versions(m: Manifest) -> set[str]:
    """``table/cNNNNNNNNNN`` folders a manifest reads from."""
    out: set[str] = set()
    for entry in m.tables.values():
        parts = entry.get("parts")
        rels = list(parts.values()) if isinstance(parts, dict) else [entry.get("path", "")]
        out.update("/".join(str(r).split("/")[:2]) for r in rels if r)
    return out


def prune_local(root: Path, keep: tuple[Manifest, ...]) -> list[Path]:
    """Remove table versions and commits that none of the ``keep`` manifests reads
    (the previous commit is kept for readers that opened it a moment ago)."""
    needed = set().union(*(_versions(m) for m in keep))
    removed: list[Path] = []
    for table_dir in sorted(root.iterdir()):
        if not table_dir.is_dir() or table_dir.name == COMMITS:
            continue
        for version in sorted(table_dir.iterdir()):
            if re.fullmatch(r"c\d{10}", version.name) \
                    and f"{table_dir.name}/{version.name}" not in needed:
                shutil.rmtree(version, ignore_errors=True)
                removed.append(version)
    oldest = min(m.commit for m in keep)
    for c in sorted((root / COMMITS).iterdir()):
        if c.name.isdigit() and int(c.name) < oldest:
            shutil.rmtree(c, ignore_errors=True)
    return removed


# -- Spark side ------------------------------------------------------------------------
def read_manifest(spark: SparkSession, root: str) -> Manifest:
    """The newest manifest of the table folder at ``root`` (any URL Spark reads)."""
    from modelatlas.spark.session import quiet

    if not is_url(root):
        m = local_manifest(_local(root))
        if m is None:
            raise StoreError(f"no modelatlas tables at {root}: write them with "
                             "`modelatlas export DIR` (or `--engine spark ingest file`)")
        return m
    try:
        with quiet():
            lines = [r[0] for r in spark.read.text(join(root, COMMITS, "*", "part-*"))
                     .collect()]
    except Exception as exc:  # Spark's AnalysisException when the path is absent
        first = (str(exc).strip().splitlines() or ["unreadable"])[0]
        raise StoreError(f"no modelatlas tables at {root}: {first[:200]}") from exc
    found = [m for m in (Manifest.parse(line) for line in lines) if m is not None]
    if not found:
        raise StoreError(f"no modelatlas tables at {root}")
    return max(found, key=lambda m: m.commit)


def empty_frame(spark: SparkSession, table: str) -> DataFrame:
    return spark.createDataFrame([], ddl(table))


def conformed(df: DataFrame, table: str) -> DataFrame:
    """``df`` with exactly the store's columns and types for ``table`` (missing -> NULL)."""
    from pyspark.sql import functions as F

    have = {c.lower(): c for c in df.columns}
    cols = []
    for c, t in store_schema()[table]:
        src = have.get(c.lower())
        value = F.col(f"`{src}`") if src is not None else F.lit(None)
        cols.append(value.cast(spark_type(t)).alias(c))
    return df.select(*cols)


def load(spark: SparkSession, root: str, m: Manifest) -> dict[str, DataFrame]:
    """Every store table of commit ``m`` as a DataFrame with the store's schema."""
    from modelatlas.spark.session import quiet

    out: dict[str, DataFrame] = {}
    with quiet():
        for table in store_schema():
            paths = m.paths(root, table)
            if not paths:
                out[table] = empty_frame(spark, table)
                continue
            # The store's schema is given, so Spark reads no footers to plan; a
            # column an older writer lacked reads as NULL.
            out[table] = spark.read.schema(ddl(table)).parquet(*paths)
    return out


def write(spark: SparkSession, root: str, frames: Mapping[str, DataFrame],
          parts: Mapping[str, Mapping[str, DataFrame]], prev: Manifest | None,
          writer: str) -> Manifest:
    """A new commit: ``frames`` replace whole tables, ``parts`` replace some partitions
    of a partitioned table (month -> rows); every other table keeps its files."""
    from modelatlas.spark.session import quiet

    commit = (prev.commit + 1) if prev else 1
    tag = f"c{commit:010d}"
    m = Manifest(commit, {k: dict(v) for k, v in (prev.tables if prev else {}).items()},
                 written_at=_now(), writer=writer, parent=prev.commit if prev else None)
    with quiet():
        for table, df in frames.items():
            if table in PARTITIONED:
                raise StoreError(f"{table} is written by partition")
            path = f"{table}/{tag}"
            df = conformed(df, table)
            df.write.mode("errorifexists").option("compression", "zstd") \
                .parquet(join(root, path))
            m.tables[table] = {"path": path, "rows": None}
        for table, months in parts.items():
            part = PARTITIONED[table][1]
            entry = dict(m.tables.get(table) or {"path": f"{table}/{tag}", "parts": {}})
            old = dict(entry.get("parts") or {})
            for month, df in months.items():
                rel = f"{table}/{tag}/{part}={month}"
                conformed(df, table).write.mode("errorifexists") \
                    .option("compression", "zstd").parquet(join(root, rel))
                old[month] = rel
            entry["parts"] = old
            entry["rows"] = None
            m.tables[table] = entry
        line = spark.createDataFrame([(m.as_json(),)], "value STRING").coalesce(1)
        line.write.mode("errorifexists").text(join(root, COMMITS, f"{commit:010d}"))
    if not is_url(root) and prev is not None:
        prune_local(_local(root), keep=(m, prev))
    return m
