"""Concentration of downloads: HHI, top-10 share and community-uploader share per period.

HHI is the Herfindahl-Hirschman index over organisations' download shares
(sum of squared shares x 10,000: 10,000 = one org takes everything; the 2023
U.S. DOJ/FTC Merger Guidelines call markets above 1,800 highly concentrated).
``top10_share`` is the share of the ten largest orgs; ``community_share`` the
share credited to orgs whose kind is ``community`` and ``unknown_share`` to
namespaces in no catalog (mostly individuals, so community uploads lie between
community_share and community_share + unknown_share).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from modelatlas.metrics.common import as_date, check_choice, run
from modelatlas.metrics.share import _cube_source
from modelatlas.store.db import Store

COLUMNS = ["period", "total", "orgs", "hhi", "top10_share", "community_share", "unknown_share"]


def concentration_sql(attribution: str, freq: str, cube_table: str | None = None) -> str:
    """One statement: per-period concentration of 30-day downloads across orgs."""
    check_choice("attribution", attribution, ("direct", "root"))
    return f"""
    WITH {_cube_source('downloads', attribution, freq, cube_table)},
    grouped AS (
        SELECT period, org AS grp, kind, sum(value) AS v FROM cube GROUP BY period, org, kind
    ),
    shares AS (
        SELECT period, grp, kind, v,
               CAST(v AS DOUBLE) / nullif(sum(v) OVER (PARTITION BY period), 0) AS s,
               row_number() OVER (PARTITION BY period ORDER BY v DESC, grp) AS rk
        FROM grouped
    )
    SELECT period, CAST(sum(v) AS DOUBLE) AS total, count(*) AS orgs,
           sum(s * s) * 10000 AS hhi,
           sum(CASE WHEN rk <= 10 THEN s ELSE 0 END) AS top10_share,
           sum(CASE WHEN kind = 'community' THEN s ELSE 0 END) AS community_share,
           sum(CASE WHEN kind = 'unknown' THEN s ELSE 0 END) AS unknown_share
    FROM shares
    GROUP BY period
    ORDER BY period
    """


def concentration(
    store: Store,
    attribution: str = "direct",
    freq: str = "month",
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    cube_table: str | None = None,
) -> pd.DataFrame:
    """Per period: total downloads, number of orgs, HHI, top-10, community and unknown share.

    ``cube_table``: a downloads cube from
    :func:`modelatlas.metrics.share.materialize_cube` with the same attribution/freq.
    """
    check_choice("freq", freq, ("month", "snapshot"))
    sql = concentration_sql(attribution, freq, cube_table)
    df = run(store, sql, {"since": as_date(since, "since"), "until": as_date(until, "until")})
    return df[COLUMNS]
