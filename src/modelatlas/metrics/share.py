"""Adoption share: who draws the downloads, likes and new models, period by period.

Definition (docs/metrics.md): for downloads per month, each model counts with
its 30-day download counter at the last snapshot of that month in which it
appears (with a counter), within one *population* (the snapshots of one kind of
listing, :mod:`modelatlas.metrics.populations`); values are summed per group;
share = group sum / all groups' sum that month. Per snapshot, the counter at
that snapshot. ``likes`` works the same way; ``models`` counts new models (by
release month, or by first snapshot seen) among the population's models;
``downloads_alltime`` uses the better measure when the source gives cumulative
counters: the difference of ``downloadsAllTime`` between the last snapshot of
the previous month and the last of this one.

*Present at end* (``--present-at-end``): only models observed at the period's
last snapshot of the population count. On a list with churn (a trending list)
the two differ: a model that left the list mid-month still carries the counter
it had when last seen (docs/metrics.md, "Churn").

Every share is computed from one *cube*: the metric's values credited (direct
or root) and summed per population, period and (org, region, ATOM region,
country, kind, family, lineage known), with the models counted and the same
sums restricted to models present at the period's end. The cube is the single
definition; share, top lists and concentration are small group-bys over it. The
query engine materialises each cube once per store state (an intermediate
table, see :mod:`modelatlas.queries._engine`) and every share, concentration
and report chart over the same cube reads it.

This module only builds SQL; queries run through the registry
(:mod:`modelatlas.queries.share`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from modelatlas.metrics.common import (
    PARAMS_CTE,
    check_choice,
    group_sql,
    in_range,
    labelled_sql,
    period_key_sql,
    period_sql,
)
from modelatlas.metrics.populations import snapshot_populations_sql
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

METRICS = ("downloads", "likes", "models", "downloads_alltime", "derivatives")
CUBE_METRICS = METRICS[:4]
REGION_SCHEMES = ("default", "atom")
LABEL_COLS = "org, region, region_atom, country, kind, family, lineage_known"
_LABELS = LABEL_COLS.split(", ")
CUBE_COLUMNS = ("population", "pkey", "period", *_LABELS, "value", "value_end", "models",
                "models_end", "snapshots", "last_snapshot")
#: A month is complete when its population has a snapshot in its last days: the
#: 30-day counters then cover (nearly) the whole month.
COMPLETE_WITHIN_DAYS = 7


def _snap_pop() -> str:
    return f"snap_pop AS ({snapshot_populations_sql()})"


#: The ``atom`` population's snapshots: every snapshot (its models' counters are
#: theirs, whoever listed them), restricted to its members below.
_ATOM_POP = "atom_pop AS (SELECT source, snapshot, 'atom' AS population FROM snapshots)"
_ATOM_MEMBERS = "o.model_id IN (SELECT model_id FROM atom_members)"


def _period_snaps(freq: str, pops: str, sfx: str) -> str:
    """``period_snaps{sfx}(population, pkey, n, last_snap)``: snapshots per population
    period, from the ``pops`` CTE."""
    return f"""
    period_snaps{sfx} AS (
        SELECT population, pkey, count(*) AS n, max(snapshot) AS last_snap
        FROM (SELECT DISTINCT sp.population, sp.snapshot,
                     {period_key_sql(freq, 'sp.snapshot')} AS pkey
              FROM {pops} sp) AS d
        GROUP BY population, pkey
    )"""


def _last_value_sql(column: str, freq: str, pops: str = "snap_pop", sfx: str = "",
                    only: str = "TRUE") -> str:
    """``vals{sfx}(model_id, population, pkey, v, snap, at_end)``: the counter at the
    model's last snapshot in the period, per population (``pops``: a CTE of
    (source, snapshot, population); ``only``: an internal filter on ``o``).

    Periods holding a single snapshot (monthly dumps, or freq=snapshot) pass
    rows straight through; only periods with several snapshots aggregate
    (``arg_max``), so a Hub-scale monthly store never builds a hash table with
    one entry per (model, month). Observations are scanned once per branch
    rather than through a shared CTE (which engines may materialise).
    """
    key = period_key_sql(freq, "o.snapshot")
    scan = (f"FROM observations o"
            f" JOIN {pops} sp ON sp.source = o.source AND sp.snapshot = o.snapshot"
            f" JOIN period_snaps{sfx} ps ON ps.population = sp.population AND ps.pkey = {key}"
            f" CROSS JOIN params"
            f" WHERE NOT o.carried_over AND o.{column} IS NOT NULL AND {only}"
            f" AND {in_range('o.snapshot')} AND ps.n")
    return f"""
    {_period_snaps(freq, pops, sfx)},
    vals{sfx} AS (
        SELECT o.model_id, sp.population, {key} AS pkey, CAST(o.{column} AS DOUBLE) AS v,
               TRUE AS at_end
        {scan} = 1
        UNION ALL
        SELECT o.model_id, sp.population, {key} AS pkey,
               CAST(arg_max(o.{column}, o.snapshot) AS DOUBLE) AS v,
               max(o.snapshot) = ps.last_snap AS at_end
        {scan} > 1
        GROUP BY o.model_id, sp.population, {key}, ps.last_snap
    )"""


def _alltime_delta_sql(freq: str, pops: str = "snap_pop", sfx: str = "",
                       only: str = "TRUE") -> str:
    """``vals{sfx}``: growth of downloadsAllTime since the previous period, per
    population.

    Month: last counter of this month minus last counter of the calendar month
    before (both must be observed); snapshot: minus the previous snapshot's value.
    Negative differences (counter resets) are dropped as missing.
    """
    if freq == "month":
        key = "year(o.snapshot) * 12 + month(o.snapshot)"
    else:
        key = "CAST(date_diff('day', DATE '1970-01-01', o.snapshot) AS BIGINT)"
    # The previous observed period comes from a window (lag), not a correlated
    # subquery in a join condition, which Spark cannot run (issue 14). Month: the
    # previous observed month must be the calendar month before.
    adjacent = "s.prev_k = s.k - 1" if freq == "month" else "TRUE"
    return f"""
    {_period_snaps(freq, pops, sfx)},
    obs{sfx} AS (
        SELECT o.model_id, sp.population, o.snapshot, o.downloads_all_time AS v,
               {period_key_sql(freq, 'o.snapshot')} AS pkey, {key} AS k
        FROM observations o
        JOIN {pops} sp ON sp.source = o.source AND sp.snapshot = o.snapshot
        WHERE NOT o.carried_over AND o.downloads_all_time IS NOT NULL AND {only}
    ),
    lasts{sfx} AS (
        SELECT model_id, population, pkey, k, max(snapshot) AS snapshot,
               arg_max(v, snapshot) AS v
        FROM obs{sfx} GROUP BY model_id, population, pkey, k
    ),
    steps{sfx} AS (
        SELECT l.*,
               lag(l.k) OVER (PARTITION BY l.model_id, l.population ORDER BY l.k) AS prev_k,
               lag(l.v) OVER (PARTITION BY l.model_id, l.population ORDER BY l.k) AS prev_v
        FROM lasts{sfx} l
    ),
    vals{sfx} AS (
        SELECT s.model_id, s.population, s.pkey, CAST(s.v - s.prev_v AS DOUBLE) AS v,
               s.snapshot = ps.last_snap AS at_end
        FROM steps{sfx} s
        JOIN period_snaps{sfx} ps ON ps.population = s.population AND ps.pkey = s.pkey
        CROSS JOIN params
        WHERE s.prev_k IS NOT NULL AND {adjacent} AND s.v >= s.prev_v
          AND {in_range('s.snapshot')}
    )"""


def _new_models_sql(freq: str, pops: str = "snap_pop", sfx: str = "",
                    only: str = "TRUE") -> str:
    """``vals{sfx}``: each model once per population it was observed in, in its
    release month (or first snapshot)."""
    when = (
        "coalesce(m.release_date, CAST(m.created_at AS DATE))"
        if freq == "month" else "m.first_seen"
    )
    return f"""
    {_period_snaps(freq, pops, sfx)},
    member{sfx} AS (
        SELECT DISTINCT o.model_id, sp.population
        FROM observations o
        JOIN {pops} sp ON sp.source = o.source AND sp.snapshot = o.snapshot
        WHERE {only}
    ),
    vals{sfx} AS (
        SELECT m.id AS model_id, mb.population, {period_key_sql(freq, when)} AS pkey,
               1.0 AS v, TRUE AS at_end
        FROM models m JOIN member{sfx} mb ON mb.model_id = m.id CROSS JOIN params
        WHERE {when} IS NOT NULL AND {in_range(when)}
    )"""


def _credits_cte(attribution: str) -> str:
    """``credits(model_id, w, credited_id, family)``: whom each model's value credits."""
    if check_choice("attribution", attribution, ("direct", "root")) == "root":
        # a model without a roots row (lineage not derived yet) is its own root
        return """
    credits AS (
        SELECT r.model_id, r.weight AS w, r.root_id AS credited_id, r.family FROM roots r
        UNION ALL
        SELECT m.id AS model_id, 1.0 AS w, m.id AS credited_id, CAST(NULL AS VARCHAR) AS family
        FROM models m WHERE NOT EXISTS (SELECT 1 FROM roots r WHERE r.model_id = m.id)
    )"""
    return """
    credits AS (
        SELECT m.id AS model_id, 1.0 AS w, m.id AS credited_id, CAST(NULL AS VARCHAR) AS family
        FROM models m
    )"""


#: A model's lineage is known when its source stated its tags (a base_model tag or
#: the absence of one both say something) or an edge names its parent; trending
#: lists carry no tags, so their models' roots are themselves by default, not by
#: evidence.
#: A model's lineage is known when its source stated tags or a parent, or the
#: re-upload rule named its original (``reupload_edges``): root attribution then moves
#: its value away from the uploader.
LINEAGE_KNOWN = ("(array_length(mm.tags) > 0 OR EXISTS"
                 " (SELECT 1 FROM edges e WHERE e.child = mm.id) OR EXISTS"
                 " (SELECT 1 FROM reupload_edges re WHERE re.child = mm.id))")


def _labels_unnumbered() -> str:
    """Per (model, credited root): weight and group labels."""
    g = [group_sql(b) for b in ("org", "region", "country", "kind", "family")]
    return f"""
            SELECT c.model_id, c.w, {g[0]} AS org, {g[1]} AS region,
                   coalesce(og.region_atom, 'unknown') AS region_atom,
                   {g[2]} AS country, {g[3]} AS kind, {g[4]} AS family,
                   coalesce({LINEAGE_KNOWN}, FALSE) AS lineage_known
            {labelled_sql('credits')}
            LEFT JOIN models mm ON mm.id = c.model_id"""


def labels_sql(attribution: str) -> Sql:
    """The per-model label table: (model_id, w, <labels>, lk).

    Numbers the few distinct label combinations and joins them back, which is
    cheaper than ranking every model row; fine here because the result is
    stored, so the join's size estimate cannot mislead a later plan.
    """
    on = " AND ".join(f"k.{c} = x.{c}" for c in _LABELS)
    return Sql(f"""WITH {_credits_cte(attribution)},
    x AS ({_labels_unnumbered()}
    ),
    keys AS (
        SELECT {LABEL_COLS}, row_number() OVER (ORDER BY {LABEL_COLS}) AS lk
        FROM (SELECT DISTINCT {LABEL_COLS} FROM x) AS d
    )
    SELECT x.model_id, x.w, {', '.join('x.' + c for c in _LABELS)}, k.lk
    FROM x JOIN keys k ON {on}""")


def aligned(freq: str, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether [since, until] covers whole periods, so a cube over all history,
    filtered by period, equals a cube of the range (and can be shared)."""
    if freq == "snapshot":
        return True
    start_ok = since is None or since.day == 1
    end_ok = until is None or (until + dt.timedelta(days=1)).day == 1
    return start_ok and end_ok


def _values(metric: str, freq: str, pops: str = "snap_pop", sfx: str = "",
            only: str = "TRUE") -> str:
    """The value CTEs of ``metric`` (``vals{sfx}`` and helpers) over ``pops``."""
    if metric in ("downloads", "likes"):
        return _last_value_sql("downloads_30d" if metric == "downloads" else "likes", freq,
                               pops, sfx, only)
    if metric == "downloads_alltime":
        return _alltime_delta_sql(freq, pops, sfx, only)
    return _new_models_sql(freq, pops, sfx, only)


def cube(metric: str, attribution: str, freq: str, since: dt.date | None = None,
         until: dt.date | None = None, *, atom: bool = False) -> Sql:
    """The cube (see :data:`CUBE_COLUMNS`) as an intermediate table (its labels
    table as its own intermediate).

    When the range covers whole periods the cube is built over all history (one
    table serves every such range); otherwise over the range itself. The snapshot
    populations are always in it; the curated ``atom`` population only with
    ``atom`` (it is never a default, so only a query that names it builds it).
    """
    check_choice("metric", metric, CUBE_METRICS)
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    labels = labels_sql(attribution)
    labels_table = table_name("labels", labels)
    params: dict[str, Any] = {"since": None, "until": None}
    if not aligned(freq, since, until):
        params = {"since": since, "until": until}
    if atom:
        extra = f"""
    {_ATOM_POP},
    {_values(metric, freq, "atom_pop", "_atom", _ATOM_MEMBERS)},
    all_vals AS (
        SELECT model_id, population, pkey, v, at_end FROM vals
        UNION ALL
        SELECT model_id, population, pkey, v, at_end FROM vals_atom
    ),
    all_periods AS (
        SELECT population, pkey, n, last_snap FROM period_snaps
        UNION ALL
        SELECT population, pkey, n, last_snap FROM period_snaps_atom
        WHERE pkey IN (SELECT pkey FROM vals_atom)
    ),"""
    else:
        extra = """
    all_vals AS (SELECT model_id, population, pkey, v, at_end FROM vals),
    all_periods AS (SELECT population, pkey, n, last_snap FROM period_snaps),"""
    text = f"""WITH {PARAMS_CTE},
    {_snap_pop()},
    {_values(metric, freq)},{extra}
    label_keys AS (SELECT DISTINCT lk, {LABEL_COLS} FROM {labels_table}),
    model_keys AS (SELECT model_id, w, lk FROM {labels_table}),
    cube_keys AS (
        SELECT v.population, v.pkey, mk.lk, sum(v.v * mk.w) AS value,
               sum(CASE WHEN v.at_end THEN v.v * mk.w ELSE 0 END) AS value_end,
               sum(mk.w) AS models,
               sum(CASE WHEN v.at_end THEN mk.w ELSE 0 END) AS models_end
        FROM all_vals v JOIN model_keys mk ON mk.model_id = v.model_id
        GROUP BY v.population, v.pkey, mk.lk
    )
    SELECT c.population, c.pkey, {period_sql(freq, 'c.pkey')} AS period,
           {', '.join('k.' + col for col in _LABELS)},
           c.value, c.value_end, c.models, c.models_end,
           coalesce(p.n, 0) AS snapshots, p.last_snap AS last_snapshot
    FROM cube_keys c JOIN label_keys k ON k.lk = c.lk
    LEFT JOIN all_periods p ON p.population = c.population AND p.pkey = c.pkey"""
    return Sql(text, params, ((labels_table, labels),))


def cube_source(metric: str, attribution: str, freq: str, since: dt.date | None,
                until: dt.date | None, *, atom: bool = False) -> tuple[str, Sql]:
    """``cube AS (...)`` CTE text over the cube intermediate, restricted to the range
    and to the population ``$population`` (NULL: every population), and the
    intermediate itself. Named params $since_key, $until_key, $population."""
    c = cube(metric, attribution, freq, since, until, atom=atom)
    name = table_name("cube", c)
    cte = (f"cube AS (SELECT {', '.join(CUBE_COLUMNS)} FROM {name}"
           " WHERE ($population IS NULL OR population = $population)"
           " AND ($since_key IS NULL OR pkey >= $since_key)"
           " AND ($until_key IS NULL OR pkey <= $until_key))")
    return cte, c


def range_keys(freq: str, since: dt.date | None, until: dt.date | None) -> dict[str, Any]:
    """Period keys bounding [since, until] (month: first days of months)."""
    if freq == "month":
        return {"since_key": since.replace(day=1) if since else None,
                "until_key": until.replace(day=1) if until else None}
    return {"since_key": since, "until_key": until}


def period_end_sql(freq: str, col: str) -> str:
    """Last day of the period starting at ``col``."""
    return f"last_day({col})" if freq == "month" else col


def partial_sql(freq: str, metric: str, pkey: str = "pkey", last: str = "last_snapshot"
                ) -> str:
    """SQL: whether a period is partial (``pkey``: its first day, ``last``: the
    population's last snapshot in it; internal column names).

    Observed counters (downloads, likes): a month is complete when the population
    has a snapshot in its last :data:`COMPLETE_WITHIN_DAYS` days. New models by
    release month: the month is over by the population's last snapshot in it.
    A snapshot period is complete by definition.
    """
    if freq == "snapshot":
        return "FALSE"
    if metric == "models":
        return f"({last} IS NULL OR {last} < last_day({pkey}))"
    return (f"({last} IS NULL OR {last}"
            f" < last_day({pkey}) - INTERVAL {COMPLETE_WITHIN_DAYS - 1} DAY)")


def group_col(by: str, regions: str) -> str:
    """The cube column a --by (and --regions) groups on."""
    check_choice("by", by, ("region", "country", "org", "family", "kind"))
    check_choice("regions", regions, REGION_SCHEMES)
    return "region_atom" if by == "region" and regions == "atom" else by


def share_sql(by: str, metric: str, attribution: str, freq: str,
              since: dt.date | None = None, until: dt.date | None = None, *,
              population: str | None = None, regions: str = "default",
              present_at_end: bool = False) -> Sql:
    """Value per population, period and group from the cube (sparse;
    :func:`finish_share` makes the shares, dense), with the period's coverage (the
    fraction of its value whose group is known), lineage coverage (of models whose
    lineage is known), snapshots and whether it is partial.

    ``population`` None: every population (the caller picks one, see
    :func:`modelatlas.metrics.populations.choose`; one statement serves both the
    choice and the answer)."""
    col = group_col(by, regions)
    if by == "family":
        attribution = "root"  # a family is a property of the root model
    cte, c = cube_source(metric, attribution, freq, since, until,
                         atom=population == "atom")
    v = "value_end" if present_at_end else "value"
    n = "models_end" if present_at_end else "models"
    text = f"""
    WITH {cte},
    per AS (
        SELECT population, pkey, period, {col} AS grp, sum({v}) AS value,
               sum({n}) AS models,
               sum(CASE WHEN {col} <> 'unknown' THEN {v} ELSE 0 END) AS known,
               sum(CASE WHEN lineage_known THEN {v} ELSE 0 END) AS lineage,
               max(snapshots) AS snapshots, max(last_snapshot) AS last_snapshot
        FROM cube GROUP BY population, pkey, period, {col}
    ),
    tot AS (
        SELECT population, pkey, sum(value) AS total, sum(known) AS known,
               sum(lineage) AS lineage, max(snapshots) AS snapshots,
               max(last_snapshot) AS last_snapshot
        FROM per GROUP BY population, pkey
    )
    SELECT per.period, per.grp AS "group", per.value, CAST(NULL AS DOUBLE) AS share,
           per.pkey AS period_start, {period_end_sql(freq, 'per.pkey')} AS period_end,
           per.population, per.models,
           CASE WHEN tot.total > 0 THEN tot.known / tot.total END AS coverage,
           CASE WHEN tot.total > 0 THEN tot.lineage / tot.total END AS lineage_coverage,
           tot.snapshots, tot.last_snapshot,
           {partial_sql(freq, metric, 'tot.pkey', 'tot.last_snapshot')} AS partial
    FROM per JOIN tot ON tot.population = per.population AND tot.pkey = per.pkey
    """
    params = {**range_keys(freq, since, until), "population": population}
    return Sql(text, params, ((table_name("cube", c), c),))


EXTRA_COLUMNS = ("population", "models", "coverage", "lineage_coverage", "snapshots",
                 "last_snapshot", "partial")
_PER_PERIOD = ("coverage", "lineage_coverage", "snapshots", "last_snapshot", "partial")


def finish_share(inner: Sql, top: int | None = None) -> Sql:
    """Shares from per-(population, period, group) values, dense: a group absent in a
    period is 0; shares within each population's period.

    ``top``: keep the ``top`` groups with the largest value over the whole answer
    (per population) and fold the rest into ``other`` (bounded answers for ``--by
    org``). Works on any statement with columns period, group, value, period_start,
    period_end and :data:`EXTRA_COLUMNS` (``models`` per group, the others per
    period).
    """
    grp = 'b."group"' if top is None else \
        'CASE WHEN r.rk <= $top THEN b."group" ELSE \'other\' END'
    ranked = "" if top is None else """
    ranked AS (
        SELECT population AS pop, "group" AS grp,
               row_number() OVER (PARTITION BY population
                                  ORDER BY sum(value) DESC, "group") AS rk
        FROM base GROUP BY population, "group"
    ),"""
    join = "" if top is None else \
        'JOIN ranked r ON r.grp = b."group" AND r.pop IS NOT DISTINCT FROM b.population'
    period_extra = "".join(f", max(b.{c}) AS {c}" for c in _PER_PERIOD)
    dense_extra = "".join(f", p.{c}" for c in _PER_PERIOD)
    text = f"""
    WITH base AS ({inner.text}),{ranked}
    folded AS (
        SELECT b.population, b.period, {grp} AS grp, sum(b.value) AS value,
               sum(b.models) AS models
        FROM base b {join}
        GROUP BY b.population, b.period, {grp}
    ),
    periods AS (SELECT b.population, b.period, min(b.period_start) AS period_start,
                       min(b.period_end) AS period_end{period_extra}
                FROM base b GROUP BY b.population, b.period),
    grps AS (SELECT DISTINCT population, grp FROM folded),
    dense AS (
        SELECT p.population, p.period, p.period_start, p.period_end, g.grp,
               coalesce(f.value, 0) AS value, coalesce(f.models, 0) AS models{dense_extra}
        FROM periods p
        JOIN grps g ON g.population IS NOT DISTINCT FROM p.population
        LEFT JOIN folded f ON f.population IS NOT DISTINCT FROM p.population
             AND f.period = p.period AND f.grp = g.grp
    )
    SELECT period, grp AS "group", CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY population, period), 0)
               AS share,
           period_start, period_end, population, CAST(models AS DOUBLE) AS models,
           {', '.join(_PER_PERIOD)}
    FROM dense
    ORDER BY population, period, value DESC, "group"
    """
    params = dict(inner.params)
    if top is not None:
        params["top"] = top
    return Sql(text, params, inner.intermediates)

#: A period leads a top list or a headline only if its total is at least this
#: fraction of the busiest period's (a thin tail is not a story).
SUBSTANTIAL_PERIOD = 0.01


def latest_substantial(totals: dict[str, float], partial: dict[str, bool]) -> str | None:
    """The latest period that is complete and holds at least
    :data:`SUBSTANTIAL_PERIOD` of the busiest period's total (None: none is)."""
    if not totals:
        return None
    peak = max(totals.values())
    ok = [p for p, t in totals.items()
          if not partial.get(p) and peak > 0 and t >= SUBSTANTIAL_PERIOD * peak]
    return max(ok) if ok else None
