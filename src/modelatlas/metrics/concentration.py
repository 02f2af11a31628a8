"""Concentration of downloads: HHI, top-10 share and community-uploader share per period.

HHI is the Herfindahl-Hirschman index over organisations' download shares
(sum of squared shares x 10,000: 10,000 = one org takes everything; the 2023
U.S. DOJ/FTC Merger Guidelines call markets above 1,800 highly concentrated).
``top10_share`` is the share of the ten largest orgs; ``community_share`` the
share credited to orgs whose kind is ``community`` and ``unknown_share`` to
namespaces in no catalog (mostly individuals, so community uploads lie between
community_share and community_share + unknown_share). ``coverage`` is the share
credited to catalogued organisations (1 - unknown_share); like every adoption
answer, a row reads one population and says whether its period is partial.
"""

from __future__ import annotations

import datetime as dt

from modelatlas.metrics.common import check_choice
from modelatlas.metrics.share import cube_source, partial_sql, period_end_sql, range_keys
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

COLUMNS = ["period", "total", "orgs", "hhi", "top10_share", "community_share", "unknown_share",
           "period_start", "period_end", "population", "models", "coverage",
           "lineage_coverage",
           "snapshots", "last_snapshot", "partial"]


def concentration_sql(attribution: str, freq: str, since: dt.date | None = None,
                      until: dt.date | None = None, *, population: str | None = None,
                      present_at_end: bool = False) -> Sql:
    """One statement over the downloads cube: per-population, per-period concentration
    across orgs (``population`` None: every population, the caller picks one)."""
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    cte, cube = cube_source("downloads", attribution, freq, since, until,
                            atom=population == "atom")
    v = "value_end" if present_at_end else "value"
    n = "models_end" if present_at_end else "models"
    text = f"""
    WITH {cte},
    grouped AS (
        SELECT population, pkey, period, org AS grp, kind, sum({v}) AS v, sum({n}) AS n,
               sum(CASE WHEN lineage_known THEN {v} ELSE 0 END) AS lin,
               max(snapshots) AS snapshots, max(last_snapshot) AS last_snapshot
        FROM cube
        GROUP BY population, pkey, period, org, kind
        HAVING sum({v}) > 0
    ),
    shares AS (
        SELECT population, pkey, period, grp, kind, v, n, lin, snapshots, last_snapshot,
               CAST(v AS DOUBLE) / nullif(sum(v) OVER (PARTITION BY population, pkey), 0)
                   AS s,
               row_number() OVER (PARTITION BY population, pkey ORDER BY v DESC, grp) AS rk
        FROM grouped
    )
    SELECT period, CAST(sum(v) AS DOUBLE) AS total, count(*) AS orgs,
           sum(s * s) * 10000 AS hhi,
           sum(CASE WHEN rk <= 10 THEN s ELSE 0 END) AS top10_share,
           sum(CASE WHEN kind = 'community' THEN s ELSE 0 END) AS community_share,
           sum(CASE WHEN kind = 'unknown' THEN s ELSE 0 END) AS unknown_share,
           pkey AS period_start, {period_end_sql(freq, 'pkey')} AS period_end,
           population, sum(n) AS models,
           sum(CASE WHEN kind <> 'unknown' THEN s ELSE 0 END) AS coverage,
           sum(lin) / nullif(sum(v), 0) AS lineage_coverage,
           max(snapshots) AS snapshots, max(last_snapshot) AS last_snapshot,
           {partial_sql(freq, 'downloads', 'pkey', 'max(last_snapshot)')} AS partial
    FROM shares
    GROUP BY population, pkey, period
    ORDER BY population, pkey
    """
    params = {**range_keys(freq, since, until), "population": population}
    return Sql(text, params, ((table_name("cube", cube), cube),))
