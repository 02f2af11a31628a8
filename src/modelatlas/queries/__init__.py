"""The query registry: every read declared once (see docs/architecture.md).

Adding a query is one declaration in a module of this package (``QUERIES =
(Query(...),)``); the CLI command, ``GET /api/<name>``, the report and the
Spark engine find it here. :class:`modelatlas.Atlas` carries a typed method for
each (a test holds the two equal).
"""

from __future__ import annotations

from modelatlas.queries._engine import Result
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql, all_queries, get

__all__ = ["Args", "Column", "Param", "Query", "Result", "Sql", "all_queries", "get"]
