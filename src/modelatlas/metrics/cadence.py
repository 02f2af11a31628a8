"""Release cadence per organisation (SQL only; the queries live in
:mod:`modelatlas.queries.cadence`): new models per month and the rhythm of mainline releases.

A *mainline* model is one with no parent in the lineage graph (it is not a
fine-tune, adapter, quantization or merge of another model): the releases a
developer makes itself. Release date = ATOM's corrected release date when
imported, else the Hub creation date. Models with neither (e.g. trending
lists, which carry no creation date) are left out rather than dated by the
first snapshot they appear in, which would lump a whole backlog into one day.

Like every adoption answer, cadence reads one population (``$population``, else
the one with the most dated models, a full listing first): a week of hourly
new-model lists and two years of a trending list are not one inflow. With
``$catalogued`` only organisations of the catalog (or the user's file) count:
a release rhythm is a developer's, not a bulk uploader's.
"""

from __future__ import annotations

from modelatlas.metrics.common import PARAMS_CTE, in_range
from modelatlas.metrics.populations import CHOSEN_CTE, MEMBERS_TABLE, kind_sql

_RELEASED = "coalesce(ac.actual_release_date, m.release_date, CAST(m.created_at AS DATE))"

RELEASES_CTE = f"""
    member AS (SELECT model_id, population FROM {MEMBERS_TABLE}),
    avail AS (
        SELECT mb.population, {kind_sql('mb.population')} AS kind, count(*) AS weight
        FROM member mb JOIN models m ON m.id = mb.model_id
        LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
        WHERE {_RELEASED} IS NOT NULL
        GROUP BY mb.population
    ),
    {CHOSEN_CTE},
    releases AS (
        SELECT m.id AS model_id, coalesce(m.org, 'unknown') AS org, {_RELEASED} AS released,
               CASE WHEN EXISTS (SELECT 1 FROM edges e WHERE e.child = m.id)
                    THEN 0 ELSE 1 END AS mainline,
               chosen.population
        FROM models m LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
        CROSS JOIN chosen
        WHERE (chosen.population IS NULL
               OR m.id IN (SELECT mb.model_id FROM member mb
                           WHERE mb.population = chosen.population))
          AND (NOT CAST($catalogued AS BOOLEAN)
               OR lower(m.org) IN (SELECT org FROM orgs WHERE origin <> 'heuristic'))
    )"""

MONTHLY_SQL = f"""
    WITH {PARAMS_CTE}, {RELEASES_CTE}
    SELECT org, strftime(date_trunc('month', released), '%Y-%m') AS period,
           count(*) AS new_models, CAST(sum(mainline) AS BIGINT) AS mainline_models,
           CAST(date_trunc('month', released) AS DATE) AS period_start,
           last_day(date_trunc('month', released)) AS period_end,
           max(population) AS population
    FROM releases CROSS JOIN params
    WHERE released IS NOT NULL AND {in_range('released')}
    GROUP BY org, date_trunc('month', released)
    ORDER BY period, new_models DESC, org
"""

INTERVALS_SQL = f"""
    WITH {PARAMS_CTE}, {RELEASES_CTE},
    mainline AS (
        SELECT r.org, r.released, r.population,
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
           median(ml.gap) AS median_days_between, max(ml.population) AS population
    FROM mainline ml JOIN counts c ON c.org = ml.org
    GROUP BY ml.org, c.models
    ORDER BY mainline_models DESC, c.models DESC, ml.org
"""
