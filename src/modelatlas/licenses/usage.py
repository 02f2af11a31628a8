"""Store-side licence reads: usage per licence/family/group and unmapped raw values.

All set-based SQL over ``models`` (license_id filled by the licence derive step),
the ``licenses`` catalog table, ``orgs`` and the latest observation per model.
Callers refresh derived data first (:func:`modelatlas.derive.refresh`).
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import UsageError
from modelatlas.store.db import Store
from modelatlas.store.queries import LATEST_OBS

# --by value -> grouping columns (a fixed whitelist: these are spliced into SQL).
USAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "license": ("license_id", "family"),
    "family": ("family",),
    "region": ("region", "license_id", "family"),
    "country": ("country", "license_id", "family"),
    "kind": ("kind", "license_id", "family"),
}


def usage(store: Store, by: str = "license") -> list[dict[str, Any]]:
    """Models and latest 30-day downloads per licence (and family), optionally per group.

    ``share_models`` / ``share_downloads`` are shares of the group's total (of all
    models when ``by`` is license or family).
    """
    if by not in USAGE_GROUPS:
        raise UsageError(f"--by must be one of {', '.join(USAGE_GROUPS)}")
    cols = USAGE_GROUPS[by]
    keys = ", ".join(cols)
    outer = cols[0] if by in ("region", "country", "kind") else None
    part = f"PARTITION BY {outer}" if outer else ""
    q = f"""
    WITH base AS (
        SELECT coalesce(m.license_id, 'unknown') AS license_id,
               coalesce(l.family, 'unknown') AS family,
               coalesce(o.region, 'unknown') AS region,
               coalesce(o.country, 'unknown') AS country,
               coalesce(o.kind, 'unknown') AS kind,
               coalesce(obs.downloads_30d, 0) AS downloads
        FROM models m
        LEFT JOIN licenses l ON l.license_id = m.license_id
        LEFT JOIN orgs o ON o.org = lower(m.org)
        LEFT JOIN ({LATEST_OBS}) obs ON obs.model_id = m.id
    ), agg AS (
        SELECT {keys}, count(*) AS models, sum(downloads)::BIGINT AS downloads
        FROM base GROUP BY {keys}
    )
    SELECT {keys}, models, downloads,
           models / sum(models) OVER ({part}) AS share_models,
           CASE WHEN sum(downloads) OVER ({part}) > 0
                THEN downloads / sum(downloads) OVER ({part}) END AS share_downloads
    FROM agg
    ORDER BY {(outer + ', ') if outer else ''}downloads DESC, models DESC, {keys}
    """
    return store.rows(q)


def unmapped(store: Store) -> list[dict[str, Any]]:
    """Raw licence values in the store that map to no catalog licence, with model counts.

    ``field`` says which value failed: ``license`` (the tag/cardData value),
    ``license_name`` / ``license_link`` (given with the Hub value ``other`` but not
    recognised), or ``cut-tag`` (a ``license:`` tag the source cut short that
    cannot be completed unambiguously).
    """
    q = """
    WITH per_model AS (
        SELECT m.id, m.license_raw, m.license_name, m.license_link, m.license_origin,
               r.how
        FROM models m LEFT JOIN license_resolutions r
          ON m.license_raw IS NOT DISTINCT FROM r.license_raw
         AND m.license_name IS NOT DISTINCT FROM r.license_name
         AND m.license_link IS NOT DISTINCT FROM r.license_link
    ), vals AS (
        SELECT 'license' AS field, license_raw AS value FROM per_model
        WHERE how = 'unmapped' AND license_raw IS NOT NULL
        UNION ALL
        SELECT 'license_name', license_name FROM per_model
        WHERE how IN ('other', 'unmapped') AND license_name IS NOT NULL
          AND license_origin <> 'repo'
        UNION ALL
        SELECT 'license_link', license_link FROM per_model
        WHERE how IN ('other', 'unmapped') AND license_name IS NULL AND license_link IS NOT NULL
          AND license_origin <> 'repo'
        UNION ALL
        SELECT 'cut-tag', t FROM (
            SELECT unnest(truncated_tags) AS t FROM models
            WHERE license_origin = 'cut-unmapped')
        WHERE starts_with(t, 'license:')
    )
    SELECT field, value, count(*) AS models FROM vals
    GROUP BY field, value ORDER BY models DESC, field, value
    """
    return store.rows(q)


def coverage(store: Store) -> dict[str, Any]:
    """Share of models with a stated licence value that maps to a catalog id."""
    row = store.rows("""
        SELECT count(*) FILTER (WHERE license_origin IS NOT NULL
                                 AND license_origin <> 'empty') AS stated,
               count(*) FILTER (WHERE license_origin IN ('raw', 'name', 'link', 'other',
                                                        'repo', 'cut-tag')) AS mapped,
               count(*) AS models
        FROM models
    """)[0]
    stated = int(row["stated"])
    return {"models": int(row["models"]), "stated": stated, "mapped": int(row["mapped"]),
            "coverage": (int(row["mapped"]) / stated) if stated else None}
