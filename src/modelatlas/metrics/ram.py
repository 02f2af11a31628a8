"""Relative Adoption Metric (RAM), after the ATOM Project (https://atomproject.ai), in two
definitions side by side (docs/metrics.md, "RAM").

For a model and an age N (days after release, N in 7, 14, 30, 60, 90, 180,
365): its cumulative downloads at age N divided by the cumulative downloads of
a reference model of the same size class at the same age. RAM = 1 means "as
adopted as a typical top-10 model of its size at that age".

``ram`` (modelatlas' definition, the one this tool has always computed):

* Size classes from total parameters (ATOM's curated counts when imported,
  else the Hub's safetensors total): <1B, 1-5B, 5-10B, 10-50B, 50-100B,
  100-250B, 250B+.
* Reference: the 10th most-downloaded model of the class at that age, among
  every model the store observed at that age (a moving cohort).

``ram_atom`` (ATOM's definition as of its 2026 report, as far as the data allows):

* ATOM's size buckets (``<1B, 1-5B, 7-9B, 10-50B, 50-100B, 100-250B, 250B+``;
  its 7-9B bucket spans 5-10B) from its curated parameter counts, else the
  safetensors total, else a size written in the name (``-8B``), as its
  ``model_sizes.get_model_size`` resolves them;
* reference cohort fixed to a baseline quarter: models released on or before its
  end (``$baseline_end``), and ATOM's tracked models when the list is imported;
* a monotonic top-10 cutoff: the reference at age N is the largest 10th-model
  value at any age up to N, so the bar never drops as a class ages.

Common to both:

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

import datetime as dt
import re

from modelatlas.errors import UsageError

AGES = (7, 14, 30, 60, 90, 180, 365)
SIZE_CLASSES = ("<1B", "1-5B", "5-10B", "10-50B", "50-100B", "100-250B", "250B+")
ATOM_SIZE_CLASSES = ("<1B", "1-5B", "7-9B", "10-50B", "50-100B", "100-250B", "250B+")
COLUMNS = ["model_id", "org", "size_class", "days", "age_days", "snapshot",
           "cumulative_downloads", "reference_downloads", "class_models", "rank", "ram",
           "size_class_atom", "reference_atom", "ram_atom"]
DEFINITIONS = ("modelatlas", "atom")
#: ATOM fixes its reference cohort to a baseline quarter; which one is not in the
#: data it ships, so this default is documented and changeable (--baseline-quarter).
BASELINE_QUARTER = "2025Q4"
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")


def quarter_end(quarter: str | None) -> dt.date:
    """'2025Q4' -> 2025-12-31 (None: the default baseline quarter)."""
    text = (quarter or BASELINE_QUARTER).strip().upper()
    m = _QUARTER.match(text)
    if not m:
        raise UsageError(f"--baseline-quarter must look like 2025Q4, not {text[:20]!r}")
    year, q = int(m.group(1)), int(m.group(2))
    nxt = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return nxt - dt.timedelta(days=1)


def _size_case(col: str, classes: tuple[str, ...]) -> str:
    c = classes
    return (f"CASE WHEN {col} IS NULL OR {col} <= 0 THEN NULL"
            f" WHEN {col} < 1e9 THEN '{c[0]}' WHEN {col} < 5e9 THEN '{c[1]}'"
            f" WHEN {col} < 10e9 THEN '{c[2]}' WHEN {col} < 50e9 THEN '{c[3]}'"
            f" WHEN {col} < 100e9 THEN '{c[4]}' WHEN {col} < 250e9 THEN '{c[5]}'"
            f" ELSE '{c[6]}' END")


SIZE_CLASS_SQL = _size_case("p", SIZE_CLASSES)
ATOM_SIZE_CLASS_SQL = _size_case("pa", ATOM_SIZE_CLASSES)
#: A size written in a model name ("-8B", "_0.5b", "72B-") in parameters, as ATOM's
#: parse_size_from_name reads it.
NAME_SIZE_SQL = ("CAST(nullif(regexp_extract(m.name, '(?:^|[-_])([0-9]+[.]?[0-9]*)[bB](?:[-_]|$)',"
                 " 1), '') AS DOUBLE) * 1e9")

RAM_SQL = f"""
WITH ages AS (
    SELECT n, CAST(floor(n * 0.1) AS INTEGER) AS tol
    FROM (VALUES (7), (14), (30), (60), (90), (180), (365)) AS t(n)
),
tracked AS (SELECT DISTINCT model_id FROM atom_models),
sized AS (
    SELECT m.id AS model_id, m.org,
           coalesce(ac.actual_release_date, m.release_date, CAST(m.created_at AS DATE))
               AS released,
           coalesce(CAST(ap.total_params_b * 1e9 AS DOUBLE), CAST(m.params_total AS DOUBLE))
               AS p,
           coalesce(CAST(ap.total_params_b * 1e9 AS DOUBLE), CAST(m.params_total AS DOUBLE),
                    {NAME_SIZE_SQL}) AS pa,
           (tr.model_id IS NOT NULL OR (SELECT count(*) FROM tracked) = 0) AS in_atom
    FROM models m
    LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
    LEFT JOIN atom_params ap ON ap.model_id = m.id
    LEFT JOIN tracked tr ON tr.model_id = m.id
),
classed AS (
    SELECT model_id, org, released, {SIZE_CLASS_SQL} AS size_class,
           {ATOM_SIZE_CLASS_SQL} AS size_class_atom,
           in_atom AND released <= CAST($baseline_end AS DATE) AS baseline
    FROM sized WHERE released IS NOT NULL
),
aged AS (
    SELECT c.model_id, c.size_class, c.size_class_atom, c.baseline, o.snapshot,
           date_diff('day', c.released, o.snapshot) AS age,
           coalesce(o.downloads_all_time,
                    CASE WHEN date_diff('day', c.released, o.snapshot) <= 30
                         THEN o.downloads_30d END) AS cum
    FROM classed c JOIN observations o ON o.model_id = c.model_id
    WHERE NOT o.carried_over
      AND (c.size_class IS NOT NULL OR c.size_class_atom IS NOT NULL)
      AND o.snapshot >= c.released
      AND date_diff('day', c.released, o.snapshot) <= (SELECT max(n + tol) FROM ages)
),
near AS (
    SELECT a.model_id, a.size_class, a.size_class_atom, a.baseline, g.n, a.age, a.snapshot,
           a.cum,
           row_number() OVER (PARTITION BY a.model_id, g.n
                              ORDER BY abs(a.age - g.n), a.age) AS pick
    FROM aged a JOIN ages g ON a.age BETWEEN g.n - g.tol AND g.n + g.tol
    WHERE a.cum IS NOT NULL
),
picked AS (SELECT * FROM near WHERE pick = 1),
at_age AS (
    SELECT model_id, size_class, size_class_atom, n, age, snapshot, cum,
           row_number() OVER (PARTITION BY size_class, n ORDER BY cum DESC, model_id) AS rk,
           count(*) OVER (PARTITION BY size_class, n) AS class_models
    FROM picked
),
reference AS (
    SELECT size_class, n, cum AS ref FROM at_age WHERE rk = 10 AND size_class IS NOT NULL
),
atom_ranked AS (
    SELECT size_class_atom, n, cum,
           row_number() OVER (PARTITION BY size_class_atom, n ORDER BY cum DESC, model_id) AS rk
    FROM picked WHERE baseline AND size_class_atom IS NOT NULL
),
atom_raw AS (SELECT size_class_atom, n, cum AS ref FROM atom_ranked WHERE rk = 10),
atom_reference AS (
    SELECT size_class_atom, n,
           max(ref) OVER (PARTITION BY size_class_atom ORDER BY n
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS ref
    FROM atom_raw
)
SELECT a.model_id, c.org, a.size_class, a.n AS days, a.age AS age_days, a.snapshot,
       CAST(a.cum AS DOUBLE) AS cumulative_downloads,
       CAST(r.ref AS DOUBLE) AS reference_downloads, a.class_models, a.rk AS rank,
       CAST(a.cum AS DOUBLE) / nullif(CAST(r.ref AS DOUBLE), 0) AS ram,
       a.size_class_atom, CAST(ar.ref AS DOUBLE) AS reference_atom,
       CAST(a.cum AS DOUBLE) / nullif(CAST(ar.ref AS DOUBLE), 0) AS ram_atom
FROM at_age a JOIN classed c ON c.model_id = a.model_id
LEFT JOIN reference r ON r.size_class = a.size_class AND r.n = a.n
LEFT JOIN atom_reference ar ON ar.size_class_atom = a.size_class_atom AND ar.n = a.n
"""


def ram_all_sql() -> str:
    """Every (model, age) computable, ordered."""
    return (f"SELECT * FROM ({RAM_SQL}) AS t"
            " ORDER BY days, size_class, rank, model_id")


def ram_model_sql() -> str:
    """RAM of one model ($model) at each age in :data:`AGES` (NULL where not computable)."""
    # ``every_age``, not ``ages``: RAM_SQL has its own ``ages`` CTE, and engines that
    # lift nested CTEs to the top (SQLGlot for Spark) need distinct names (issue 14).
    return f"""
    WITH r AS ({RAM_SQL}), every_age AS (
        SELECT n FROM (VALUES (7), (14), (30), (60), (90), (180), (365)) AS t(n))
    SELECT $model AS model_id, $org AS org, r.size_class, every_age.n AS days, r.age_days,
           r.snapshot, r.cumulative_downloads, r.reference_downloads, r.class_models,
           r.rank, r.ram, r.size_class_atom, r.reference_atom, r.ram_atom
    FROM every_age LEFT JOIN r ON r.days = every_age.n AND r.model_id = $model
    ORDER BY every_age.n
    """


def ram_leaders_sql(definition: str = "modelatlas") -> str:
    """The $top models by RAM at age $days, across size classes (``definition``:
    rank by ``ram`` or by ``ram_atom``)."""
    if definition not in DEFINITIONS:
        raise UsageError(f"--definition must be one of {'|'.join(DEFINITIONS)}")
    col = "ram_atom" if definition == "atom" else "ram"
    return (f"WITH r AS ({RAM_SQL}) SELECT * FROM r WHERE days = $days AND {col} IS NOT NULL"
            f" ORDER BY {col} DESC, model_id LIMIT $top")


#: What RAM can rest on in this store: models, dated ones, ones with a parameter
#: count, and sized ones observed near an age RAM uses (6-401 days, the ages'
#: +-10% windows).
INPUTS_SQL = """
    WITH m AS (
        SELECT m.id, coalesce(ac.actual_release_date, m.release_date,
                              CAST(m.created_at AS DATE)) AS released,
               (m.params_total IS NOT NULL OR ap.model_id IS NOT NULL) AS sized
        FROM models m
        LEFT JOIN atom_params ap ON ap.model_id = m.id
        LEFT JOIN atom_release_corrections ac ON ac.model_id = m.id
    ),
    aged AS (
        SELECT count(DISTINCT o.model_id) AS n
        FROM observations o JOIN m ON m.id = o.model_id
        WHERE m.sized AND date_diff('day', m.released, o.snapshot) BETWEEN 6 AND 401
    )
    SELECT count(*) AS models, count(released) AS dated,
           sum(CASE WHEN sized THEN 1 ELSE 0 END) AS sized, max(aged.n) AS aged
    FROM m CROSS JOIN aged
"""
