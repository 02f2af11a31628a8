"""Licence mix per region over time: which licences new models (or downloads) carry.

The licence key is the family of ``models.license_id`` from the licence
catalog (the ``licenses`` table the licence derive step loads) when the step
has filled it, else the raw licence tag (``license_raw``), else ``unknown``.
SQL only; the query is :mod:`modelatlas.queries.licenses` ``license-mix``.
"""

from __future__ import annotations

from modelatlas.metrics.common import (
    PARAMS_CTE,
    check_choice,
    credit_sql,
    group_sql,
    in_range,
    labelled_sql,
    period_key_sql,
    period_sql,
)
from modelatlas.metrics.share import _last_value_sql, period_end_sql

COLUMNS = ["period", "region", "licence", "value", "share", "period_start", "period_end"]
WEIGHTS = ("models", "downloads")


def licence_mix_sql(weight: str, freq: str) -> str:
    """Per period, region and licence key: new models (or 30-day downloads) and share."""
    if check_choice("weight", weight, WEIGHTS) == "models":
        when = "coalesce(m.release_date, CAST(m.created_at AS DATE))"
        values = f"""
        vals AS (
            SELECT m.id AS model_id, {period_key_sql(freq, when)} AS pkey, 1.0 AS v
            FROM models m CROSS JOIN params
            WHERE {when} IS NOT NULL AND {in_range(when)}
        )"""
    else:
        values = _last_value_sql("downloads_30d", freq)
    return f"""
    WITH {PARAMS_CTE},
    {values},
    credit AS ({credit_sql('vals', 'direct')}),
    keyed AS (
        SELECT c.pkey, {group_sql('region')} AS region,
               CASE WHEN m.license_id IS NOT NULL AND m.license_id <> 'unknown'
                    THEN coalesce(lf.family, m.license_id)
                    WHEN m.license_id IS NULL THEN coalesce(lower(m.license_raw), 'unknown')
                    ELSE 'unknown' END AS licence,
               c.v
        {labelled_sql('credit')}
        JOIN models m ON m.id = c.credited_id
        LEFT JOIN licenses lf ON lf.license_id = m.license_id
    ),
    grouped AS (
        SELECT pkey, {period_sql(freq, 'pkey')} AS period, region, licence, sum(v) AS value
        FROM keyed GROUP BY pkey, region, licence
    )
    SELECT period, region, licence, CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY pkey, region), 0)
               AS share,
           pkey AS period_start, {period_end_sql(freq, 'pkey')} AS period_end
    FROM grouped
    ORDER BY pkey, region, value DESC, licence
    """
