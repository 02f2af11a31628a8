"""Every metric's SQL, and its translation to other engines with SQLGlot.

The metric statements are written in DuckDB's dialect but restricted to
constructs SQLGlot can translate (no list lambdas, no QUALIFY, no GROUP BY ALL);
:func:`to_spark` gives the Spark SQL text a later Spark runner executes over the
same tables. Named parameters ($since) become Spark's ``:since`` markers.
"""

from __future__ import annotations

import itertools

import sqlglot

from modelatlas.metrics import cadence, concentration, licence_mix, ram, share
from modelatlas.metrics.common import ATTRIBUTION, BY, FREQ


def all_sql() -> dict[str, str]:
    """Name -> SQL text of every metric statement, for every option combination."""
    out: dict[str, str] = {}
    for by, metric, attr, freq in itertools.product(
        BY, share.METRICS[:4], ATTRIBUTION, FREQ
    ):
        out[f"share[{by},{metric},{attr},{freq}]"] = share.share_sql(by, metric, attr, freq)
    for attr, freq in itertools.product(ATTRIBUTION, FREQ):
        out[f"concentration[{attr},{freq}]"] = concentration.concentration_sql(attr, freq)
        out[f"cube[{attr},{freq}]"] = share.cube_sql("downloads", attr, freq, "_ma_labels_x")
    for attr in ATTRIBUTION:
        out[f"labels[{attr}]"] = share.labels_sql(attr)
    for weight, freq in itertools.product(licence_mix.WEIGHTS, FREQ):
        out[f"licence_mix[{weight},{freq}]"] = licence_mix.licence_mix_sql(weight, freq)
    out["cadence.monthly"] = cadence.MONTHLY_SQL
    out["cadence.intervals"] = cadence.INTERVALS_SQL
    out["ram"] = ram.RAM_SQL
    return out


def to_spark(sql: str) -> str:
    """Spark SQL for a metric statement; raises on anything SQLGlot cannot translate."""
    return sqlglot.transpile(
        sql, read="duckdb", write="spark", unsupported_level=sqlglot.ErrorLevel.RAISE
    )[0]
