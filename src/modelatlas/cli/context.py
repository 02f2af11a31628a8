"""Global CLI state (``--db``, ``--engine``, ``--spark-master``) and opening the store
from it: readers get an :class:`~modelatlas.atlas.Atlas` (read-only), writers a store
they may write.

With ``--engine spark`` the queries, ``report`` and ``ingest file`` run on Spark
over a table folder; commands about one model or a live service (``check``,
``serve``, live ingests, reference imports) work on the DuckDB store, and say so.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from modelatlas.atlas import Atlas
from modelatlas.errors import UsageError
from modelatlas.settings import default_db_path
from modelatlas.store import Store, open_store


@dataclass
class _State:
    db: str | None = None
    engine: str = "duckdb"
    spark_master: str | None = None
    command: tuple[str, ...] = ()


#: Commands that need a DuckDB store whatever the engine (one model, a live server).
DUCKDB_ONLY = {("check",): "check reads one model from", ("serve",): "serve answers from"}


def _duckdb_only(what: str) -> UsageError:
    return UsageError(f"{what} the DuckDB store; drop --engine spark (Spark runs the "
                      "queries, report, export and ingest file; docs/scale.md)")


state = _State()


def check_engine() -> None:
    """Refuse, before any work, a command that cannot run on the chosen engine."""
    if state.engine != "duckdb" and state.command in DUCKDB_ONLY:
        raise _duckdb_only(DUCKDB_ONLY[state.command])


def store(*, create: bool = True) -> Store:
    """The store named by ``--db`` / ``MODELATLAS_DB`` / the default path, for writing."""
    if state.engine != "duckdb":
        raise _duckdb_only(" ".join(state.command) + " writes")  # e.g. ingest hub, import
    return open_store(state.db, create=create)


def atlas(*, optional: bool = False) -> Atlas:
    """The store for reading (read-only; several readers may share it). ``optional``:
    without a store file, an empty stand-in for catalog-only answers."""
    spark_url = state.engine == "spark" and "://" in (state.db or "")
    if optional and state.db != ":memory:" and not spark_url:
        path = Path(state.db).expanduser() if state.db else default_db_path()
        if not path.exists():
            return Atlas.catalog_only()
    at = Atlas.open(state.db, engine=state.engine, spark_master=state.spark_master)
    if at.stale:
        print("note: the store is being written by another program; derived tables may lag"
              " the newest data", file=sys.stderr)
    return at
