"""Derivative metrics: whose models the world builds on, one SQL definition each.

A *derivative* is a model that names at least one base model (an ``edges`` row as
child). It is attributed to its root(s) through the derived ``roots`` table with
``weight`` (a merge of a Qwen and a Llama model counts 0.5 to each), so shares
add up to 1 per period. Its *relation* is the one stated on its edges; when a
model states several, the most specific wins: merge > quantized > adapter >
finetune > unknown. Its *period* is the month (or other ``freq``) of its Hub
creation date, else of the snapshot where it was first seen.

Derivatives are counted within one population (the models observed in its
snapshots; :mod:`modelatlas.metrics.populations`): ``$population``, or when NULL
the default one (a full listing first, then the population with the most
derivatives in the range). A store without any observed derivative (models
written without snapshots) has no population to choose: every derivative counts
and ``population`` is NULL. ``coverage`` is the fraction of a period's
derivatives whose root group is known.

This module builds the SQL; the ``derivatives`` query
(:mod:`modelatlas.queries.lineage`) declares and runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from modelatlas.errors import UsageError
from modelatlas.lineage.edges import CANON_EDGES
from modelatlas.metrics.populations import FULL_SQL, MEMBERS_INTERMEDIATE, MEMBERS_TABLE
from modelatlas.queries._registry import Sql

RELATION_PRIORITY = ("merge", "quantized", "adapter", "finetune", "unknown")
#: Portable form of "the most specific relation first" (no list parameters).
RELATION_RANK = ("CASE relation " + " ".join(
    f"WHEN '{r}' THEN {i}" for i, r in enumerate(RELATION_PRIORITY)) + " ELSE 99 END")

ROOT_ORG = "(CASE WHEN strpos(r.root_id, '/') > 0 THEN split_part(r.root_id, '/', 1) END)"

GROUPS: dict[str, str] = {
    "family": "coalesce(r.family, 'unknown')",
    "region": "coalesce(o.region, 'unknown')",
    "region_atom": "coalesce(o.region_atom, 'unknown')",
    "country": "coalesce(o.country, 'unknown')",
    "kind": "coalesce(o.kind, 'unknown')",
    "org": f"coalesce(o.namespace, {ROOT_ORG}, 'unknown')",
    "root": "r.root_id",
    "relation": "d.relation",
}

_DAY = "coalesce(CAST(m.created_at AS DATE), m.first_seen)"
#: freq -> (label, first day, last day) of the period of a derivative.
PERIODS: dict[str, tuple[str, str, str]] = {
    "month": (f"strftime(date_trunc('month', {_DAY}), '%Y-%m')",
              f"CAST(date_trunc('month', {_DAY}) AS DATE)",
              f"last_day(date_trunc('month', {_DAY}))"),
    "quarter": (f"strftime(date_trunc('quarter', {_DAY}), '%Y-%m')",
                f"CAST(date_trunc('quarter', {_DAY}) AS DATE)",
                f"CAST(date_trunc('quarter', {_DAY}) + INTERVAL 3 MONTH - INTERVAL 1 DAY"
                " AS DATE)"),
    "year": (f"strftime(date_trunc('year', {_DAY}), '%Y')",
             f"CAST(date_trunc('year', {_DAY}) AS DATE)",
             f"CAST(date_trunc('year', {_DAY}) + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)"),
    "week": (f"strftime(date_trunc('week', {_DAY}), '%Y-%m-%d')",
             f"CAST(date_trunc('week', {_DAY}) AS DATE)",
             f"CAST(date_trunc('week', {_DAY}) + INTERVAL 6 DAY AS DATE)"),
    "day": (f"strftime({_DAY}, '%Y-%m-%d')", _DAY, _DAY),
    "snapshot": ("strftime(m.first_seen, '%Y-%m-%d')", "m.first_seen", "m.first_seen"),
    "all": ("'all'", "CAST(NULL AS DATE)", "CAST(NULL AS DATE)"),
}
VIEWS = ("share", "counts", "trees", "tree-sizes", "depth", "leaves", "issues")


def _check(by: str, freq: str) -> tuple[str, tuple[str, str, str]]:
    if by not in GROUPS:
        raise UsageError(f"--by must be one of {'|'.join(GROUPS)} for derivatives, got {by!r}")
    if freq not in PERIODS:
        raise UsageError(f"--freq must be one of {'|'.join(PERIODS)}, got {freq!r}")
    return GROUPS[by], PERIODS[freq]


_IN_RANGE = (f"(CAST($since AS DATE) IS NULL OR {_DAY} >= CAST($since AS DATE))"
             f" AND (CAST($until AS DATE) IS NULL OR {_DAY} <= CAST($until AS DATE))")


def _with(relation: str | None) -> str:
    """CTEs ``d`` (derivatives, most specific relation), ``member`` (population of each
    derivative's observations), ``chosen`` ($population, else the default: a full
    listing first, then the most derivatives in the range)."""
    if relation is not None and relation not in RELATION_PRIORITY:
        raise UsageError(f"--relation must be one of {'|'.join(RELATION_PRIORITY)}")
    return f"""
        d AS (SELECT child AS model_id, arg_min(relation, {RELATION_RANK}) AS relation
              FROM ({CANON_EDGES}) AS ce WHERE child <> parent GROUP BY child),
        member AS (
            SELECT mb.model_id, mb.population FROM {MEMBERS_TABLE} mb
            WHERE mb.model_id IN (SELECT model_id FROM d)
        ),
        chosen AS (
            SELECT coalesce(CAST($population AS VARCHAR), (
                SELECT mb.population FROM member mb JOIN models m ON m.id = mb.model_id
                WHERE {_IN_RANGE} GROUP BY mb.population
                ORDER BY max({FULL_SQL.format(col='mb.population')}), count(*) DESC,
                         mb.population
                LIMIT 1)) AS population
        )"""


def _derivatives_from(relation: str | None) -> str:
    """FROM-clause of the chosen population's derivatives joined to their roots and
    root orgs (after :func:`_with`). Named params $since, $until, $population,
    $relation."""
    rel = " AND d.relation = $relation" if relation else ""
    return f"""
        d JOIN models m ON m.id = d.model_id
        JOIN roots r ON r.model_id = d.model_id
        LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
        CROSS JOIN chosen
        WHERE {_IN_RANGE}{rel}
          AND (chosen.population IS NULL OR d.model_id IN (
              SELECT mb.model_id FROM member mb WHERE mb.population = chosen.population))
    """


def _params(since: dt.date | None, until: dt.date | None, relation: str | None,
            population: str | None) -> dict[str, Any]:
    return {"since": since, "until": until, "relation": relation, "population": population}


def share_sql(by: str, freq: str, since: dt.date | None, until: dt.date | None,
              relation: str | None, *, population: str | None = None) -> Sql:
    """New derivatives per period by root group ("whose models the world builds on"):
    ``value`` weighted by root share, with the population read and the period's
    coverage (fraction of derivatives whose root group is known); shares by
    :func:`modelatlas.metrics.share.finish_share` (``extra=True``)."""
    grp, (label, start, end) = _check(by, freq)
    text = f"""
        WITH {_with(relation)},
        per AS (
            SELECT {label} AS period, {grp} AS grp, sum(r.weight) AS value,
                   {start} AS period_start, {end} AS period_end,
                   max(chosen.population) AS population
            FROM {_derivatives_from(relation)}
            GROUP BY {label}, {start}, {end}, {grp}
        ),
        tot AS (
            SELECT period, sum(value) AS total,
                   sum(CASE WHEN grp <> 'unknown' THEN value ELSE 0 END) AS known
            FROM per GROUP BY period
        )
        SELECT per.period, per.grp AS "group", per.value, CAST(NULL AS DOUBLE) AS share,
               per.period_start, per.period_end, per.population, per.value AS models,
               tot.known / nullif(tot.total, 0) AS coverage,
               CAST(NULL AS DOUBLE) AS lineage_coverage, CAST(NULL AS BIGINT) AS snapshots,
               CAST(NULL AS DATE) AS last_snapshot, CAST(NULL AS BOOLEAN) AS partial
        FROM per JOIN tot ON tot.period = per.period
    """
    return Sql(text, _params(since, until, relation, population), MEMBERS_INTERMEDIATE)


def counts_sql(by: str, freq: str, since: dt.date | None, until: dt.date | None,
               relation: str | None, *, population: str | None = None) -> Sql:
    """Derivatives per period, root group and relation (value weighted, models counted)."""
    grp, (label, start, end) = _check(by, freq)
    text = f"""
        WITH {_with(relation)}
        SELECT {label} AS period, {grp} AS "group", d.relation, sum(r.weight) AS value,
               count(DISTINCT m.id) AS models, {start} AS period_start, {end} AS period_end,
               max(chosen.population) AS population
        FROM {_derivatives_from(relation)}
        GROUP BY {label}, {start}, {end}, {grp}, d.relation
        ORDER BY period, value DESC, "group", d.relation
    """
    return Sql(text, _params(since, until, relation, population), MEMBERS_INTERMEDIATE)


TREES_SQL = f"""
    SELECT r.root_id AS root, any_value(r.family) AS family,
           coalesce(any_value(o.region), 'unknown') AS region,
           count(*) AS size, max(r.depth) AS max_depth
    FROM roots r LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
    WHERE r.depth > 0
    GROUP BY r.root_id ORDER BY size DESC, root
"""

TREE_SIZES_SQL = """
    WITH t AS (SELECT root_id, count(*) AS size FROM roots WHERE depth > 0 GROUP BY root_id),
    b AS (SELECT CAST(floor(log10(size)) AS INTEGER) AS k FROM t)
    SELECT CASE WHEN k = 0 THEN '1-9' ELSE
                CAST(CAST(pow(10, k) AS BIGINT) AS VARCHAR) || '-'
                || CAST(CAST(pow(10, k + 1) - 1 AS BIGINT) AS VARCHAR) END AS bucket,
           count(*) AS trees, count(*) / sum(count(*)) OVER () AS share
    FROM b GROUP BY k ORDER BY k
"""

DEPTH_SQL = """
    WITH d AS (SELECT model_id, max(depth) AS depth FROM roots GROUP BY model_id)
    SELECT depth, count(*) AS models, count(*) / sum(count(*)) OVER () AS share
    FROM d GROUP BY depth ORDER BY depth
"""

#: Share of derivatives nobody builds on, per relation. Published point of
#: comparison: 99.41% of quantized models are leaves (Horwitz et al., 2025).
LEAVES_SQL = f"""
    WITH e AS ({CANON_EDGES}),
    d AS (SELECT child AS model_id, arg_min(relation, {RELATION_RANK}) AS relation
          FROM e WHERE child <> parent GROUP BY child),
    p AS (SELECT DISTINCT parent FROM e WHERE child <> parent)
    SELECT d.relation, count(*) AS derivatives, count(*) - count(p.parent) AS leaves,
           (count(*) - count(p.parent)) / count(*) AS share
    FROM d LEFT JOIN p ON p.parent = d.model_id
    GROUP BY d.relation ORDER BY derivatives DESC, d.relation
"""

ISSUES_SQL = "SELECT model_id, kind, detail FROM lineage_issues ORDER BY kind, model_id"
