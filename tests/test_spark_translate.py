"""The DuckDB -> Spark statement translation (no Spark needed: text in, text out)."""

from __future__ import annotations

import pytest

from modelatlas.errors import EngineError
from modelatlas.spark.translate import to_spark


def test_cache_tables_become_views_and_parameters_are_bound() -> None:
    s = to_spark("SELECT * FROM ma_cache._ma_cube_0123456789abcdef c"
                 " WHERE c.pkey >= $since_key AND c.org = 'license:$not_a_param' LIMIT $limit")
    assert "ma_cache" not in s.text and "_ma_cube_0123456789abcdef" in s.text
    assert set(s.params) == {"since_key", "limit"}
    assert ":since_key" in s.text and "'license:$not_a_param'" in s.text


def test_division_is_floating_as_in_duckdb() -> None:
    s = to_spark("SELECT 1.0 / count(*) AS w, a / b AS r FROM t")
    assert s.text.count("CAST(") == 2 and "AS DOUBLE) / COUNT(*)" in s.text


def test_len_of_a_list_is_size_and_of_text_is_length() -> None:
    s = to_spark("SELECT len(tags), len(coalesce(truncated_tags, [])), length(id) FROM models")
    assert s.text.count("SIZE(") == 2 and "LENGTH(id)" in s.text


def test_row_number_without_order_gets_one() -> None:
    s = to_spark("SELECT a FROM t QUALIFY row_number() OVER (PARTITION BY a, b) = 1")
    assert "PARTITION BY a, b ORDER BY a" in s.text and "QUALIFY" not in s.text


def test_duckdb_idioms_translate() -> None:
    s = to_spark("SELECT arg_max(v, snapshot), strftime(d, '%Y-%m'), tags[1],"
                 " count(*) FILTER (WHERE x > 1) FROM t ANTI JOIN u ON u.a = t.a")
    assert "MAX_BY(" in s.text and "DATE_FORMAT(d, 'yyyy-MM')" in s.text
    assert "tags[0]" in s.text and "ANTI JOIN" in s.text


def test_unreadable_statement_is_an_engine_error() -> None:
    with pytest.raises(EngineError):
        to_spark("SELECT FROM WHERE (")


def test_avg_is_a_double_as_in_duckdb() -> None:
    s = to_spark("SELECT avg(x), avg(DISTINCT y) FROM t")
    assert "AVG(CAST(x AS DOUBLE))" in s.text and "AVG(DISTINCT CAST(y AS DOUBLE))" in s.text


def test_any_subquery_becomes_in() -> None:
    """DuckDB stores a view's ``IN (SELECT ...)`` as ``= ANY (SELECT ...)``; Spark reads IN."""
    from modelatlas.spark.translate import to_spark

    out = to_spark("SELECT a FROM t WHERE c.p = ANY (SELECT pattern FROM x WHERE r = 1)")
    assert "ANY" not in out.text.upper() and " IN (SELECT" in out.text
