"""Read licence and access change events (filled by the ``events`` derive step)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from modelatlas.errors import UsageError
from modelatlas.store.db import Store

KINDS = ("license_changed", "gated_added", "gated_removed", "removed", "reappeared",
         "org_renamed")


def changes(store: Store, *, since: dt.date | None = None, until: dt.date | None = None,
            kind: str | None = None, model: str | None = None,
            limit: int | None = None) -> list[dict[str, Any]]:
    """Events newest first, with the licence families of old/new for licence changes.

    ``narrowed`` is true when a licence change moved to a family that allows less
    (e.g. permissive -> non-commercial), judged by the family order in
    docs/licences.md; null for other kinds.
    """
    if kind is not None and kind not in KINDS:
        raise UsageError(f"--kind must be one of {', '.join(KINDS)}")
    where, params = [], []  # type: list[str], list[Any]
    if since is not None:
        where.append('e."at" >= ?')
        params.append(since)
    if until is not None:
        where.append('e."at" <= ?')
        params.append(until)
    if kind is not None:
        where.append("e.kind = ?")
        params.append(kind)
    if model is not None:
        where.append("e.model_id = ?")
        params.append(model)
    lim = ""
    if limit:
        lim = "LIMIT ?"
        params.append(limit)
    q = f"""
    WITH rank(family, r) AS (VALUES ('permissive', 0), ('copyleft', 1),
        ('open-weight-custom', 2), ('non-commercial', 3), ('proprietary', 4))
    SELECT e."at", e.kind, e.model_id, m.org, e.old, e.new,
           lo.family AS old_family, ln.family AS new_family,
           CASE WHEN e.kind = 'license_changed' AND ro.r IS NOT NULL AND rn.r IS NOT NULL
                THEN rn.r > ro.r END AS narrowed,
           e.source
    FROM events e
    LEFT JOIN models m ON m.id = e.model_id
    LEFT JOIN licenses lo ON e.kind = 'license_changed' AND lo.license_id = e.old
    LEFT JOIN licenses ln ON e.kind = 'license_changed' AND ln.license_id = e.new
    LEFT JOIN rank ro ON ro.family = lo.family
    LEFT JOIN rank rn ON rn.family = ln.family
    {("WHERE " + " AND ".join(where)) if where else ""}
    ORDER BY e."at" DESC, e.kind, e.model_id
    {lim}
    """
    return store.rows(q, params)
