"""Migration 0250 carries 2023 OSAI rows imported before it into the two-edition tables."""

from __future__ import annotations

from pathlib import Path

import duckdb

from modelatlas.openness import imports
from modelatlas.store import open_store
from modelatlas.store.db import migrations


def test_2023_rows_survive_the_migration(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY,"
                " name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)")
    for version, name, sql in migrations():
        if version < 250:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, now())", [version, name])
    con.execute("INSERT INTO osai_projects VALUES ('x.yaml', 'X', 7.5, 1, 1, 'https://x.org',"
                " NULL, 'Base', 'RL data', 'MIT', 'Org', NULL, 'o/x', 'project.link', now(),"
                " '/old')")
    con.execute("INSERT INTO osai_dimensions VALUES ('x.yaml', 'opencode', 'availability', 0,"
                " 'open', 1.0, 'https://github.com/o/x', 'notes')")
    con.close()
    with open_store(path) as st:
        rows = imports.osai_list(st)
        assert [(r["edition"], r["name"], r["score"], r["score_max"], r["base_model"],
                 r["rlbase"], r["end_model_license"], r["hub_id"]) for r in rows] == [
            ("2023", "X", 7.5, 14.0, "Base", "RL data", "MIT", "o/x")]
        assert rows[0]["classes"] == {"opencode": "open"}
        d = imports.osai_project(st, "x")["dimensions"][0]
        assert d["links"] == ["https://github.com/o/x"] and d["counted"] is True
        assert st.scalar("SELECT count(*) FROM information_schema.tables"
                         " WHERE table_name LIKE 'osai_%_v2'") == 0
