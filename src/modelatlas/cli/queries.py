"""Every registered query as a CLI command: same options, ``--json``, ``--csv``, a table."""

from __future__ import annotations

from modelatlas.cli import context, views
from modelatlas.cli.output import emit_rows, print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import UsageError
from modelatlas.queries import Param, Query, all_queries

JSON = Param("as_json", "bool", default=False, flag="--json",
             help="One JSON document on stdout, nothing else.")
CSV = Param("as_csv", "bool", default=False, flag="--csv", help="CSV on stdout.")


def _runner(q: Query) -> Command:
    def run(values: Values) -> None:
        if values["as_json"] and values["as_csv"]:
            raise UsageError("--json and --csv are exclusive")
        raw = {p.name: values[p.name] for p in q.params}
        with context.atlas(optional=q.store == "optional") as atlas:
            res = atlas.run(q, raw)
        fmt = "json" if values["as_json"] else "csv" if values["as_csv"] else "table"
        if res.shape == "rows":
            emit_rows(res.records(), res.columns, fmt=fmt, title=q.title_for(res.args),
                      brief=q.brief_for(res.args))
        elif fmt == "json":
            print_json(res.value)
        elif fmt == "csv":
            raise UsageError(f"{q.name} answers one object: use --json")
        else:
            views.show(q.name, res.value, q.title_for(res.args))

    return Command((q.name,), q.help, (*q.params, JSON, CSV), run)


def commands() -> list[Command]:
    return [_runner(q) for q in all_queries()]
