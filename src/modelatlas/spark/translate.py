"""DuckDB-dialect statements (the registry's portable SQL) as Spark SQL.

SQLGlot does the dialect work (functions, ``QUALIFY``, 1-based list indexes,
``NULLS LAST`` ordering that DuckDB implies). On the parsed tree this module
adds what a dialect translation cannot know:

- ``ma_cache.<name>`` (an intermediate table in DuckDB's attached cache) is a
  plain temporary view name on Spark;
- ``/`` is DuckDB's floating division whatever the operand types, while Spark
  keeps decimals decimal (``1.0 / 3`` is ``0.333333``): the left operand is cast
  to DOUBLE, so both engines divide the same way;
- ``avg`` is a DOUBLE in DuckDB whatever it averages, while Spark keeps a decimal
  average decimal (rounded to a few places): the argument is cast to DOUBLE;
- DuckDB's ``len`` measures lists and text alike, Spark's ``length`` only text: a
  ``len`` of a list column of the store (``tags``, ``truncated_tags``, ...) or of a
  list literal becomes ``size``;
- ``row_number() OVER (PARTITION BY k)`` (any one row per ``k``, as DuckDB allows)
  is ordered by ``k`` itself for Spark, which insists on an order: still any row;
- the named parameters a statement mentions (``$since`` -> ``:since``) are
  listed, so Spark binds exactly those (Spark binds them itself: no value is
  ever spliced into SQL text).

Translations are cached: the registry asks for the same few hundred statements.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlglot
from sqlglot import exp

from modelatlas.errors import EngineError
from modelatlas.queries._engine import CACHE_DB


@dataclass(frozen=True)
class SparkSql:
    """A statement in Spark's dialect and the parameter names it binds."""

    text: str
    params: tuple[str, ...]


@functools.lru_cache(maxsize=1)
def list_columns() -> frozenset[str]:
    """Names of list-typed columns in the store and the canonical record."""
    import pyarrow as pa

    from modelatlas.sources.records import RECORD_SCHEMA
    from modelatlas.spark.tables import store_schema

    names = {c for cols in store_schema().values() for c, t in cols if t.endswith("[]")}
    names |= {f.name for f in RECORD_SCHEMA if pa.types.is_list(f.type)}
    return frozenset(names)


def _is_list(node: exp.Expression) -> bool:
    if isinstance(node, exp.Array):
        return True
    if isinstance(node, exp.Column):
        return node.name in list_columns()
    if isinstance(node, exp.Coalesce):
        return any(_is_list(a) for a in [node.this, *node.expressions])
    return False


def _double(e: exp.Expression) -> exp.Expression:
    if isinstance(e, exp.Cast) and e.to.is_type(exp.DataType.Type.DOUBLE):
        return e
    return exp.cast(e.copy(), exp.DataType.Type.DOUBLE)


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Window) and isinstance(node.this, exp.RowNumber) \
            and node.args.get("order") is None and node.args.get("partition_by"):
        node.set("order", exp.Order(expressions=[
            exp.Ordered(this=e.copy()) for e in node.args["partition_by"]]))
        return node
    if isinstance(node, exp.Avg):
        arg = node.this
        if isinstance(arg, exp.Distinct):
            arg.set("expressions", [_double(e) for e in arg.expressions])
        else:
            node.set("this", _double(arg))
        return node
    if isinstance(node, exp.Length) and _is_list(node.this):
        return exp.ArraySize(this=node.this.copy())
    if isinstance(node, exp.Table) and node.args.get("db") is not None \
            and node.db == CACHE_DB:
        node.set("db", None)
        return node
    if isinstance(node, exp.EQ) and isinstance(node.expression, exp.Any) \
            and isinstance(node.expression.this, exp.Subquery | exp.Select):
        # DuckDB re-serialises a view's ``x IN (SELECT ...)`` as ``x = ANY (SELECT ...)``,
        # which Spark cannot parse (the atom_members view, issue 12): back to IN.
        sub = node.expression.this
        query = sub.this if isinstance(sub, exp.Subquery) else sub
        return exp.In(this=node.this.copy(), query=exp.Subquery(this=query.copy()))
    if isinstance(node, exp.Div):
        left = node.this
        if not (isinstance(left, exp.Cast) and left.to.is_type(exp.DataType.Type.DOUBLE)):
            node.set("this", exp.cast(left.copy(), exp.DataType.Type.DOUBLE))
        return node
    return node


@functools.lru_cache(maxsize=4096)
def to_spark(text: str) -> SparkSql:
    """Translate one statement; an :class:`EngineError` if SQLGlot cannot."""
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise EngineError(f"cannot read statement for Spark: {str(exc).splitlines()[0]}") \
            from exc
    tree = tree.transform(_rewrite)
    names = tuple(dict.fromkeys(str(p.this) for p in tree.find_all(exp.Placeholder)
                                if p.this))
    try:
        out = tree.sql(dialect="spark", unsupported_level=sqlglot.ErrorLevel.RAISE)
    except sqlglot.errors.UnsupportedError as exc:
        raise EngineError(f"statement has no Spark translation: {str(exc).splitlines()[0]}") \
            from exc
    return SparkSql(out, names)
