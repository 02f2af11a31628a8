"""Derivative metrics: whose models the world builds on, one SQL definition each.

A *derivative* is a model that names at least one base model (an ``edges`` row as
child). It is attributed to its root(s) through the derived ``roots`` table with
``weight`` (a merge of a Qwen and a Llama model counts 0.5 to each), so shares
add up to 1 per period. Its *relation* is the one stated on its edges; when a
model states several, the most specific wins: merge > quantized > adapter >
finetune > unknown. Its *period* is the month (or other ``freq``) of its Hub
creation date, else of the snapshot where it was first seen.

Every function takes the store, runs one parameterised query and returns a tidy
``pandas.DataFrame``. Call :func:`modelatlas.derive.refresh` first (the CLI does).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from modelatlas.errors import UsageError
from modelatlas.lineage.roots import CANON_EDGES
from modelatlas.store.db import Store

RELATION_PRIORITY = ("merge", "quantized", "adapter", "finetune", "unknown")

ROOT_ORG = "(CASE WHEN strpos(r.root_id, '/') > 0 THEN split_part(r.root_id, '/', 1) END)"

GROUPS: dict[str, str] = {
    "family": "coalesce(r.family, 'unknown')",
    "region": "coalesce(o.region, 'unknown')",
    "country": "coalesce(o.country, 'unknown')",
    "kind": "coalesce(o.kind, 'unknown')",
    "org": f"coalesce(o.namespace, {ROOT_ORG}, 'unknown')",
    "root": "r.root_id",
    "relation": "d.relation",
}

_DAY = "coalesce(CAST(m.created_at AS DATE), m.first_seen)"
PERIODS: dict[str, str] = {
    "month": f"strftime(date_trunc('month', {_DAY}), '%Y-%m')",
    "quarter": f"strftime(date_trunc('quarter', {_DAY}), '%Y-%m')",
    "year": f"strftime(date_trunc('year', {_DAY}), '%Y')",
    "week": f"strftime(date_trunc('week', {_DAY}), '%Y-%m-%d')",
    "day": f"strftime({_DAY}, '%Y-%m-%d')",
    "snapshot": "strftime(m.first_seen, '%Y-%m-%d')",
    "all": "'all'",
}


def _check(by: str, freq: str) -> tuple[str, str]:
    if by not in GROUPS:
        raise UsageError(f"--by must be one of {', '.join(GROUPS)} for derivatives, got {by!r}")
    if freq not in PERIODS:
        raise UsageError(f"--freq must be one of {', '.join(PERIODS)}, got {freq!r}")
    return GROUPS[by], PERIODS[freq]


def _derivatives_sql(since: str | None, until: str | None,
                     relation: str | None) -> tuple[str, list[Any]]:
    """FROM-clause of derivatives joined to their roots and root orgs, with params."""
    params: list[Any] = [list(RELATION_PRIORITY)]
    where = ["TRUE"]
    if since:
        where.append(f"{_DAY} >= CAST(? AS DATE)")
        params.append(since)
    if until:
        where.append(f"{_DAY} <= CAST(? AS DATE)")
        params.append(until)
    if relation:
        if relation not in RELATION_PRIORITY:
            raise UsageError(f"relation must be one of {', '.join(RELATION_PRIORITY)}")
        where.append("d.relation = ?")
        params.append(relation)
    sql = f"""
        (SELECT child AS model_id,
                arg_min(relation, list_position(?::VARCHAR[], relation)) AS relation
         FROM ({CANON_EDGES}) WHERE child <> parent GROUP BY child) d
        JOIN models m ON m.id = d.model_id
        JOIN roots r ON r.model_id = d.model_id
        LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
        WHERE {' AND '.join(where)}
    """
    return sql, params


def _df(store: Store, sql: str, params: list[Any]) -> pd.DataFrame:
    df: pd.DataFrame = store.con.execute(sql, params).df()
    return df


def _parse_date(v: str | dt.date | None, name: str) -> str | None:
    if v is None:
        return None
    try:
        return str(pd.Timestamp(v).date().isoformat())
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{name} must be a date (YYYY-MM-DD), got {v!r}") from exc


def derivative_share(store: Store, by: str = "family", freq: str = "month",
                     since: str | dt.date | None = None, until: str | dt.date | None = None,
                     relation: str | None = None) -> pd.DataFrame:
    """Share of new derivatives per period by root group ("whose models the world builds on").

    Columns: ``period``, ``group``, ``value`` (derivatives created in the period,
    weighted by root share), ``share`` (value / all derivatives of the period).
    """
    grp, per = _check(by, freq)
    src, params = _derivatives_sql(_parse_date(since, "since"), _parse_date(until, "until"),
                                   relation)
    sql = f"""
        WITH g AS (
            SELECT {per} AS period, {grp} AS "group", sum(r.weight) AS value
            FROM {src}
            GROUP BY 1, 2
        )
        SELECT period, "group", value, value / sum(value) OVER (PARTITION BY period) AS share
        FROM g ORDER BY period, value DESC, "group"
    """
    return _df(store, sql, params)


def derivatives_by(store: Store, by: str = "family", freq: str = "month",
                   since: str | dt.date | None = None,
                   until: str | dt.date | None = None) -> pd.DataFrame:
    """Derivatives per period, root group and relation.

    Columns: ``period``, ``group``, ``relation``, ``value`` (weighted), ``models``.
    """
    grp, per = _check(by, freq)
    src, params = _derivatives_sql(_parse_date(since, "since"), _parse_date(until, "until"),
                                   None)
    sql = f"""
        SELECT {per} AS period, {grp} AS "group", d.relation, sum(r.weight) AS value,
               count(DISTINCT m.id) AS models
        FROM {src}
        GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC, 2, 3
    """
    return _df(store, sql, params)


def tree_sizes(store: Store) -> pd.DataFrame:
    """Every root with derivatives: ``root``, ``family``, ``region``, ``size``, ``max_depth``.

    ``size`` counts models below the root (any depth); ``max_depth`` is the
    longest shortest-chain from the root to one of them.
    """
    sql = f"""
        SELECT r.root_id AS root, any_value(r.family) AS family,
               coalesce(any_value(o.region), 'unknown') AS region,
               count(*) AS size, max(r.depth) AS max_depth
        FROM roots r LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
        WHERE r.depth > 0
        GROUP BY r.root_id ORDER BY size DESC, root
    """
    return _df(store, sql, [])


def tree_size_distribution(store: Store) -> pd.DataFrame:
    """How many trees have 1, 2-9, 10-99, ... derivatives: ``bucket``, ``trees``, ``share``."""
    sql = """
        WITH t AS (SELECT root_id, count(*) AS size FROM roots WHERE depth > 0 GROUP BY 1),
        b AS (SELECT CAST(floor(log10(size)) AS INTEGER) AS k FROM t)
        SELECT CASE WHEN k = 0 THEN '1-9' ELSE
                    CAST(CAST(pow(10, k) AS BIGINT) AS VARCHAR) || '-'
                    || CAST(CAST(pow(10, k + 1) - 1 AS BIGINT) AS VARCHAR) END AS bucket,
               count(*) AS trees, count(*) / sum(count(*)) OVER () AS share
        FROM b GROUP BY k ORDER BY k
    """
    return _df(store, sql, [])


def depth_distribution(store: Store) -> pd.DataFrame:
    """Models by generation (max depth over their roots): ``depth``, ``models``, ``share``."""
    sql = """
        WITH d AS (SELECT model_id, max(depth) AS depth FROM roots GROUP BY 1)
        SELECT depth, count(*) AS models, count(*) / sum(count(*)) OVER () AS share
        FROM d GROUP BY depth ORDER BY depth
    """
    return _df(store, sql, [])


def leaf_share(store: Store) -> pd.DataFrame:
    """Share of derivatives that nobody builds on, per relation.

    Columns: ``relation``, ``derivatives``, ``leaves``, ``share``. Published point
    of comparison: 99.41% of quantized models are leaves (Horwitz et al., 2025).
    """
    sql = f"""
        WITH e AS ({CANON_EDGES}),
        d AS (SELECT child AS model_id,
                     arg_min(relation, list_position(?::VARCHAR[], relation)) AS relation
              FROM e WHERE child <> parent GROUP BY child),
        p AS (SELECT DISTINCT parent FROM e WHERE child <> parent)
        SELECT d.relation, count(*) AS derivatives, count(*) - count(p.parent) AS leaves,
               (count(*) - count(p.parent)) / count(*) AS share
        FROM d LEFT JOIN p ON p.parent = d.model_id
        GROUP BY d.relation ORDER BY derivatives DESC
    """
    return _df(store, sql, [list(RELATION_PRIORITY)])
