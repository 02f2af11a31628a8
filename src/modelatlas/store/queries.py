"""Read-side queries over the store used by several outputs (CLI, web, report)."""

from __future__ import annotations

from typing import Any

from modelatlas.store.db import Store


def stats(store: Store) -> dict[str, int]:
    q = """
    SELECT (SELECT count(*) FROM models) AS models,
           (SELECT count(*) FROM snapshots) AS snapshots,
           (SELECT count(*) FROM observations) AS observations,
           (SELECT count(*) FROM edges) AS edges,
           (SELECT count(*) FROM quarantine) AS quarantined,
           (SELECT count(*) FROM ingest_runs) AS runs
    """
    return {k: int(v) for k, v in store.rows(q)[0].items()}


LATEST_OBS = """
    SELECT model_id, downloads_30d, downloads_all_time, likes, snapshot
    FROM observations
    QUALIFY row_number() OVER (PARTITION BY model_id ORDER BY snapshot DESC, source) = 1
"""


def models(store: Store, *, org: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
    params: list[Any] = []
    where = ""
    if org:
        where = "WHERE lower(m.org) = lower(?)"
        params.append(org)
    lim = ""
    if limit and limit > 0:
        lim = "LIMIT ?"
        params.append(limit)
    q = f"""
    SELECT m.id, m.org, m.created_at, m.license_raw AS license, m.pipeline_tag,
           o.downloads_30d AS downloads, o.likes, m.tags, m.library, m.gated,
           o.snapshot AS observed
    FROM models m LEFT JOIN ({LATEST_OBS}) o ON o.model_id = m.id
    {where}
    ORDER BY o.downloads_30d DESC NULLS LAST, m.id
    {lim}
    """
    return store.rows(q, params)


def quarantine(store: Store, *, limit: int = 20) -> list[dict[str, Any]]:
    params: list[Any] = []
    lim = ""
    if limit and limit > 0:
        lim = "LIMIT ?"
        params.append(limit)
    return store.rows(
        f"SELECT \"at\", source, location, reason, record FROM quarantine ORDER BY qid DESC {lim}",
        params,
    )
