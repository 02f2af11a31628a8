"""The query registry: every read declared once, found automatically.

A :class:`Query` names a read, its typed parameters, its output columns, and
how to compute it: ``sql`` (one portable statement, plus intermediate tables
the engine may materialise and reuse) or ``run`` (a function over a
:class:`~modelatlas.queries._engine.Reader`, for answers that are not one
table, such as a model's lineage). The CLI, the HTTP API, :class:`Atlas`, the
report and the Spark engine all read this registry, so a query declared in one
file under ``modelatlas/queries/`` appears everywhere.

Discovery: every public module of this package (a name not starting with
``_``) that defines ``QUERIES`` is loaded, as sqlglot loads its dialects.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from modelatlas.errors import UsageError
from modelatlas.queries._params import Param, parse_all

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

Args = Mapping[str, Any]
ColumnType = Literal["str", "int", "float", "share", "date", "datetime", "bool", "json"]
Shape = Literal["rows", "object"]


@dataclass(frozen=True)
class Column:
    """One output column: name, type (drives formatting and DataFrame dtypes), meaning."""

    name: str
    type: ColumnType = "str"
    help: str = ""


@dataclass(frozen=True)
class Sql:
    """A statement with bound named parameters (``$name``), and the intermediate
    tables it reads.

    ``intermediates`` are ``(name, Sql)`` pairs the engine computes first, in
    order, under exactly that table name; names are derived from the
    definition (see :func:`table_name`), so an intermediate computed once for a
    store state can be reused by every query that asks for the same one.
    """

    text: str
    params: Mapping[str, Any] = field(default_factory=dict)
    intermediates: tuple[tuple[str, Sql], ...] = ()


@dataclass(frozen=True)
class Query:
    """A registered read.

    ``name`` is the CLI command (``ram-leaders``); the :class:`Atlas` method and
    the Python parameter names are its snake_case form; ``GET /api/<name>``
    serves it. Exactly one of ``sql`` and ``run`` is given. ``columns`` may
    depend on the arguments (views of one query with different tables).
    ``store``: ``required`` (the usual), or ``optional`` for reads that also
    answer from shipped catalogs when no store exists (``orgs``, ``licenses``).
    """

    name: str
    help: str
    params: tuple[Param, ...] = ()
    columns: tuple[Column, ...] | Callable[[Args], tuple[Column, ...]] = ()
    sql: Callable[[Args], Sql] | None = None
    run: Callable[[Reader, Args], Any] | None = None
    shape: Shape | Callable[[Args], Shape] = "rows"
    needs: tuple[str, ...] = ()
    title: Callable[[Args], str] | None = None
    store: Literal["required", "optional"] = "required"
    validate: Callable[[Args], None] | None = None
    #: Columns a terminal table shows (all when empty); --json/--csv carry every column.
    brief: tuple[str, ...] | Callable[[Args], tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        if (self.sql is None) == (self.run is None):
            raise TypeError(f"query {self.name}: give exactly one of sql= and run=")

    @property
    def method(self) -> str:
        """The :class:`Atlas` method name (and Python-side query name)."""
        return self.name.replace("-", "_")

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def positional(self) -> Param | None:
        """The positional parameter (the last path segment on the web), if any."""
        return next((p for p in self.params if p.positional), None)

    def parse(self, raw: Mapping[str, Any], *, web: bool = False) -> dict[str, Any]:
        """Typed arguments from raw values (CLI strings, HTTP values or Python)."""
        args = parse_all(self.params, raw, web=web)
        if self.validate is not None:
            self.validate(args)
        return args

    def shape_for(self, args: Args) -> Shape:
        return self.shape(args) if callable(self.shape) else self.shape

    def columns_for(self, args: Args) -> tuple[Column, ...]:
        return self.columns(args) if callable(self.columns) else self.columns

    def brief_for(self, args: Args) -> tuple[str, ...]:
        return self.brief(args) if callable(self.brief) else self.brief

    def title_for(self, args: Args) -> str:
        return self.title(args) if self.title is not None else self.help.rstrip(".")

    def describe(self) -> dict[str, Any]:
        """JSON description for ``GET /api/queries`` and the docs."""
        cols = self.columns if not callable(self.columns) else ()
        return {
            "name": self.name, "method": self.method, "help": self.help,
            "path": f"/api/{self.name}"
                    + (f"/{{{p.name}}}" if (p := self.positional()) is not None else ""),
            "params": [p.describe() for p in self.params if p.web],
            "columns": [{"name": c.name, "type": c.type, "help": c.help} for c in cols],
            "needs": list(self.needs),
        }


_REGISTRY: dict[str, Query] = {}


def _load() -> dict[str, Query]:
    if _REGISTRY:
        return _REGISTRY
    import modelatlas.queries as pkg

    found: dict[str, Query] = {}
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{pkg.__name__}.{info.name}")
        for q in getattr(module, "QUERIES", ()):
            if q.name in found:
                raise TypeError(f"query {q.name} declared twice")
            found[q.name] = q
    _REGISTRY.update(found)
    return _REGISTRY


def all_queries() -> list[Query]:
    """Every registered query, by name."""
    return [q for _, q in sorted(_load().items())]


def get(name: str) -> Query:
    """The query called ``name`` (CLI spelling or snake_case), or a UsageError."""
    reg = _load()
    q = reg.get(name) or reg.get(name.replace("_", "-"))
    if q is None:
        raise UsageError(f"no query named {name[:60]!r}")
    return q
