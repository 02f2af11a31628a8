"""Every metric's SQL is portable: SQLGlot translates it to Spark SQL without errors."""

from __future__ import annotations

import pytest
import sqlglot

from modelatlas.metrics import engines

ALL = engines.all_sql()


def test_every_metric_is_listed() -> None:
    names = {k.split("[")[0].split(".")[0] for k in ALL}
    assert names == {"share", "concentration", "licence_mix", "cadence", "ram", "cube", "labels"}
    assert len(ALL) > 80


@pytest.mark.parametrize("name", sorted(ALL))
def test_transpiles_to_spark(name: str) -> None:
    spark = engines.to_spark(ALL[name])
    assert "SELECT" in spark.upper()
    # DuckDB-only spellings must be gone
    assert "$since" not in spark and "arg_max(" not in spark.lower()
    assert "strftime(" not in spark.lower()
    # and the Spark text parses back as Spark
    sqlglot.parse_one(spark, read="spark")


def test_broken_sql_raises() -> None:
    with pytest.raises(sqlglot.errors.SqlglotError):
        engines.to_spark("SELECT list_transform([1, 2], lambda x: x + 1) FROM (SELECT 1) AS t(")
