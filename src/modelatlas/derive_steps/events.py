"""Change events between consecutive snapshots, set-based and incremental.

Two families, each recomputed only where its inputs changed (full on the first run):

From the per-snapshot history (``model_history``, ``model_creations``), per model:

* ``license_changed`` — a model's canonical licence differs from the one at its
  previous snapshot that carried licence information (partial listings count:
  a model seen with Apache-2.0 in May and with a research licence in June
  changed, whatever listed it);
* ``gated_added`` / ``gated_removed`` — gating went from ``false`` to
  ``auto``/``manual`` or back (a change between auto and manual is not an event);
* ``org_renamed`` — the author of the same model id changed;
* ``recreated`` — the repo states a later creation time than before (deleted and
  re-created under the same id); ``at`` is the new creation date (one event a
  day: ``old`` the creation time before that day's first re-creation, ``new`` the
  day's last).

From presence in consecutive *full* snapshots of a source (Hub dumps, complete
crawls, simulated hubs: absence from a trending or new-models list says nothing),
per snapshot (a changed snapshot and the next full one):

* ``removed`` / ``reappeared``;
* ``org_renamed`` — a model vanished and a model with the same name and creation
  time appeared under another org (its ``removed`` event is then dropped).

Full snapshots: ``snapshot_scope`` rows marked full, complete crawl jobs
(listed, no ``--limit``, no ``--since``) and simulated snapshots.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import duckdb

from modelatlas.store.db import Store
from modelatlas.store.history import capture_models
from modelatlas.store.merge import dates_sql

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 40
NAME = "events"

FULL_SNAPSHOTS = """
    SELECT source, snapshot FROM snapshot_scope WHERE "full"
    UNION
    SELECT source, snapshot FROM crawl_jobs
    WHERE status = 'done' AND listed
      AND json_extract_string(job_key, '$.limit') IS NULL
      AND json_extract_string(job_key, '$.since') IS NULL
    UNION
    SELECT source, snapshot FROM snapshots WHERE simulated
"""

# History-based events of the models in {only} (a relation of model_id).
LICENSE_EVENTS = """
    WITH h AS (
        SELECT h.source, h.snapshot, h.model_id, r.license_id,
               lag(r.license_id) OVER w AS prev
        FROM model_history h {only} JOIN license_resolutions r
          ON h.license_raw IS NOT DISTINCT FROM r.license_raw
         AND h.license_name IS NOT DISTINCT FROM r.license_name
         AND h.license_link IS NOT DISTINCT FROM r.license_link
        WHERE h.license_known
        WINDOW w AS (PARTITION BY h.source, h.model_id ORDER BY h.snapshot)
    )
    SELECT model_id, source, snapshot AS "at", 'license_changed' AS kind,
           prev AS old, license_id AS new
    FROM h WHERE prev IS NOT NULL AND prev <> license_id
"""

GATING_EVENTS = """
    WITH h AS (
        SELECT h.source, h.snapshot, h.model_id, h.gated, lag(h.gated) OVER w AS prev
        FROM model_history h {only} WHERE h.gated IS NOT NULL
        WINDOW w AS (PARTITION BY h.source, h.model_id ORDER BY h.snapshot)
    )
    SELECT model_id, source, snapshot AS "at",
           CASE WHEN prev = 'false' THEN 'gated_added' ELSE 'gated_removed' END AS kind,
           prev AS old, gated AS new
    FROM h
    WHERE (prev = 'false' AND gated IN ('auto', 'manual', 'true'))
       OR (prev IN ('auto', 'manual', 'true') AND gated = 'false')
"""

AUTHOR_EVENTS = """
    WITH h AS (
        SELECT h.source, h.snapshot, h.model_id, h.org, lag(h.org) OVER w AS prev
        FROM model_history h {only} WHERE h.org IS NOT NULL
        WINDOW w AS (PARTITION BY h.source, h.model_id ORDER BY h.snapshot)
    )
    SELECT model_id, source, snapshot AS "at", 'org_renamed' AS kind, prev AS old, org AS new
    FROM h WHERE prev IS NOT NULL AND lower(prev) <> lower(org)
"""

RECREATIONS = """
    WITH c AS (
        SELECT c.model_id, c.source, c.created_at,
               lag(c.created_at) OVER (PARTITION BY c.model_id ORDER BY c.created_at) AS prev
        FROM model_creations c {only}
    )
    SELECT model_id, any_value(source) AS source, CAST(created_at AS DATE) AS "at",
           'recreated' AS kind, CAST(min(prev) AS VARCHAR) AS old,
           CAST(max(created_at) AS VARCHAR) AS new
    FROM c WHERE prev IS NOT NULL
    GROUP BY model_id, CAST(created_at AS DATE)
"""

HISTORY_EVENTS = " UNION ALL ".join(
    f"SELECT * FROM ({q})" for q in (LICENSE_EVENTS, GATING_EVENTS, AUTHOR_EVENTS, RECREATIONS))


def _history(con: duckdb.DuckDBPyConnection, models_sql: str | None) -> None:
    if models_sql is None:
        con.execute("DELETE FROM events_history")
        sql = HISTORY_EVENTS.replace("{only}", "")
    else:
        # The changed models' history, read once: the three history families would
        # each scan the whole table to find them (a third of an incremental events step).
        con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_m AS SELECT DISTINCT model_id"
                    f" FROM ({models_sql})")
        con.execute("CREATE OR REPLACE TEMP TABLE _ev_h AS SELECT h.* FROM model_history h"
                    " SEMI JOIN _ev_m d ON d.model_id = h.model_id")
        con.execute("DELETE FROM events_history WHERE model_id IN (SELECT model_id FROM _ev_m)")
        sql = HISTORY_EVENTS.replace("model_history h {only}", "_ev_h h").replace(
            "{only}", "SEMI JOIN _ev_m d ON d.model_id = c.model_id")
    con.execute(f"""
        INSERT INTO events_history (model_id, source, "at", kind, old, new)
        SELECT model_id, source, "at", kind, old, new FROM ({sql})
        QUALIFY row_number() OVER (PARTITION BY model_id, source, "at", kind) = 1
    """)
    for t in ("_ev_m", "_ev_h"):
        con.execute(f"DROP TABLE IF EXISTS {t}")


# Presence events at the full snapshots in _ev_at (source, snapshot, idx; idx > 1).
# {cur} and {prv}: the snapshots read, as literals (so the scan of observations is
# pruned by its zone maps instead of joined whole).
PRESENCE = """
    CREATE OR REPLACE TEMP TABLE _ev_pairs AS
    SELECT row_number() OVER (ORDER BY a.source, a.snapshot) AS pair, a.source,
           a.snapshot AS "at", a.idx, p.snapshot AS prev
    FROM _ev_at a JOIN _ev_full p ON p.source = a.source AND p.idx = a.idx - 1;
    CREATE OR REPLACE TEMP TABLE _ev_diff AS
    WITH o AS (
        SELECT r.pair, x.model_id FROM observations x
        JOIN _ev_pairs r ON r.source = x.source AND r.prev = x.snapshot
        WHERE x.snapshot IN ({prv}) AND NOT x.carried_over
    ), c AS (
        SELECT r.pair, x.model_id FROM observations x
        JOIN _ev_pairs r ON r.source = x.source AND r."at" = x.snapshot
        WHERE x.snapshot IN ({cur}) AND NOT x.carried_over
    ), d AS (
        -- Keyed by the pair's number and the id only: the join of two whole
        -- snapshots is the step's largest (~15% faster than keying and carrying the
        -- pair's source and dates through it).
        SELECT coalesce(o.pair, c.pair) AS pair, coalesce(o.model_id, c.model_id) AS model_id,
               c.model_id IS NULL AS gone
        FROM o FULL JOIN c ON c.pair = o.pair AND c.model_id = o.model_id
        WHERE o.model_id IS NULL OR c.model_id IS NULL
    )
    SELECT d.model_id, r.source, r."at", r.idx, r.prev, d.gone FROM d JOIN _ev_pairs r USING (pair);
    CREATE OR REPLACE TEMP TABLE _ev_gone AS
    SELECT model_id, source, "at", prev FROM _ev_diff WHERE gone;
    CREATE OR REPLACE TEMP TABLE _ev_newc AS
    SELECT model_id, source, "at", idx FROM _ev_diff WHERE NOT gone;
    CREATE OR REPLACE TEMP TABLE _ev_seen AS
    SELECT n.model_id, n.source, n."at", max(f.snapshot) AS earlier
    FROM _ev_newc n
    JOIN (SELECT o.model_id, o.source, o.snapshot FROM observations o
          SEMI JOIN (SELECT DISTINCT model_id FROM _ev_newc) k ON k.model_id = o.model_id
          WHERE NOT o.carried_over) o ON o.model_id = n.model_id AND o.source = n.source
    JOIN _ev_full f ON f.source = o.source AND f.snapshot = o.snapshot AND f.idx < n.idx - 1
    GROUP BY n.model_id, n.source, n."at";
"""

MOVES = """
    WITH gone AS (
        SELECT g.model_id, g.source, g."at", m.name, m.org, m.created_at
        FROM _ev_gone g JOIN models m ON m.id = g.model_id
        WHERE m.created_at IS NOT NULL
    ), born AS (
        SELECT n.model_id, n.source, n."at", m.name, m.org, m.created_at
        FROM _ev_newc n ANTI JOIN _ev_seen s
          ON s.model_id = n.model_id AND s.source = n.source AND s."at" = n."at"
        JOIN models m ON m.id = n.model_id
        WHERE m.created_at IS NOT NULL
    ), pairs AS (
        SELECT g.model_id, g.source, g."at", g.org AS old_org, b.org AS new_org,
               count(*) OVER (PARTITION BY g.model_id, g.source, g."at") AS k
        FROM gone g JOIN born b
          ON b.source = g.source AND b."at" = g."at"
         AND lower(b.name) = lower(g.name) AND b.created_at = g.created_at
         AND lower(b.org) <> lower(g.org)
    )
    SELECT model_id, source, "at", 'org_renamed' AS kind, old_org AS old, new_org AS new
    FROM pairs WHERE k = 1
"""


def _presence(con: duckdb.DuckDBPyConnection, snapshots_sql: str | None) -> None:
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _ev_full AS
        SELECT source, snapshot,
               row_number() OVER (PARTITION BY source ORDER BY snapshot) AS idx
        FROM ({FULL_SNAPSHOTS})
    """)
    if snapshots_sql is None:
        con.execute("CREATE OR REPLACE TEMP TABLE _ev_at AS SELECT * FROM _ev_full"
                    " WHERE idx > 1")
        con.execute("DELETE FROM events_presence")
    else:
        # A changed full snapshot and the next full one (its predecessor changed).
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _ev_at AS
            SELECT DISTINCT f.* FROM _ev_full f JOIN _ev_full d
              ON d.source = f.source AND f.idx IN (d.idx, d.idx + 1)
            SEMI JOIN ({snapshots_sql}) s ON s.source = d.source AND s.snapshot = d.snapshot
            WHERE f.idx > 1
        """)
        con.execute("""
            DELETE FROM events_presence WHERE (source, "at") IN (
                SELECT source, snapshot FROM _ev_at
                UNION SELECT source, snapshot FROM (""" + snapshots_sql + "))")
    at = [r[0] for r in con.execute("SELECT DISTINCT snapshot FROM _ev_at").fetchall()]
    if not at:
        return
    prv = [r[0] for r in con.execute(
        "SELECT DISTINCT p.snapshot FROM _ev_full p JOIN _ev_at a"
        " ON a.source = p.source AND p.idx = a.idx - 1").fetchall()]
    con.execute(PRESENCE.format(cur=dates_sql(at), prv=dates_sql(prv)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE _ev_moves AS {MOVES}")
    con.execute("""
        INSERT INTO events_presence (model_id, source, "at", kind, old, new)
        SELECT * FROM _ev_moves
        UNION ALL
        SELECT g.model_id, g.source, g."at", 'removed', CAST(g.prev AS VARCHAR), NULL
        FROM _ev_gone g ANTI JOIN _ev_moves mv
          ON mv.model_id = g.model_id AND mv.source = g.source AND mv."at" = g."at"
        UNION ALL
        SELECT s.model_id, s.source, s."at", 'reappeared', CAST(s.earlier AS VARCHAR), NULL
        FROM _ev_seen s
    """)


def run(store: Store, scope: Scope | None = None) -> None:
    """Capture the fallback history, then recompute the events in scope."""
    con = store.con
    try:
        if scope is None:
            capture_models(con)
            _history(con, None)
            _presence(con, None)
            return
        if scope.models:
            # No fallback capture here: an incremental scope lists only models the
            # ingest wrote, and the ingest keeps their history itself (store/history.py:
            # capture_staged); writers outside it (ingest details) force a full run.
            _history(con, scope.models_sql)
        if scope.snapshots:
            _presence(con, scope.snapshots_sql)
    finally:
        for t in ("_ev_full", "_ev_at", "_ev_pairs", "_ev_diff", "_ev_gone", "_ev_newc",
                  "_ev_seen", "_ev_moves"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
