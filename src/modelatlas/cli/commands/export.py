"""``modelatlas export DIR``: every store table as Parquet, for Spark (docs/scale.md)."""

from __future__ import annotations

from modelatlas.cli import context
from modelatlas.cli.output import print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import UsageError
from modelatlas.queries import Param


def export(v: Values) -> None:
    """Write the DuckDB store's tables to DIR (observations per snapshot month).

    Exporting into a folder written before adds a commit: a Spark reading it sees
    the old tables or the new ones, never a mix. The folder can then be copied to
    object storage and read with ``--engine spark --db s3a://bucket/DIR``.
    """
    from modelatlas.atlas import bring_up_to_date
    from modelatlas.settings import default_db_path
    from modelatlas.spark.tables import export_store
    from modelatlas.store.db import open_store

    if context.state.engine != "duckdb":
        raise UsageError("export reads the DuckDB store (--db); drop --engine spark")
    db = context.state.db
    if db == ":memory:":
        raise UsageError("export needs a store file (--db PATH)")
    path = default_db_path() if db is None else db
    from pathlib import Path

    p = Path(path).expanduser()
    if p.exists():
        bring_up_to_date(p)  # derived tables current, as every reader sees them
    with open_store(p, read_only=True) as st:
        m = export_store(st, v["dir"])
    rows = {t: e.get("rows") for t, e in sorted(m.tables.items())}
    if v["as_json"]:
        print_json({"dir": str(v["dir"]), "commit": m.commit, "tables": rows})
    else:
        total = sum(int(n or 0) for n in rows.values())
        print(f"exported {len(rows)} tables ({total:,} rows) to {v['dir']} as commit "
              f"{m.commit}; read it with: modelatlas --engine spark --db {v['dir']} report")


COMMANDS = (
    Command(("export",), "Write every store table as Parquet to DIR (observations "
            "partitioned by snapshot month), for Spark or any Parquet reader.",
            (Param("dir", positional=True, required=True, max_length=4096,
                   help="Folder to write (new, empty, or written by export before)."),
             Param("as_json", "bool", default=False, flag="--json",
                   help="Print the commit and row counts as JSON.")),
            export),
)
