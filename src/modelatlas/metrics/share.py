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
group-bys over it, and the report materialises each cube once
(:func:`materialize_cube`) instead of re-scanning observations per chart.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from modelatlas.errors import ModelAtlasError, UsageError
from modelatlas.metrics.common import (
    BY,
    PARAMS_CTE,
    as_date,
    check_choice,
    group_sql,
    in_range,
    labelled_sql,
    period_key_sql,
    period_sql,
    run,
)
from modelatlas.store.db import Store

METRICS = ("downloads", "likes", "models", "downloads_alltime", "derivatives")
COLUMNS = ["period", "group", "value", "share"]
CUBE_COLUMNS = ("period", "org", "region", "country", "kind", "family", "value")
_CUBE_NAME = re.compile(r"^_ma_cube_[a-z0-9_]{1,40}$")
_TABLE_NAME = re.compile(r"^_ma_(cube|labels)_[a-z0-9_]{1,40}$")


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
    adjacent = (
        "p.k = l.k - 1" if freq == "month"
        else "p.k = (SELECT max(k2.k) FROM lasts k2 WHERE k2.model_id = l.model_id"
        " AND k2.k < l.k)"
    )
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
    vals AS (
        SELECT l.model_id, l.pkey, l.v - p.v AS v
        FROM lasts l JOIN lasts p ON p.model_id = l.model_id AND {adjacent}
        CROSS JOIN params
        WHERE l.v >= p.v AND {in_range('l.snapshot')}
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


def _labels_select() -> str:
    """The labels with a label number ``lk`` (dense_rank: one statement, no self-join)."""
    return f"""
        SELECT model_id, w, {LABEL_COLS}, dense_rank() OVER (ORDER BY {LABEL_COLS}) AS lk
        FROM ({_labels_unnumbered()}
        ) AS x"""


def labels_sql(attribution: str) -> str:
    """The per-model label table as one statement (materialised by :func:`materialize_cube`).

    Numbers the few distinct label combinations and joins them back, which is
    cheaper than ranking every model row; fine here because the result is
    stored, so the join's size estimate cannot mislead a later plan.
    """
    on = " AND ".join(f"k.{c} = x.{c}" for c in LABEL_COLS.split(", "))
    return f"""WITH {_credits_cte(attribution)},
    x AS ({_labels_unnumbered()}
    ),
    keys AS (
        SELECT {LABEL_COLS}, row_number() OVER (ORDER BY {LABEL_COLS}) AS lk
        FROM (SELECT DISTINCT {LABEL_COLS} FROM x) AS d
    )
    SELECT x.model_id, x.w, {', '.join('x.' + c for c in LABEL_COLS.split(', '))}, k.lk
    FROM x JOIN keys k ON {on}"""


def cube_ctes(
    metric: str, attribution: str, freq: str, labels_table: str | None = None
) -> str:
    """CTEs ending in ``cube(period, org, region, country, kind, family, value)``.

    Named parameters $since, $until. Labels are resolved per model first
    (models x orgs, or roots x models x orgs: one row per credited root, with
    its weight) and numbered, so the one large join is values x (model_id ->
    label number, weight) and the large aggregation groups on integers.
    ``labels_table``: the same labels already materialised (a real table gives
    the planner true sizes, so the hash table is built on the small side).
    """
    check_choice("metric", metric, METRICS[:4])
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    if metric in ("downloads", "likes"):
        values = _last_value_sql("downloads_30d" if metric == "downloads" else "likes", freq)
    elif metric == "downloads_alltime":
        values = _alltime_delta_sql(freq)
    else:
        values = _new_models_sql(freq)
    if labels_table is None:
        label_ctes = f"""{_credits_cte(attribution)},
    labels AS ({_labels_select()}
    ),
    label_keys AS (SELECT DISTINCT lk, {LABEL_COLS} FROM labels),
    model_keys AS (SELECT model_id, w, lk FROM labels)"""
    else:
        if not _TABLE_NAME.match(labels_table):
            raise UsageError(f"not a labels table name: {labels_table!r}")
        label_ctes = f"""
    label_keys AS (SELECT DISTINCT lk, {LABEL_COLS} FROM {labels_table}),
    model_keys AS (SELECT model_id, w, lk FROM {labels_table})"""
    return f"""{PARAMS_CTE},
    {values},
    {label_ctes},
    cube_keys AS (
        SELECT v.pkey, mk.lk, sum(v.v * mk.w) AS value
        FROM vals v JOIN model_keys mk ON mk.model_id = v.model_id
        GROUP BY v.pkey, mk.lk
    ),
    cube AS (
        SELECT {period_sql(freq, 'c.pkey')} AS period, k.org, k.region, k.country, k.kind,
               k.family, c.value
        FROM cube_keys c JOIN label_keys k ON k.lk = c.lk
    )"""


def cube_sql(
    metric: str, attribution: str, freq: str, labels_table: str | None = None
) -> str:
    """The cube as one statement (what :func:`materialize_cube` stores)."""
    return f"WITH {cube_ctes(metric, attribution, freq, labels_table)} SELECT * FROM cube"


def _cube_source(metric: str, attribution: str, freq: str, cube_table: str | None) -> str:
    if cube_table is None:
        return cube_ctes(metric, attribution, freq)
    if not _CUBE_NAME.match(cube_table):
        raise UsageError(f"not a cube table name: {cube_table!r}")
    return f"cube AS (SELECT {', '.join(CUBE_COLUMNS)} FROM {cube_table})"


def share_sql(
    by: str, metric: str, attribution: str, freq: str, cube_table: str | None = None
) -> str:
    """The one SQL statement behind :func:`share` (named params $since, $until)."""
    check_choice("by", by, BY)
    if by == "family":
        attribution = "root"  # a family is a property of the root model
    return f"""
    WITH {_cube_source(metric, attribution, freq, cube_table)},
    grouped AS (
        SELECT period, {by} AS grp, sum(value) AS value FROM cube GROUP BY period, {by}
    )
    SELECT period, grp AS "group", CAST(value AS DOUBLE) AS value,
           CAST(value AS DOUBLE) / nullif(sum(value) OVER (PARTITION BY period), 0) AS share
    FROM grouped
    ORDER BY period, value DESC, "group"
    """


def materialize_cube(
    store: Store, name: str, metric: str = "downloads", attribution: str = "direct",
    freq: str = "month", since: str | dt.date | None = None, until: str | dt.date | None = None,
) -> str:
    """Compute a cube once into TEMP table ``_ma_cube_<name>``; returns the table name.

    Pass it as ``cube_table=`` to :func:`share` and
    :func:`modelatlas.metrics.concentration.concentration` (same metric,
    attribution, freq and range) to avoid re-scanning observations.
    """
    table, labels = f"_ma_cube_{name}", f"_ma_labels_{name}"
    if not _CUBE_NAME.match(table):
        raise UsageError(f"not a cube name: {name!r}")
    params = {"since": as_date(since, "since"), "until": as_date(until, "until")}
    con = store.con
    con.execute(f"CREATE OR REPLACE TEMP TABLE {labels} AS {labels_sql(attribution)}").fetchall()
    try:
        sql = cube_sql(metric, attribution, freq, labels)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {sql}", params).fetchall()
    finally:
        con.execute(f"DROP TABLE IF EXISTS {labels}").fetchall()
    return table


def share(
    store: Store,
    by: str = "region",
    metric: str = "downloads",
    attribution: str = "direct",
    freq: str = "month",
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
    cube_table: str | None = None,
) -> pd.DataFrame:
    """Adoption share per period and group: columns period, group, value, share.

    ``metric="derivatives"`` is the lineage owner's derivative share
    (:func:`modelatlas.metrics.derivatives.derivative_share`). ``cube_table``:
    a cube from :func:`materialize_cube` to reuse (the range is then the cube's).
    """
    check_choice("metric", metric, METRICS)
    check_choice("by", by, BY)
    check_choice("attribution", attribution, ("direct", "root"))
    check_choice("freq", freq, ("month", "snapshot"))
    lo, hi = as_date(since, "since"), as_date(until, "until")
    if metric == "derivatives":
        return _derivatives(store, by, freq, lo, hi)
    sql = share_sql(by, metric, attribution, freq, cube_table)
    df = run(store, sql, {"since": lo, "until": hi})
    return df[COLUMNS]


def _derivatives(
    store: Store, by: str, freq: str, since: dt.date | None, until: dt.date | None
) -> pd.DataFrame:
    try:
        from modelatlas.metrics import derivatives
    except ImportError as exc:
        raise ModelAtlasError(
            "derivative share is not available in this build (modelatlas.metrics.derivatives)"
        ) from exc
    df: pd.DataFrame = derivatives.derivative_share(store, by, freq, since, until)
    return df
