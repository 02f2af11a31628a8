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

from modelatlas.metrics.common import check_choice
from modelatlas.metrics.share import cube_source, period_end_sql, range_keys
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

COLUMNS = ["period", "total", "orgs", "hhi", "top10_share", "community_share", "unknown_share",
           "period_start", "period_end"]


def concentration_sql(attribution: str, freq: str, since: dt.date | None = None,
                      until: dt.date | None = None) -> Sql:
    """One statement over the downloads cube: per-period concentration across orgs."""
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    cte, cube = cube_source("downloads", attribution, freq, since, until)
    text = f"""
    WITH {cte},
    grouped AS (
        SELECT pkey, period, org AS grp, kind, sum(value) AS v FROM cube
        GROUP BY pkey, period, org, kind
    ),
    shares AS (
        SELECT pkey, period, grp, kind, v,
               CAST(v AS DOUBLE) / nullif(sum(v) OVER (PARTITION BY pkey), 0) AS s,
               row_number() OVER (PARTITION BY pkey ORDER BY v DESC, grp) AS rk
        FROM grouped
    )
    SELECT period, CAST(sum(v) AS DOUBLE) AS total, count(*) AS orgs,
           sum(s * s) * 10000 AS hhi,
           sum(CASE WHEN rk <= 10 THEN s ELSE 0 END) AS top10_share,
           sum(CASE WHEN kind = 'community' THEN s ELSE 0 END) AS community_share,
           sum(CASE WHEN kind = 'unknown' THEN s ELSE 0 END) AS unknown_share,
           pkey AS period_start, {period_end_sql(freq, 'pkey')} AS period_end
    FROM shares
    GROUP BY pkey, period
    ORDER BY pkey
    """
    return Sql(text, range_keys(freq, since, until), ((table_name("cube", cube), cube),))
