"""Release cadence per organisation (SQL only; the queries live in
:mod:`modelatlas.queries.cadence`): new models per month and the rhythm of mainline releases.

A *mainline* model is one with no parent in the lineage graph (it is not a
fine-tune, adapter, quantization or merge of another model): the releases a
developer makes itself. Release date = ATOM's corrected release date when
imported, else the Hub creation date. Models with neither (e.g. trending
lists, which carry no creation date) are left out rather than dated by the
first snapshot they appear in, which would lump a whole backlog into one day.
"""

from __future__ import annotations

from modelatlas.metrics.common import PARAMS_CTE, in_range

RELEASES_CTE = """
    releases AS (
        SELECT m.id AS model_id, coalesce(m.org, 'unknown') AS org,
               coalesce(ac.actual_release_date, m.release_date, CAST(m.created_at AS DATE))
                   AS released,
               CASE WHEN EXISTS (SELECT 1 FROM edges e WHERE e.child = m.id)
                    THEN 0 ELSE 1 END AS mainline
        FROM models m LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
    )"""

MONTHLY_SQL = f"""
    WITH {PARAMS_CTE}, {RELEASES_CTE}
    SELECT org, strftime(date_trunc('month', released), '%Y-%m') AS period,
           count(*) AS new_models, CAST(sum(mainline) AS BIGINT) AS mainline_models,
           CAST(date_trunc('month', released) AS DATE) AS period_start,
           last_day(date_trunc('month', released)) AS period_end
    FROM releases CROSS JOIN params
    WHERE released IS NOT NULL AND {in_range('released')}
    GROUP BY org, date_trunc('month', released)
    ORDER BY period, new_models DESC, org
"""

INTERVALS_SQL = f"""
    WITH {PARAMS_CTE}, {RELEASES_CTE},
    mainline AS (
        SELECT r.org, r.released,
               date_diff('day', lag(r.released) OVER (PARTITION BY r.org
                         ORDER BY r.released, r.model_id), r.released) AS gap
        FROM releases r CROSS JOIN params
        WHERE r.mainline = 1 AND r.released IS NOT NULL AND {in_range('r.released')}
    ),
    counts AS (
        SELECT r.org, count(*) AS models
        FROM releases r CROSS JOIN params
        WHERE r.released IS NOT NULL AND {in_range('r.released')}
        GROUP BY r.org
    )
    SELECT ml.org, c.models, count(*) AS mainline_models,
           min(ml.released) AS first_release, max(ml.released) AS last_release,
           median(ml.gap) AS median_days_between
    FROM mainline ml JOIN counts c ON c.org = ml.org
    GROUP BY ml.org, c.models
    ORDER BY mainline_models DESC, c.models DESC, ml.org
"""
