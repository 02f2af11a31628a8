"""``latest_observations``: each model's observation at its newest snapshot.

Equal at all times to the window query :data:`WINDOW` over every observation
(newest snapshot first; on the same snapshot 'hf' before 'modelscope', the
alphabetical order of the source names), but kept incrementally in the ingest's
own transaction so reads of "current downloads" never scan 60M rows.

Only rows that can change it are looked at: the observations an input wrote
(``_obs``) or, after a crawl carries rows over, that snapshot's rows.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from modelatlas.store.merge import dates_sql, hub_sql

COLS = ("model_id, source, snapshot, observed_at, downloads_30d, downloads_all_time, likes,"
        " trending_score, children_count, carried_over")

WINDOW = f"""
    SELECT {COLS} FROM observations
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot DESC, source) = 1
"""


def apply(con: duckdb.DuckDBPyConnection, written_sql: str, *, one_snapshot: bool = False) -> int:
    """Fold the written observations ``written_sql`` (``COLS``; one source) into the table.

    ``one_snapshot``: the rows are already one per model. Returns the rows changed.
    """
    pick = "" if one_snapshot else (
        "QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot DESC, source) = 1")
    if not con.execute("SELECT count(*) FROM latest_observations").fetchall()[0][0]:
        # An empty table (a first load): every written row is the newest; no join,
        # no copy of the rows into a temporary table first.
        rows = con.execute(f"INSERT INTO latest_observations ({COLS})"
                           f" SELECT {COLS} FROM ({written_sql}) {pick}").fetchall()
        return int(rows[0][0])
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lat_in AS
        SELECT i.*, l.model_id IS NOT NULL AS stored
        FROM (SELECT {COLS} FROM ({written_sql}) {pick}) i
        LEFT JOIN latest_observations l ON l.model_id = i.model_id
        WHERE l.model_id IS NULL OR i.snapshot > l.snapshot
           OR (i.snapshot = l.snapshot AND i.source <= l.source)
    """)
    con.execute("""
        UPDATE latest_observations SET source = i.source, snapshot = i.snapshot,
            observed_at = i.observed_at, downloads_30d = i.downloads_30d,
            downloads_all_time = i.downloads_all_time, likes = i.likes,
            trending_score = i.trending_score, children_count = i.children_count,
            carried_over = i.carried_over
        FROM _lat_in i WHERE i.stored AND latest_observations.model_id = i.model_id
    """)
    con.execute(f"INSERT INTO latest_observations ({COLS})"
                f" SELECT {COLS} FROM _lat_in WHERE NOT stored")
    n = int(con.execute("SELECT count(*) FROM _lat_in").fetchall()[0][0])
    con.execute("DROP TABLE IF EXISTS _lat_in")
    return n


def apply_snapshot(con: duckdb.DuckDBPyConnection, source: str, snapshot: dt.date) -> int:
    """Fold in every stored observation of (``source``, ``snapshot``); for writers that
    add observations outside :func:`modelatlas.store.ingest.load_input` (a crawl's
    carried-over rows). Call in the same transaction."""
    return apply(con, f"SELECT {COLS} FROM observations WHERE source = {hub_sql(source)}"
                      f" AND snapshot = {dates_sql([snapshot])}", one_snapshot=True)


def rebuild(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the whole table from observations (repair; tests compare with it)."""
    con.execute("DELETE FROM latest_observations")
    con.execute(f"INSERT INTO latest_observations ({COLS}) {WINDOW}")
