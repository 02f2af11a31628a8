"""Table folders: what `export` writes, commits, pruning, refusals (no Spark needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from modelatlas.errors import UsageError
from modelatlas.spark import tables as tbl
from modelatlas.store.db import open_store
from tests.adoption_data import load, obs
from tests.clirunner import run_cli


def _store(tmp: Path) -> Path:
    db = tmp / "atlas.duckdb"
    with open_store(db) as st:
        load(st, tmp, [obs("a/x", "2025-01-31", 100), obs("b/y", "2025-01-31", 300),
                       obs("a/x", "2025-02-28", 50)])
    return db


def test_export_writes_every_table_and_a_manifest(tmp_path: Path) -> None:
    db = _store(tmp_path)
    with open_store(db, read_only=True) as st:
        m = tbl.export_store(st, tmp_path / "out")
        n_models = st.con.execute("SELECT count(*) FROM models").fetchall()[0][0]
    assert set(m.tables) == set(tbl.store_schema())
    assert m.tables["models"]["rows"] == n_models == 2
    obs_parts = m.tables["observations"]["parts"]
    assert sorted(obs_parts) == ["2025-01", "2025-02"]
    files = list((tmp_path / "out" / obs_parts["2025-01"]).glob("*.parquet"))
    got = pq.read_table(files[0])
    assert got.num_rows == 2 and "snapshot_month" not in got.column_names
    line = (tmp_path / "out" / "_commits" / "0000000001" / "part-00000.txt").read_text()
    assert json.loads(line)["commit"] == 1
    assert (tmp_path / "out" / "_commits" / "0000000001" / "_SUCCESS").exists()
    assert tbl.local_manifest(tmp_path / "out") == m


def test_export_again_is_a_new_commit_and_prunes_the_old_one(tmp_path: Path) -> None:
    db = _store(tmp_path)
    with open_store(db, read_only=True) as st:
        tbl.export_store(st, tmp_path / "out")
        tbl.export_store(st, tmp_path / "out")
        m3 = tbl.export_store(st, tmp_path / "out")
    assert m3.commit == 3 and m3.parent == 2
    versions = sorted(p.name for p in (tmp_path / "out" / "models").iterdir())
    assert versions == ["c0000000002", "c0000000003"]   # the previous commit stays readable
    assert sorted(p.name for p in (tmp_path / "out" / "_commits").iterdir()) == [
        "0000000002", "0000000003"]


def test_a_torn_manifest_is_ignored(tmp_path: Path) -> None:
    db = _store(tmp_path)
    with open_store(db, read_only=True) as st:
        m = tbl.export_store(st, tmp_path / "out")
    torn = tmp_path / "out" / "_commits" / "0000000002"
    torn.mkdir()
    (torn / "part-00000.txt").write_text('{"format": "modelatlas-tables", "commi')
    assert tbl.local_manifest(tmp_path / "out") == m


@pytest.mark.parametrize("make", ["file", "foreign"])
def test_export_refuses_a_folder_it_does_not_own(tmp_path: Path, make: str) -> None:
    target = tmp_path / "target"
    if make == "file":
        target.write_text("x")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("mine")
    with pytest.raises(UsageError):
        tbl.prepare_folder(target)
    with pytest.raises(UsageError):
        tbl.prepare_folder("s3a://bucket/atlas")


def test_export_cli(tmp_path: Path) -> None:
    db = _store(tmp_path)
    res = run_cli("--db", str(db), "export", str(tmp_path / "out"), "--json")
    assert res.code == 0, res.err
    doc = json.loads(res.out)
    assert doc["commit"] == 1 and doc["tables"]["models"] == 2
    res = run_cli("--db", str(db), "export", str(tmp_path / "atlas.duckdb"))
    assert res.code == 2 and res.err.startswith("error: ") and res.err.count("\n") == 1


def test_every_store_type_has_a_spark_type() -> None:
    for table in tbl.store_schema():
        assert tbl.ddl(table)


def test_views_are_not_exported_and_every_view_translates() -> None:
    from modelatlas.spark.translate import to_spark

    views = dict(tbl.store_views())
    assert "events" in views and "events" not in tbl.store_schema()
    for name, select in views.items():
        text = to_spark(select).text
        assert "QUALIFY" not in text.upper(), name   # Spark has no QUALIFY
