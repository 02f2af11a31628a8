"""Per-snapshot history the change events are computed from, kept by the ingest.

``models`` keeps only the latest metadata, so licence narrowing, a new gate or a
re-created repo would be invisible. Three records are kept, in the ingest's own
transaction:

* ``model_history`` — org, licence fields and gating per (source, snapshot,
  model), stored only where they differ from the model's previous stored row (an
  ordered comparison), so the table grows with changes, not with snapshots;
* ``model_creations`` — every creation time stated for a repo whose stated
  creation time changed (a repo deleted and re-created under the same id);
* ``snapshot_scope`` — whether a snapshot lists every model of its source (a dump
  or a complete crawl): only then can absence mean removal.

:func:`capture_models` is the fallback the events step runs for writers that
change ``models`` outside the ingest (``ingest details``).

Caveat: rows equal to their predecessor are not stored, so a snapshot ingested
*later* than a newer one and carrying a different value can only be placed
before the newer rows that were kept; within one command inputs are applied in
time order (``modelatlas.pipeline``), which avoids that case.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from modelatlas.store import changes, tagsql
from modelatlas.store.merge import hub_sql

FULL_FORMATS = frozenset({"hub-parquet"})
"""File formats that are complete listings of a source (Hub dumps)."""

_COMPARE = ("org", "license_raw", "license_name", "license_link", "license_known", "gated")
_COLS = ("source, snapshot, model_id, org, license_raw, license_name, license_link,"
         " license_known, gated")


def _insert_changed(con: duckdb.DuckDBPyConnection, incoming: str) -> int:
    """Insert rows of ``incoming`` that differ from the model's previous row.

    The previous row is taken from the stored history and the other incoming
    rows together, so one input holding several snapshots is deduplicated too.
    Returns the number of rows inserted.
    """
    prev = ", ".join(f"lag({c}) OVER w AS p_{c}" for c in _COMPARE)
    differs = " OR ".join(f"{c} IS DISTINCT FROM p_{c}" for c in _COMPARE)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hist_new AS
        WITH inc AS (
            SELECT {_COLS}, TRUE AS fresh FROM {incoming}
            WHERE license_known OR gated IS NOT NULL
        ), old AS (
            SELECT {", ".join("h." + c.strip() for c in _COLS.split(","))}, FALSE AS fresh
            FROM model_history h SEMI JOIN (SELECT DISTINCT source, model_id FROM inc) k
              ON k.source = h.source AND k.model_id = h.model_id
        ), seq AS (
            SELECT *, lag(snapshot) OVER w AS p_snapshot, {prev}
            FROM (SELECT * FROM inc UNION ALL SELECT * FROM old)
            WINDOW w AS (PARTITION BY source, model_id ORDER BY snapshot)
        )
        SELECT {_COLS} FROM seq
        WHERE fresh AND (p_snapshot IS NULL OR {differs})
    """)
    con.execute(f"INSERT INTO model_history ({_COLS}) SELECT {_COLS} FROM _hist_new")
    n = con.execute("SELECT count(*) FROM _hist_new").fetchall()[0][0]
    return int(n)


def _staged_rows(source_sql: str, hub: str) -> str:
    """SQL: the history columns of staged canonical rows (parsed columns of ``_stg``)."""
    return f"""
        SELECT {hub_sql(hub)} AS source, snapshot, id AS model_id, org, license_raw,
               card_license_name AS license_name, card_license_link AS license_link,
               license_known, nullif(lower(trim(gated)), '') AS gated
        FROM {source_sql}
    """


def capture_staged(con: duckdb.DuckDBPyConnection, hub: str, staged: str = "_stg",
                   *, single: bool = False) -> int:
    """Record the licence/gating of staged records (inside the ingest transaction).

    ``staged`` has the parsed staging columns (``org``, ``license_raw``,
    ``license_known``, the card fields, ``gated``), one row per snapshot and id;
    ``single``: one snapshot, so one row per model, compared with its latest stored
    row before that snapshot (an ASOF join, no window over the whole history).
    Values for these (snapshot, model) pairs replace earlier ones, so re-ingesting
    the same input is idempotent. Returns the number of history rows inserted
    (they stay in ``_hist_new`` until the transaction ends).
    """
    stored = int(con.execute("SELECT count(*) FROM model_history").fetchall()[0][0])
    if single and not stored:
        # Nothing stored (a first load): every row stating something is news; the
        # staged rows are read once, without a copy in ``_hist_in`` or a join.
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _hist_new AS
            SELECT {_COLS} FROM ({_staged_rows(staged, hub)})
            WHERE license_known OR gated IS NOT NULL
        """)
        con.execute(f"INSERT INTO model_history ({_COLS}) SELECT {_COLS} FROM _hist_new")
        return int(con.execute("SELECT count(*) FROM _hist_new").fetchall()[0][0])
    con.execute(f"CREATE OR REPLACE TEMP TABLE _hist_in AS {_staged_rows(staged, hub)}")
    if stored:
        con.execute("""
            DELETE FROM model_history h USING _hist_in i
            WHERE h.source = i.source AND h.snapshot = i.snapshot AND h.model_id = i.model_id
        """)
    if not single:
        n = _insert_changed(con, "_hist_in")
    else:
        differs = " OR ".join(f"i.{c} IS DISTINCT FROM h.{c}" for c in _COMPARE)
        cols = ", ".join("i." + c.strip() for c in _COLS.split(","))
        prev = ("ASOF LEFT JOIN model_history h ON h.source = i.source"
                " AND h.model_id = i.model_id AND i.snapshot > h.snapshot") if stored else (
                "LEFT JOIN (SELECT * FROM model_history LIMIT 0) h ON FALSE")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _hist_new AS
            SELECT {cols} FROM _hist_in i {prev}
            WHERE (i.license_known OR i.gated IS NOT NULL)
              AND (h.model_id IS NULL OR {differs})
        """)
        con.execute(f"INSERT INTO model_history ({_COLS}) SELECT {_COLS} FROM _hist_new")
        n = int(con.execute("SELECT count(*) FROM _hist_new").fetchall()[0][0])
    con.execute("DROP TABLE IF EXISTS _hist_in")
    return n


def capture_models(con: duckdb.DuckDBPyConnection, only: str | None = None) -> int:
    """Fallback for writers that change ``models`` outside the ingest (``ingest details``):
    record a model's current licence/gating/org at its ``meta_snapshot`` when they
    differ from its latest stored history row (and no row is stored at that snapshot).

    ``only``: SQL of a ``model_id`` column restricting the models looked at.
    """
    restrict_m = f"SEMI JOIN ({only}) d ON d.model_id = m.id" if only else ""
    restrict_h = f"SEMI JOIN ({only}) d ON d.model_id = h.model_id" if only else ""
    last = ", ".join(f"arg_max(h.{c}, h.snapshot) AS {c}" for c in _COMPARE)
    differs = " OR ".join(f"i.{c} IS DISTINCT FROM l.{c}" for c in _COMPARE)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hist_in AS
        SELECT m.source, m.meta_snapshot AS snapshot, m.id AS model_id, m.org,
               m.license_raw, m.license_name, m.license_link,
               ({tagsql.license_known('m.license_raw', 'm.license_name', 'm.tags',
                                      'm.truncated_tags')}) AS license_known,
               nullif(lower(trim(m.gated)), '') AS gated
        FROM models m {restrict_m}
    """)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hist_new AS
        SELECT {", ".join("i." + c.strip() for c in _COLS.split(","))}
        FROM _hist_in i
        LEFT JOIN (SELECT h.source, h.model_id, {last} FROM model_history h {restrict_h}
                   GROUP BY h.source, h.model_id) l
          ON l.source = i.source AND l.model_id = i.model_id
        ANTI JOIN (SELECT h.source, h.snapshot, h.model_id FROM model_history h {restrict_h}) x
          ON x.source = i.source AND x.snapshot = i.snapshot AND x.model_id = i.model_id
        WHERE (i.license_known OR i.gated IS NOT NULL) AND (l.model_id IS NULL OR {differs})
    """)
    con.execute(f"INSERT INTO model_history ({_COLS}) SELECT {_COLS} FROM _hist_new")
    n = int(con.execute("SELECT count(*) FROM _hist_new").fetchall()[0][0])
    con.execute("DROP TABLE IF EXISTS _hist_in")
    con.execute("DROP TABLE IF EXISTS _hist_new")
    return n


def capture_creations(con: duckdb.DuckDBPyConnection, hub: str, pairs_sql: str) -> int:
    """Record creation times of re-created repos.

    ``pairs_sql`` yields ``(model_id, created_at, seen)`` for every model whose
    stated creation times (this input's and the stored one) are not all equal.
    Returns the number of new rows.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _cre_new AS
        SELECT p.model_id, {hub_sql(hub)} AS source, p.created_at, min(p.seen) AS seen
        FROM ({pairs_sql}) p
        ANTI JOIN model_creations c ON c.model_id = p.model_id AND c.created_at = p.created_at
        WHERE p.created_at IS NOT NULL
        GROUP BY p.model_id, p.created_at
    """)
    con.execute("INSERT INTO model_creations SELECT model_id, source, created_at, seen"
                " FROM _cre_new")
    n = con.execute("SELECT count(*) FROM _cre_new").fetchall()[0][0]
    con.execute("DROP TABLE IF EXISTS _cre_new")
    return int(n)


def mark_scope(con: duckdb.DuckDBPyConnection, source: str, snapshots: Iterable[dt.date | str],
               fmt: str | None, full: bool | None = None) -> None:
    """Say whether ``snapshots`` of ``source`` are complete listings, outside an ingest:
    also tells derive (a new generation; removal events of these snapshots change)."""
    snaps = list(snapshots)
    set_scope(con, source, snaps, fmt, full)
    changes.mark_snapshots(con, changes.touch(con), source, snaps)


def set_scope(con: duckdb.DuckDBPyConnection, source: str, snapshots: Iterable[dt.date | str],
              fmt: str | None, full: bool | None = None) -> None:
    """Record the scope of ``snapshots`` (inside the ingest, which marks them dirty).

    ``full`` defaults to ``fmt in FULL_FORMATS``. A snapshot once marked full stays
    full (a later partial file for the same date does not downgrade it).
    """
    is_full = (fmt in FULL_FORMATS) if full is None else full
    days = [str(s) for s in snapshots]
    if not days:
        return
    con.execute(
        """
        INSERT INTO snapshot_scope AS s (source, snapshot, format, "full")
        SELECT ?, unnest(?::DATE[]), ?, ?
        ON CONFLICT (source, snapshot) DO UPDATE SET
            "full" = s."full" OR excluded."full",
            format = CASE WHEN excluded."full" THEN excluded.format ELSE s.format END
        """,
        [source, days, fmt, is_full],
    )
