"""``Atlas.open(..., engine="spark")``: an :class:`~modelatlas.atlas.Atlas` on Spark.

Where the tables come from:

- a folder or URL written by ``modelatlas export DIR`` (or by ``--engine spark
  ingest file``): read where it is, by the local Spark or a cluster;
- a DuckDB store file: exported to a temporary folder first (only a Spark in this
  process can read that folder, so this needs a local master), removed at close.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from modelatlas import settings
from modelatlas.errors import StoreError, UsageError
from modelatlas.spark import session
from modelatlas.spark import tables as tbl

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from modelatlas.atlas import Atlas


def _export_temp(db: Path) -> str:
    """A DuckDB store exported to a fresh temporary folder (derived tables current)."""
    from modelatlas.atlas import bring_up_to_date
    from modelatlas.store.db import open_store

    bring_up_to_date(db)
    out = Path(tempfile.mkdtemp(prefix="modelatlas-spark-"))
    try:
        with open_store(db, read_only=True) as st:
            tbl.export_store(st, out / "tables")
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return str(out / "tables")


def resolve_location(path: str | Path | None, t: session.Target) -> tuple[str, Path | None]:
    """(table folder root, temporary folder to remove at close or None)."""
    loc = str(path) if path is not None else str(settings.default_db_path())
    if loc == ":memory:":
        raise UsageError("the Spark engine needs tables: give --db a table folder (see "
                         "`modelatlas export DIR`) or a DuckDB store")
    if tbl.is_url(loc):
        return loc, None
    p = Path(loc[len("file://"):] if loc.startswith("file://") else loc).expanduser()
    if p.is_dir():
        return str(p.absolute()), None
    if p.is_file():
        if not t.local:
            raise UsageError(f"{p} is a DuckDB store that a cluster cannot read: run "
                             "`modelatlas export DIR`, copy DIR where the cluster reads, "
                             "and pass --db DIR")
        root = _export_temp(p)
        return root, Path(root).parent
    raise StoreError(f"no store at {p}: ingest something first (see `modelatlas --help`)")


def open_spark(path: str | Path | None = None, master: str | None = None, *,
               spark: SparkSession | None = None, cache: bool = False) -> Atlas:
    """An Atlas answering on Spark. ``spark``: a session to use (not stopped at close);
    otherwise one is started from ``master`` / settings and stopped at close."""
    from modelatlas.atlas import Atlas
    from modelatlas.spark.reader import SparkReader
    from modelatlas.store.db import open_store

    t = session.target(master)
    session.require(t)
    root, temp = resolve_location(path, t)
    spark = spark or session.active()
    own = spark is None
    try:
        sp = spark if spark is not None else session.start(t)
        try:
            reader = SparkReader(sp, root, cache=cache)
        except BaseException:
            if own:
                session.stop(sp)
            raise
    except BaseException:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        raise

    def close() -> None:
        try:
            reader.close()
            if own:
                session.stop(sp)
        finally:
            if temp is not None:
                shutil.rmtree(temp, ignore_errors=True)

    return Atlas(open_store(":memory:"), reader=reader, on_close=close)
