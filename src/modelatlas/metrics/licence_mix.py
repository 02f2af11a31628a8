"""Licence mix per region over time: which licences new models (or downloads) carry.

The licence key is the family of ``models.license_id`` from the licence
catalog (:mod:`modelatlas.licenses`) when the licence step has filled it, else
the raw licence tag (``license_raw``), else ``unknown``. The catalog's
id -> family map is bound as a small relation ``license_families`` so the
statement itself stays portable SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from modelatlas.metrics.common import (
    PARAMS_CTE,
    as_date,
    check_choice,
    credit_sql,
    group_sql,
    in_range,
    labelled_sql,
    period_key_sql,
    period_sql,
    run,
)
from modelatlas.metrics.share import _last_value_sql
from modelatlas.store.db import Store

COLUMNS = ["period", "region", "licence", "value", "share"]
WEIGHTS = ("models", "downloads")


def licence_families() -> pd.DataFrame:
    """(license_id, family) from the licence catalog; empty when it is not installed."""
    empty = pd.DataFrame({"license_id": pd.Series([], dtype="str"),
                          "family": pd.Series([], dtype="str")})
    try:
        from modelatlas import licenses
    except ImportError:
        return empty
    catalog = getattr(licenses, "catalog", None)
    if catalog is None:  # the licence package is landing in parallel
        return empty
    cat = catalog()
    return pd.DataFrame({"license_id": [str(k) for k in cat],
                         "family": [str(getattr(v, "family", None) or k) for k, v in cat.items()]})


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
        LEFT JOIN license_families lf ON lf.license_id = m.license_id
    ),
    grouped AS (
        SELECT {period_sql(freq, 'pkey')} AS period, region, licence, sum(v) AS value
        FROM keyed GROUP BY pkey, region, licence
    )
    SELECT period, region, licence, CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY period, region), 0)
               AS share
    FROM grouped
    ORDER BY period, region, value DESC, licence
    """


def licence_mix(
    store: Store,
    weight: str = "models",
    freq: str = "month",
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> pd.DataFrame:
    """Licence mix: columns period, region, licence, value, share (share within region)."""
    check_choice("freq", freq, ("month", "snapshot"))
    sql = licence_mix_sql(weight, freq)
    store.con.register("license_families", licence_families())
    try:
        df = run(store, sql, {"since": as_date(since, "since"), "until": as_date(until, "until")})
    finally:
        store.con.unregister("license_families")
    return df[COLUMNS]
