"""Per-snapshot licence and gating history, the input of change events.

``models`` keeps only the latest metadata, so licence narrowing or a new gate
would be invisible. Two writers feed ``model_history``:

* :func:`capture_staged` — called by the ingest transaction on the staged input
  (``_final``), so every snapshot's own values are kept even when several
  snapshots go in one run (hook for ``store/ingest.py``);
* :func:`capture_models` — the fallback run by the events derive step: it records
  the latest metadata of each model at its ``meta_snapshot``.

Both insert a row only where it differs from the model's previous stored row
(an ASOF join), so the table grows with changes, not with snapshots.

:func:`mark_scope` records whether a snapshot lists every model of its source
(a dump or a complete crawl) — only then can absence mean removal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from modelatlas.store import tagsql

FULL_FORMATS = frozenset({"hub-parquet"})
"""File formats that are complete listings of a source (Hub dumps)."""

_COMPARE = ("org", "license_raw", "license_name", "license_link", "license_known", "gated")


def _insert_changed(con: duckdb.DuckDBPyConnection, incoming: str) -> None:
    """Insert rows of ``incoming`` that differ from the model's previous row.

    The previous row is taken from the stored history and the other incoming
    rows together, so one input holding several snapshots is deduplicated too.
    """
    prev = ", ".join(f"lag({c}) OVER w AS p_{c}" for c in _COMPARE)
    differs = " OR ".join(f"{c} IS DISTINCT FROM p_{c}" for c in _COMPARE)
    cols = ("source, snapshot, model_id, org, license_raw, license_name, license_link,"
            " license_known, gated")
    con.execute(f"""
        INSERT INTO model_history ({cols})
        WITH inc AS (
            SELECT {cols}, TRUE AS fresh FROM {incoming}
            WHERE license_known OR gated IS NOT NULL
        ), old AS (
            SELECT {cols}, FALSE AS fresh FROM model_history h
            WHERE EXISTS (SELECT 1 FROM inc WHERE inc.source = h.source
                                              AND inc.model_id = h.model_id)
        ), seq AS (
            SELECT *, lag(snapshot) OVER w AS p_snapshot, {prev}
            FROM (SELECT * FROM inc UNION ALL SELECT * FROM old)
            WINDOW w AS (PARTITION BY source, model_id ORDER BY snapshot)
        )
        SELECT {cols} FROM seq
        WHERE fresh AND (p_snapshot IS NULL OR {differs})
    """)


def capture_staged(con: duckdb.DuckDBPyConnection, hub: str, staged: str = "_final") -> None:
    """Record the licence/gating of every staged record (inside the ingest transaction).

    ``staged`` has the canonical record columns (one row per snapshot and id).
    Values for this input's (snapshot, model) pairs replace earlier ones, so
    re-ingesting the same input is idempotent.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _hist_in AS
        SELECT ?::VARCHAR AS source, snapshot, id AS model_id,
               coalesce(nullif(trim(author), ''),
                        CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 1) END) AS org,
               coalesce({tagsql.prefixed('license')}[1], card_license) AS license_raw,
               card_license_name AS license_name, card_license_link AS license_link,
               (coalesce({tagsql.prefixed('license')}[1], card_license, card_license_name)
                    IS NOT NULL
                OR (len(coalesce(tags, [])) > 0 AND len(coalesce(truncated_tags, [])) = 0)
               ) AS license_known,
               nullif(lower(trim(gated)), '') AS gated
        FROM {staged}
    """, [hub])
    con.execute("""
        DELETE FROM model_history h USING _hist_in i
        WHERE h.source = i.source AND h.snapshot = i.snapshot AND h.model_id = i.model_id
    """)
    _insert_changed(con, "_hist_in")
    con.execute("DROP TABLE IF EXISTS _hist_in")


def capture_models(con: duckdb.DuckDBPyConnection) -> None:
    """Fallback: record each model's latest metadata at its ``meta_snapshot``.

    Skips (source, snapshot, model) pairs already recorded, and values equal to
    the previous stored row; so with the ingest hook in place it adds nothing.
    """
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _hist_in AS
        SELECT m.source, m.meta_snapshot AS snapshot, m.id AS model_id, m.org,
               m.license_raw, m.license_name, m.license_link,
               (m.license_raw IS NOT NULL OR m.license_name IS NOT NULL
                OR (len(coalesce(m.tags, [])) > 0 AND len(coalesce(m.truncated_tags, [])) = 0)
               ) AS license_known,
               nullif(lower(trim(m.gated)), '') AS gated
        FROM models m
        ANTI JOIN model_history h
          ON h.source = m.source AND h.snapshot = m.meta_snapshot AND h.model_id = m.id
    """)
    _insert_changed(con, "_hist_in")
    con.execute("DROP TABLE IF EXISTS _hist_in")


def mark_scope(con: duckdb.DuckDBPyConnection, source: str, snapshots: Iterable[dt.date | str],
               fmt: str | None, full: bool | None = None) -> None:
    """Say whether ``snapshots`` of ``source`` are complete listings.

    ``full`` defaults to ``fmt in FULL_FORMATS``. A snapshot once marked full stays
    full (a later partial file for the same date does not downgrade it).
    """
    is_full = (fmt in FULL_FORMATS) if full is None else full
    for snap in snapshots:
        con.execute(
            """
            INSERT INTO snapshot_scope AS s (source, snapshot, format, "full")
            VALUES (?, ?, ?, ?)
            ON CONFLICT (source, snapshot) DO UPDATE SET
                "full" = s."full" OR excluded."full",
                format = CASE WHEN excluded."full" THEN excluded.format ELSE s.format END
            """,
            [source, snap, fmt, is_full],
        )
