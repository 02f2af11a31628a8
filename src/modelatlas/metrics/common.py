"""Shared pieces of every adoption metric: option whitelists, attribution, periods.

Every metric is one set-based SQL statement written in a portable subset of
SQL (DuckDB dialect, checked to transpile to Spark with SQLGlot, see
``modelatlas.metrics.engines``). Parameters are named (``$since``) and
always bound, never formatted in; the only text spliced into SQL comes from the
fixed whitelists below.

Attribution (docs/metrics.md):

* ``direct`` credits the organisation that uploaded the model (``models.org``);
* ``root`` credits the developer of the model's root model(s) (``roots``),
  splitting a merge's credit by ``roots.weight``. A model without a ``roots``
  row (lineage not derived yet) is its own root.

Organisation facts come from ``orgs`` (``lower(org) = orgs.org``); a namespace
missing there is ``unknown`` (region, country, kind).
"""

from __future__ import annotations

from modelatlas.errors import UsageError

BY = ("region", "country", "org", "family", "kind")
ATTRIBUTION = ("direct", "root")
FREQ = ("month", "snapshot")

#: Hub namespace of an id ("Qwen/Qwen2.5-7B" -> "Qwen"); NULL for legacy ids.
def namespace_sql(col: str) -> str:
    """Namespace part of a model-id column (``col`` is an internal identifier)."""
    return f"CASE WHEN strpos({col}, '/') > 0 THEN split_part({col}, '/', 1) END"


def check_choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    """``value`` if it is one of ``allowed``, else a UsageError naming the choices."""
    if value not in allowed:
        raise UsageError(f"--{name} must be one of {'|'.join(allowed)} (got {value!r})")
    return value


def period_sql(freq: str, col: str) -> str:
    """Period label of a date column: 'YYYY-MM' for month, 'YYYY-MM-DD' for snapshot."""
    if check_choice("freq", freq, FREQ) == "month":
        return f"strftime({col}, '%Y-%m')"
    return f"CAST({col} AS VARCHAR)"


def period_key_sql(freq: str, col: str) -> str:
    """Period key of a date column (a DATE: first of month, or the snapshot itself).

    Grouping on a date is much cheaper than on a label; labels are made after
    aggregation with :func:`period_sql`.
    """
    if check_choice("freq", freq, FREQ) == "month":
        return f"CAST(date_trunc('month', {col}) AS DATE)"
    return col


PARAMS_CTE = "params AS (SELECT CAST($since AS DATE) AS since, CAST($until AS DATE) AS until)"
IN_RANGE = (
    "(params.since IS NULL OR {col} >= params.since)"
    " AND (params.until IS NULL OR {col} <= params.until)"
)


def in_range(col: str) -> str:
    """Predicate: ``col`` within the bound [since, until] (open ends when NULL)."""
    return IN_RANGE.format(col=col)


def credit_sql(source: str, attribution: str) -> str:
    """Rows (pkey, v, credited_id, family) crediting each row of ``source``.

    ``source`` is a CTE name with columns (model_id, pkey, v). Direct credit
    goes to the model itself; root credit is split over its roots by weight
    (a model with no roots row is its own root, weight 1).
    """
    if check_choice("attribution", attribution, ATTRIBUTION) == "direct":
        return (
            "SELECT s.pkey, s.v, s.model_id AS credited_id,"
            f" CAST(NULL AS VARCHAR) AS family FROM {source} s"
        )
    return (
        "SELECT s.pkey, s.v * coalesce(r.weight, 1.0) AS v,"
        " coalesce(r.root_id, s.model_id) AS credited_id, r.family"
        f" FROM {source} s LEFT JOIN roots r ON r.model_id = s.model_id"
    )


def group_sql(by: str) -> str:
    """Group label of a credited row (aliases: c = credit rows, cm = models, og = orgs)."""
    check_choice("by", by, BY)
    ns = f"coalesce(cm.org, {namespace_sql('c.credited_id')})"
    return {
        "org": f"coalesce(og.namespace, {ns}, 'unknown')",
        "region": "coalesce(og.region, 'unknown')",
        "country": "coalesce(og.country, 'unknown')",
        "kind": "coalesce(og.kind, 'unknown')",
        "family": "coalesce(c.family, 'unknown')",
    }[by]


def labelled_sql(credit_cte: str) -> str:
    """Joins a credit CTE to the credited model's org row (for group labels)."""
    ns = f"coalesce(cm.org, {namespace_sql('c.credited_id')})"
    return (
        f" FROM {credit_cte} c LEFT JOIN models cm ON cm.id = c.credited_id"
        f" LEFT JOIN orgs og ON og.org = lower({ns})"
    )
