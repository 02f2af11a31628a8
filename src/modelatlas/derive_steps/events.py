"""Licence and access change events between consecutive snapshots, set-based.

Rebuilt from scratch each run (so a corrected catalog or a late snapshot fixes
old events):

* ``license_changed`` — a model's canonical licence differs from the one at its
  previous snapshot that carried licence information (partial listings count:
  a model seen with Apache-2.0 in May and with a research licence in June
  changed, whatever listed it);
* ``gated_added`` / ``gated_removed`` — gating went from ``false`` to
  ``auto``/``manual`` or back (a change between auto and manual is not an event);
* ``removed`` / ``reappeared`` — only between consecutive *full* snapshots of a
  source (Hub dumps, complete crawls, simulated hubs): absence from a trending
  list or a new-models list says nothing;
* ``org_renamed`` — the author of the same model id changed, or, between full
  snapshots, a model vanished and a model with the same name and creation time
  appeared under another org (its ``removed`` event is then dropped).

Full snapshots: ``snapshot_scope`` rows marked full, complete crawl jobs
(listed, no ``--limit``, no ``--since``) and simulated snapshots.
"""

from __future__ import annotations

from modelatlas.licenses.history import capture_models
from modelatlas.store.db import Store

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

LICENSE_EVENTS = """
    WITH h AS (
        SELECT h.source, h.snapshot, h.model_id, r.license_id,
               lag(r.license_id) OVER w AS prev
        FROM model_history h JOIN license_resolutions r
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
        SELECT source, snapshot, model_id, gated, lag(gated) OVER w AS prev
        FROM model_history WHERE gated IS NOT NULL
        WINDOW w AS (PARTITION BY source, model_id ORDER BY snapshot)
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
        SELECT source, snapshot, model_id, org, lag(org) OVER w AS prev
        FROM model_history WHERE org IS NOT NULL
        WINDOW w AS (PARTITION BY source, model_id ORDER BY snapshot)
    )
    SELECT model_id, source, snapshot AS "at", 'org_renamed' AS kind, prev AS old, org AS new
    FROM h WHERE prev IS NOT NULL AND lower(prev) <> lower(org)
"""

# Presence in full snapshots: idx numbers a source's full snapshots 1..n.
PRESENCE = f"""
    CREATE OR REPLACE TEMP TABLE _ev_full AS
    SELECT source, snapshot, row_number() OVER (PARTITION BY source ORDER BY snapshot) AS idx,
           count(*) OVER (PARTITION BY source) AS n
    FROM ({FULL_SNAPSHOTS});
    CREATE OR REPLACE TEMP TABLE _ev_pres AS
    SELECT o.source, o.model_id, f.idx, f.snapshot, f.n,
           lag(f.idx) OVER w AS prev_idx, lead(f.idx) OVER w AS next_idx
    FROM observations o JOIN _ev_full f ON f.source = o.source AND f.snapshot = o.snapshot
    WHERE NOT o.carried_over
    WINDOW w AS (PARTITION BY o.source, o.model_id ORDER BY f.idx);
"""

REMOVALS = """
    SELECT p.model_id, p.source, f.snapshot AS "at", 'removed' AS kind,
           CAST(p.snapshot AS VARCHAR) AS old, NULL AS new
    FROM _ev_pres p JOIN _ev_full f ON f.source = p.source AND f.idx = p.idx + 1
    WHERE p.next_idx IS NULL OR p.next_idx > p.idx + 1
"""

REAPPEARANCES = """
    SELECT p.model_id, p.source, p.snapshot AS "at", 'reappeared' AS kind,
           CAST(f.snapshot AS VARCHAR) AS old, NULL AS new
    FROM _ev_pres p JOIN _ev_full f ON f.source = p.source AND f.idx = p.prev_idx
    WHERE p.prev_idx IS NOT NULL AND p.idx > p.prev_idx + 1
"""

# A model removed at S whose name and creation time match exactly one model first
# seen (in full snapshots) at S under another org: the org was renamed.
MOVES = f"""
    WITH gone AS (
        SELECT r.model_id, r.source, r."at", m.name, m.org, m.created_at
        FROM ({REMOVALS}) r JOIN models m ON m.id = r.model_id
        WHERE m.created_at IS NOT NULL
    ), born AS (
        SELECT p.model_id, p.source, p.snapshot, m.name, m.org, m.created_at
        FROM _ev_pres p JOIN models m ON m.id = p.model_id
        WHERE p.prev_idx IS NULL AND p.idx > 1 AND m.created_at IS NOT NULL
    ), pairs AS (
        SELECT g.model_id, g.source, g."at", g.org AS old_org, b.org AS new_org,
               count(*) OVER (PARTITION BY g.model_id, g.source, g."at") AS k
        FROM gone g JOIN born b
          ON b.source = g.source AND b.snapshot = g."at"
         AND lower(b.name) = lower(g.name) AND b.created_at = g.created_at
         AND lower(b.org) <> lower(g.org)
    )
    SELECT model_id, source, "at", 'org_renamed' AS kind, old_org AS old, new_org AS new
    FROM pairs WHERE k = 1
"""


def run(store: Store) -> None:
    """Capture the fallback history, then rebuild ``events`` from scratch."""
    capture_models(store.con)
    store.con.execute(PRESENCE)
    try:
        store.sql("DELETE FROM events")
        store.sql(f"""
            CREATE OR REPLACE TEMP TABLE _ev_moves AS {MOVES}
        """)
        store.sql(f"""
            INSERT INTO events (model_id, source, "at", kind, old, new)
            SELECT model_id, source, "at", kind, old, new FROM (
                SELECT * FROM ({LICENSE_EVENTS})
                UNION ALL SELECT * FROM ({GATING_EVENTS})
                UNION ALL SELECT * FROM ({AUTHOR_EVENTS})
                UNION ALL SELECT * FROM _ev_moves
                UNION ALL SELECT r.* FROM ({REMOVALS}) r
                    ANTI JOIN _ev_moves mv ON mv.model_id = r.model_id
                     AND mv.source = r.source AND mv."at" = r."at"
                UNION ALL SELECT * FROM ({REAPPEARANCES})
            )
            QUALIFY row_number() OVER (PARTITION BY model_id, source, "at", kind) = 1
        """)
    finally:
        for t in ("_ev_full", "_ev_pres", "_ev_moves"):
            store.sql(f"DROP TABLE IF EXISTS {t}")
