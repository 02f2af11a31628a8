"""Derive step: removals the Hub stated when asked about a repository (``repo_checks``).

Order 45, after ``events`` (40); its rows live in ``events_observed`` (the
``events`` view prefers a snapshot-based event of the same key). ``ingest details``
(and any live lookup that records its answer) writes what the Hub said per
repository; a repository the store knows (a model, or a parent named by an edge)
that the Hub now answers "not found" for is
a ``removed`` event on the day it was asked, and an answer "ok" after that is a
``reappeared`` event. ``changes`` and lineage read them like the snapshot-based
ones. An event already derived from snapshots for the same day is kept as is.
``repo_checks`` is small: recomputed whole whenever the store changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.derive import Scope

ORDER = 45
NAME = "observed_removals"

OBSERVED = """
    WITH c AS (
        SELECT model_id, source, CAST(checked_at AS DATE) AS "at", status, http_status,
               error_code,
               lag(status) OVER (PARTITION BY model_id, source ORDER BY checked_at) AS prev
        FROM repo_checks WHERE status IN ('ok', 'not_found')
    ), known AS (
        SELECT id FROM models UNION SELECT parent FROM edges
    )
    SELECT c.model_id, c.source, c."at",
           CASE WHEN c.status = 'not_found' THEN 'removed' ELSE 'reappeared' END AS kind,
           NULL AS old,
           CASE WHEN c.status = 'not_found' THEN 'not found (HTTP '
               || coalesce(CAST(c.http_status AS VARCHAR), '?')
               || coalesce(', ' || c.error_code, '') || ')' END AS new
    FROM c SEMI JOIN known k ON k.id = c.model_id
    WHERE (c.status = 'not_found' AND coalesce(c.prev, 'ok') = 'ok')
       OR (c.status = 'ok' AND c.prev = 'not_found')
"""


def run(store: Store, scope: Scope | None = None) -> None:
    """Recompute the observed removals and reappearances (``events_observed``)."""
    store.exec("DELETE FROM events_observed")
    store.exec(f"""
        INSERT INTO events_observed (model_id, source, "at", kind, old, new)
        SELECT o.model_id, o.source, o."at", o.kind, o.old, o.new FROM ({OBSERVED}) o
        QUALIFY row_number() OVER (PARTITION BY o.model_id, o.source, o."at", o.kind) = 1
    """)
