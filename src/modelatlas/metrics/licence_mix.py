"""Licence mix per region over time: which licences new models (or downloads) carry.

The licence key is the family of ``models.license_id`` from the licence
catalog (the ``licenses`` table the licence derive step loads) when the step
has filled it, else the raw licence tag (``license_raw``), else ``unknown``.
Like every adoption answer it reads one population (``$population``, else the
default: a full listing first, then the one with the most values) and carries
``coverage``: the fraction of the (period, region) value whose licence is known.
Trending lists carry no licence tags, so their licence mix is almost all
``unknown`` and says so. SQL only; the query is
:mod:`modelatlas.queries.licenses` ``license-mix``.
"""

from __future__ import annotations

from modelatlas.metrics.common import (
    PARAMS_CTE,
    check_choice,
    group_sql,
    labelled_sql,
    period_sql,
)
from modelatlas.metrics.populations import CHOSEN_CTE, kind_sql
from modelatlas.metrics.share import (
    _last_value_sql,
    _new_models_sql,
    _snap_pop,
    period_end_sql,
)

COLUMNS = ["period", "region", "licence", "value", "share", "period_start", "period_end",
           "population", "coverage"]
WEIGHTS = ("models", "downloads")


def licence_mix_sql(weight: str, freq: str, regions: str = "default") -> str:
    """Per period, region and licence key: new models (or 30-day downloads), share
    within the region, and licence coverage. Named params $since, $until, $population."""
    if check_choice("weight", weight, WEIGHTS) == "models":
        values = _new_models_sql(freq)
    else:
        values = _last_value_sql("downloads_30d", freq)
    region = ("coalesce(og.region_atom, 'unknown')"
              if check_choice("regions", regions, ("default", "atom")) == "atom"
              else group_sql("region"))
    return f"""
    WITH {PARAMS_CTE},
    {_snap_pop()},
    {values},
    avail AS (
        SELECT population, {kind_sql('population')} AS kind, count(*) AS weight
        FROM vals GROUP BY population
    ),
    {CHOSEN_CTE},
    credit AS (
        SELECT v.pkey, v.v, v.model_id AS credited_id, chosen.population
        FROM vals v JOIN chosen ON chosen.population = v.population
    ),
    keyed AS (
        SELECT c.pkey, c.population, {region} AS region,
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
        SELECT pkey, {period_sql(freq, 'pkey')} AS period, population, region, licence,
               sum(v) AS value
        FROM keyed GROUP BY pkey, population, region, licence
    )
    SELECT period, region, licence, CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY pkey, region), 0)
               AS share,
           pkey AS period_start, {period_end_sql(freq, 'pkey')} AS period_end, population,
           sum(CASE WHEN licence <> 'unknown' THEN value ELSE 0 END)
               OVER (PARTITION BY pkey, region)
               / nullif(sum(value) OVER (PARTITION BY pkey, region), 0) AS coverage
    FROM grouped
    ORDER BY pkey, region, value DESC, licence
    """

