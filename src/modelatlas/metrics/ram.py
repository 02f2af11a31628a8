"""Relative Adoption Metric (RAM), after the ATOM Project (https://atomproject.ai).

For a model and an age N (days after release, N in 7, 14, 30, 60, 90, 180,
365): its cumulative downloads at age N divided by the cumulative downloads of
the 10th most-downloaded model of the same size class at the same age. RAM = 1
means "as adopted as a typical top-10 model of its size at that age".

* Size classes from total parameters (ATOM's curated counts when imported,
  else the Hub's safetensors total): <1B, 1-5B, 5-10B, 10-50B, 50-100B,
  100-250B, 250B+.
* Cumulative downloads at age N: ``downloadsAllTime`` at the snapshot closest to
  age N within +-10% of N (ties: the earlier one); for N <= 30 the 30-day
  counter is also exact when no all-time counter exists (every download of a
  model younger than 30 days happened in the last 30 days).
* Release date: ATOM's corrected release date when imported, else the Hub
  creation date.
* Missing (NULL), never invented: no release date, no parameter count, no
  snapshot near age N, or fewer than ten models of the class observed at age N.
"""

from __future__ import annotations

AGES = (7, 14, 30, 60, 90, 180, 365)
SIZE_CLASSES = ("<1B", "1-5B", "5-10B", "10-50B", "50-100B", "100-250B", "250B+")
COLUMNS = ["model_id", "org", "size_class", "days", "age_days", "snapshot",
           "cumulative_downloads", "reference_downloads", "class_models", "rank", "ram"]

SIZE_CLASS_SQL = """CASE WHEN p IS NULL OR p <= 0 THEN NULL
        WHEN p < 1e9 THEN '<1B' WHEN p < 5e9 THEN '1-5B' WHEN p < 10e9 THEN '5-10B'
        WHEN p < 50e9 THEN '10-50B' WHEN p < 100e9 THEN '50-100B'
        WHEN p < 250e9 THEN '100-250B' ELSE '250B+' END"""

RAM_SQL = f"""
WITH ages AS (
    SELECT n, CAST(floor(n * 0.1) AS INTEGER) AS tol
    FROM (VALUES (7), (14), (30), (60), (90), (180), (365)) AS t(n)
    WHERE CAST($days AS INTEGER) IS NULL OR n = CAST($days AS INTEGER)
),
sized AS (
    SELECT m.id AS model_id, m.org,
           coalesce(ac.actual_release_date, m.release_date, CAST(m.created_at AS DATE))
               AS released,
           coalesce(CAST(ap.total_params_b * 1e9 AS DOUBLE), CAST(m.params_total AS DOUBLE))
               AS p
    FROM models m
    LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
    LEFT JOIN atom_params ap ON ap.model_id = m.id
),
classed AS (
    SELECT model_id, org, released, {SIZE_CLASS_SQL} AS size_class
    FROM sized WHERE released IS NOT NULL
),
aged AS (
    SELECT c.model_id, c.size_class, o.snapshot,
           date_diff('day', c.released, o.snapshot) AS age,
           coalesce(o.downloads_all_time,
                    CASE WHEN date_diff('day', c.released, o.snapshot) <= 30
                         THEN o.downloads_30d END) AS cum
    FROM classed c JOIN observations o ON o.model_id = c.model_id
    WHERE NOT o.carried_over AND c.size_class IS NOT NULL
      AND o.snapshot >= c.released
      AND date_diff('day', c.released, o.snapshot) <= (SELECT max(n + tol) FROM ages)
),
near AS (
    SELECT a.model_id, a.size_class, g.n, a.age, a.snapshot, a.cum,
           row_number() OVER (PARTITION BY a.model_id, g.n
                              ORDER BY abs(a.age - g.n), a.age) AS pick
    FROM aged a JOIN ages g ON a.age BETWEEN g.n - g.tol AND g.n + g.tol
    WHERE a.cum IS NOT NULL
),
at_age AS (
    SELECT model_id, size_class, n, age, snapshot, cum,
           row_number() OVER (PARTITION BY size_class, n ORDER BY cum DESC, model_id) AS rk,
           count(*) OVER (PARTITION BY size_class, n) AS class_models
    FROM near WHERE pick = 1
),
reference AS (
    SELECT size_class, n, cum AS ref FROM at_age WHERE rk = 10
)
SELECT a.model_id, c.org, a.size_class, a.n AS days, a.age AS age_days, a.snapshot,
       CAST(a.cum AS DOUBLE) AS cumulative_downloads,
       CAST(r.ref AS DOUBLE) AS reference_downloads, a.class_models, a.rk AS rank,
       CAST(a.cum AS DOUBLE) / nullif(CAST(r.ref AS DOUBLE), 0) AS ram
FROM at_age a JOIN classed c ON c.model_id = a.model_id
LEFT JOIN reference r ON r.size_class = a.size_class AND r.n = a.n
"""


def ram_model_sql() -> str:
    """RAM of one model ($model) at each age in :data:`AGES` (NULL where not computable)."""
    # ``every_age``, not ``ages``: RAM_SQL has its own ``ages`` CTE, and engines that
    # lift nested CTEs to the top (SQLGlot for Spark) need distinct names (issue 14).
    return f"""
    WITH r AS ({RAM_SQL}), every_age AS (
        SELECT n FROM (VALUES (7), (14), (30), (60), (90), (180), (365)) AS t(n))
    SELECT $model AS model_id, $org AS org, r.size_class, every_age.n AS days, r.age_days,
           r.snapshot, r.cumulative_downloads, r.reference_downloads, r.class_models,
           r.rank, r.ram
    FROM every_age LEFT JOIN r ON r.days = every_age.n AND r.model_id = $model
    ORDER BY every_age.n
    """


def ram_leaders_sql() -> str:
    """The $top models by RAM at age $days, across size classes."""
    return (f"WITH r AS ({RAM_SQL}) SELECT * FROM r WHERE days = $days AND ram IS NOT NULL"
            " ORDER BY ram DESC, model_id LIMIT $top")
