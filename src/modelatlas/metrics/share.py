"""Adoption share: who draws the downloads, likes and new models, period by period.

Definition (docs/metrics.md): for downloads per month, each model counts with
its 30-day download counter at the last snapshot of that month in which it
appears (with a counter); values are summed per group; share = group sum /
all groups' sum that month. Per snapshot, the counter at that snapshot.
``likes`` works the same way; ``models`` counts new models (by release month, or
by first snapshot seen); ``downloads_alltime`` uses the better measure when the
source gives cumulative counters: the difference of ``downloadsAllTime`` between
the last snapshot of the previous month and the last of this one.

Every share is computed from one *cube*: the metric's values credited
(direct or root) and summed per period and (org, region, country, kind,
family). The cube is the single definition; share and concentration are small
group-bys over it. The query engine materialises each cube once per store
state (an intermediate table, see :mod:`modelatlas.queries._engine`) and every
share, concentration and report chart over the same cube reads it.

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
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

METRICS = ("downloads", "likes", "models", "downloads_alltime", "derivatives")
CUBE_METRICS = METRICS[:4]
CUBE_COLUMNS = ("pkey", "period", "org", "region", "country", "kind", "family", "value")


def _last_value_sql(column: str, freq: str) -> str:
    """(model_id, pkey, v): the counter at the model's last snapshot in the period.

    Periods holding a single snapshot (monthly dumps, or freq=snapshot) pass
    rows straight through; only periods with several snapshots aggregate
    (``arg_max``), so a Hub-scale monthly store never builds a hash table with
    one entry per (model, month). Which periods hold several snapshots comes
    from the small ``snapshots`` table, and observations are scanned once per
    branch rather than through a shared CTE (which engines may materialise).
    """
    key = period_key_sql(freq, "o.snapshot")
    scan = (f"FROM observations o CROSS JOIN params"
            f" WHERE NOT o.carried_over AND o.{column} IS NOT NULL AND {in_range('o.snapshot')}"
            f" AND {key} IN (SELECT ps.pkey FROM period_snaps ps WHERE ps.n")
    return f"""
    period_snaps AS (
        SELECT pkey, count(*) AS n
        FROM (SELECT DISTINCT s.snapshot, {period_key_sql(freq, 's.snapshot')} AS pkey
              FROM snapshots s) AS d
        GROUP BY pkey
    ),
    vals AS (
        SELECT o.model_id, {key} AS pkey, o.{column} AS v
        {scan} = 1)
        UNION ALL
        SELECT o.model_id, {key} AS pkey, arg_max(o.{column}, o.snapshot) AS v
        {scan} > 1)
        GROUP BY o.model_id, {key}
    )"""


def _alltime_delta_sql(freq: str) -> str:
    """(model_id, pkey, v): growth of downloadsAllTime since the previous period.

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
    obs AS (
        SELECT o.model_id, o.snapshot, o.downloads_all_time AS v,
               {period_key_sql(freq, 'o.snapshot')} AS pkey, {key} AS k
        FROM observations o
        WHERE NOT o.carried_over AND o.downloads_all_time IS NOT NULL
    ),
    lasts AS (
        SELECT model_id, pkey, k, max(snapshot) AS snapshot, arg_max(v, snapshot) AS v
        FROM obs GROUP BY model_id, pkey, k
    ),
    steps AS (
        SELECT l.*, lag(l.k) OVER (PARTITION BY l.model_id ORDER BY l.k) AS prev_k,
               lag(l.v) OVER (PARTITION BY l.model_id ORDER BY l.k) AS prev_v
        FROM lasts l
    ),
    vals AS (
        SELECT s.model_id, s.pkey, s.v - s.prev_v AS v
        FROM steps s CROSS JOIN params
        WHERE s.prev_k IS NOT NULL AND {adjacent} AND s.v >= s.prev_v
          AND {in_range('s.snapshot')}
    )"""


def _new_models_sql(freq: str) -> str:
    """(model_id, pkey, 1): each model once, in its release month / first snapshot."""
    when = (
        "coalesce(m.release_date, CAST(m.created_at AS DATE))"
        if freq == "month" else "m.first_seen"
    )
    return f"""
    vals AS (
        SELECT m.id AS model_id, {period_key_sql(freq, when)} AS pkey, 1.0 AS v
        FROM models m CROSS JOIN params
        WHERE {when} IS NOT NULL AND {in_range(when)}
    )"""


LABEL_COLS = "org, region, country, kind, family"


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


def _labels_unnumbered() -> str:
    """Per (model, credited root): weight and group labels."""
    g = [group_sql(b) for b in ("org", "region", "country", "kind", "family")]
    return f"""
            SELECT c.model_id, c.w, {g[0]} AS org, {g[1]} AS region,
                   {g[2]} AS country, {g[3]} AS kind, {g[4]} AS family
            {labelled_sql('credits')}"""


def labels_sql(attribution: str) -> Sql:
    """The per-model label table: (model_id, w, org, region, country, kind, family, lk).

    Numbers the few distinct label combinations and joins them back, which is
    cheaper than ranking every model row; fine here because the result is
    stored, so the join's size estimate cannot mislead a later plan.
    """
    on = " AND ".join(f"k.{c} = x.{c}" for c in LABEL_COLS.split(", "))
    return Sql(f"""WITH {_credits_cte(attribution)},
    x AS ({_labels_unnumbered()}
    ),
    keys AS (
        SELECT {LABEL_COLS}, row_number() OVER (ORDER BY {LABEL_COLS}) AS lk
        FROM (SELECT DISTINCT {LABEL_COLS} FROM x) AS d
    )
    SELECT x.model_id, x.w, {', '.join('x.' + c for c in LABEL_COLS.split(', '))}, k.lk
    FROM x JOIN keys k ON {on}""")


def aligned(freq: str, since: dt.date | None, until: dt.date | None) -> bool:
    """Whether [since, until] covers whole periods, so a cube over all history,
    filtered by period, equals a cube of the range (and can be shared)."""
    if freq == "snapshot":
        return True
    start_ok = since is None or since.day == 1
    end_ok = until is None or (until + dt.timedelta(days=1)).day == 1
    return start_ok and end_ok


def cube(metric: str, attribution: str, freq: str, since: dt.date | None = None,
         until: dt.date | None = None) -> Sql:
    """The cube ``(pkey, period, org, region, country, kind, family, value)`` as an
    intermediate table (its labels table as its own intermediate).

    When the range covers whole periods the cube is built over all history (one
    table serves every such range); otherwise over the range itself.
    """
    check_choice("metric", metric, CUBE_METRICS)
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    labels = labels_sql(attribution)
    labels_table = table_name("labels", labels)
    if metric in ("downloads", "likes"):
        values = _last_value_sql("downloads_30d" if metric == "downloads" else "likes", freq)
    elif metric == "downloads_alltime":
        values = _alltime_delta_sql(freq)
    else:
        values = _new_models_sql(freq)
    params: dict[str, Any] = {"since": None, "until": None}
    if not aligned(freq, since, until):
        params = {"since": since, "until": until}
    text = f"""WITH {PARAMS_CTE},
    {values},
    label_keys AS (SELECT DISTINCT lk, {LABEL_COLS} FROM {labels_table}),
    model_keys AS (SELECT model_id, w, lk FROM {labels_table}),
    cube_keys AS (
        SELECT v.pkey, mk.lk, sum(v.v * mk.w) AS value
        FROM vals v JOIN model_keys mk ON mk.model_id = v.model_id
        GROUP BY v.pkey, mk.lk
    )
    SELECT c.pkey, {period_sql(freq, 'c.pkey')} AS period, k.org, k.region, k.country,
           k.kind, k.family, c.value
    FROM cube_keys c JOIN label_keys k ON k.lk = c.lk"""
    return Sql(text, params, ((labels_table, labels),))


def cube_source(metric: str, attribution: str, freq: str, since: dt.date | None,
                until: dt.date | None) -> tuple[str, Sql]:
    """``cube AS (...)`` CTE text over the cube intermediate, restricted to the range,
    and the intermediate itself. Named params $since_key, $until_key."""
    c = cube(metric, attribution, freq, since, until)
    name = table_name("cube", c)
    cte = (f"cube AS (SELECT {', '.join(CUBE_COLUMNS)} FROM {name}"
           " WHERE ($since_key IS NULL OR pkey >= $since_key)"
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


def share_sql(by: str, metric: str, attribution: str, freq: str,
              since: dt.date | None = None, until: dt.date | None = None) -> Sql:
    """Value per period and group from the cube (sparse; :func:`finish_share` makes
    the shares, dense)."""
    check_choice("by", by, ("region", "country", "org", "family", "kind"))
    if by == "family":
        attribution = "root"  # a family is a property of the root model
    cte, c = cube_source(metric, attribution, freq, since, until)
    text = f"""
    WITH {cte}
    SELECT period, {by} AS "group", sum(value) AS value, CAST(NULL AS DOUBLE) AS share,
           pkey AS period_start, {period_end_sql(freq, 'pkey')} AS period_end
    FROM cube
    GROUP BY pkey, period, {by}
    """
    return Sql(text, range_keys(freq, since, until), ((table_name("cube", c), c),))


def finish_share(inner: Sql, top: int | None = None) -> Sql:
    """Shares from per-(period, group) values, dense: a group absent in a period is 0.

    ``top``: keep the ``top`` groups with the largest value over the whole answer
    and fold the rest into ``other`` (bounded answers for ``--by org``). Works on
    any statement with columns period, group, value, period_start, period_end.
    """
    grp = 'b."group"' if top is None else \
        'CASE WHEN r.rk <= $top THEN b."group" ELSE \'other\' END'
    ranked = "" if top is None else """
    ranked AS (
        SELECT "group" AS grp, row_number() OVER (ORDER BY sum(value) DESC, "group") AS rk
        FROM base GROUP BY "group"
    ),"""
    join = "" if top is None else 'JOIN ranked r ON r.grp = b."group"'
    text = f"""
    WITH base AS ({inner.text}),{ranked}
    folded AS (
        SELECT b.period, b.period_start, b.period_end, {grp} AS grp, sum(b.value) AS value
        FROM base b {join}
        GROUP BY b.period, b.period_start, b.period_end, {grp}
    ),
    periods AS (SELECT DISTINCT period, period_start, period_end FROM folded),
    grps AS (SELECT DISTINCT grp FROM folded),
    dense AS (
        SELECT p.period, p.period_start, p.period_end, g.grp, coalesce(f.value, 0) AS value
        FROM periods p CROSS JOIN grps g
        LEFT JOIN folded f ON f.period = p.period AND f.grp = g.grp
    )
    SELECT period, grp AS "group", CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY period), 0) AS share,
           period_start, period_end
    FROM dense
    ORDER BY period, value DESC, "group"
    """
    params = dict(inner.params)
    if top is not None:
        params["top"] = top
    return Sql(text, params, inner.intermediates)
