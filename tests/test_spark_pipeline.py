"""The whole pipeline on Spark equals DuckDB's: ingest -> derive -> report.

A SIMULATED Hub (a few hundred models, three monthly dumps) goes in twice:
through the DuckDB pipeline (one file after another, derived once at the end)
and through ``--engine spark ingest file`` into a table folder. Every stored
and derived table must hold the same rows, the report written by
``modelatlas --engine spark report`` must hold the same data files as the
DuckDB one, and the CLI's engine options fail in one line.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from modelatlas import derive
from modelatlas.pipeline import ingest_files
from modelatlas.store.db import open_store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.clirunner import run_cli
from tests.sparkfix import local_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

spark = pytest.fixture(scope="module")(local_spark)

#: Columns that record when or by which run a row was written, not what it says, and
#: DuckDB's change signatures (its hash(); a Spark commit rewrites whole tables).
VOLATILE = {"committed_at", "run_id", "started_at", "finished_at", "qid",
            "computed_at", "args", "meta_sig", "lineage_sig"}
#: Tables (and views) both pipelines fill, compared row for row.
TABLES = ("models", "observations", "latest_observations", "model_creations", "edges",
          "snapshots", "snapshot_scope", "model_history", "orgs", "licenses",
          "license_resolutions", "roots", "lineage_issues", "events_history",
          "events_presence", "events_observed", "events", "quarantine")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession
          ) -> Iterator[tuple[Path, Path, Path]]:
    """(DuckDB store, Spark table folder, tmp dir) from the same simulated files."""
    from modelatlas.spark.ingest import ingest_files as spark_ingest

    tmp = tmp_path_factory.mktemp("spark-pipeline")
    files = write_snapshots(SynthConfig(models=400, snapshots=3, seed=11), tmp / "sim")
    _with_changes(sorted(files))
    db = tmp / "atlas.duckdb"
    mp = pytest.MonkeyPatch()
    mp.setenv("MODELATLAS_SKIP_DERIVE", "1")
    with open_store(db) as st:
        for f in files:   # one input after another: the order-independent definition
            ingest_files(st, [f])
        mp.undo()
        derive.refresh(st)
    summary = spark_ingest(spark, str(tmp / "tables"), [str(f) for f in files])
    assert summary.observations > 0 and not summary.failed
    yield db, tmp / "tables", tmp


def _with_changes(files: list[Path]) -> None:
    """Changes the simulator does not make, so every kind of event has rows: the
    second dump lacks 10 models (removed, then reappeared) and gates 5; the third
    changes 5 licences, re-creates 3 repos and moves 2 to another org."""
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    mid, last = files[1], files[2]
    t = pq.read_table(mid)
    rows = t.to_pylist()
    for r in rows[20:25]:
        r["gated"] = "manual"
    pq.write_table(pa.Table.from_pylist(rows[:5] + rows[15:], schema=t.schema), mid)
    t = pq.read_table(last)
    rows = t.to_pylist()
    for r in rows[20:25]:
        r["tags"] = [x for x in (r["tags"] or []) if not x.startswith("license:")] + [
            "license:cc-by-nc-4.0"]
    for r in rows[30:33]:
        r["createdAt"] = dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)
    for r in rows[40:42]:
        r["author"] = "moved-org"
        r["id"] = "moved-org/" + r["id"].split("/", 1)[1]
    pq.write_table(pa.Table.from_pylist(rows, schema=t.schema), last)


def _norm(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 9)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return tuple(_norm(x) for x in v)
    return v


def _duck_rows(db: Path, table: str, cols: list[str]) -> list[tuple[Any, ...]]:
    with open_store(db, read_only=True) as st:
        names = ", ".join(f'"{c}"' for c in cols)
        return sorted((tuple(_norm(v) for v in r) for r in
                       st.con.execute(f"SELECT {names} FROM {table}").fetchall()), key=repr)


def test_every_table_equals_duckdb(spark: SparkSession, built: tuple[Path, Path, Path]
                                   ) -> None:
    from modelatlas.spark import tables as tbl

    db, root, _ = built
    s = spark.newSession()
    frames = tbl.load(s, str(root), tbl.read_manifest(s, str(root)))
    for name, df in frames.items():
        df.createOrReplaceTempView(name)
    tbl.create_views(s)
    differ = []
    for table in TABLES:
        with open_store(db, read_only=True) as st:
            names = [str(r[0]) for r in st.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                " ORDER BY ordinal_position", [table]).fetchall()]
        cols = [c for c in names if c not in VOLATILE]
        if table == "quarantine":   # when, and the JSON spelling, differ by engine
            cols = [c for c in cols if c not in ("record", "at")]
        rows = s.table(table).select(*[f"`{c}`" for c in cols]).toArrow().to_pylist()
        got = sorted((tuple(_norm(d[c]) for c in cols) for d in rows), key=repr)
        want = _duck_rows(db, table, cols)
        if got != want:
            extra = [r for r in got if r not in want][:3]
            missing = [r for r in want if r not in got][:3]
            differ.append(f"{table}: spark has {len(got)} rows, duckdb {len(want)};"
                          f" only spark {extra}; only duckdb {missing}")
    assert not differ, "\n".join(differ)
    kinds = {r[0] for r in s.sql("SELECT DISTINCT kind FROM events").collect()}
    assert {"removed", "reappeared", "gated_added", "license_changed", "recreated",
            "org_renamed"} <= kinds, kinds


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _cell_equal(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


def test_report_on_spark_writes_the_same_tables(built: tuple[Path, Path, Path]) -> None:
    db, root, tmp = built
    duck = run_cli("--db", str(db), "report", "--out", str(tmp / "rep-duck"), "--json")
    assert duck.code == 0, duck.err
    sp = run_cli("--engine", "spark", "--spark-master", "local[2]", "--db", str(root),
                 "report", "--out", str(tmp / "rep-spark"), "--json")
    assert sp.code == 0, sp.err
    names = sorted(p.name for p in (tmp / "rep-duck" / "data").glob("*.csv"))
    assert names == sorted(p.name for p in (tmp / "rep-spark" / "data").glob("*.csv"))
    assert len(names) >= 10
    for name in names:
        a = _csv(tmp / "rep-duck" / "data" / name)
        b = _csv(tmp / "rep-spark" / "data" / name)
        assert len(a) == len(b), name
        for ra, rb in zip(a, b, strict=True):
            assert ra.keys() == rb.keys(), name
            assert all(_cell_equal(ra[k], rb[k]) for k in ra), (name, ra, rb)


def test_export_then_query_on_spark(built: tuple[Path, Path, Path]) -> None:
    db, _, tmp = built
    res = run_cli("--db", str(db), "export", str(tmp / "exported"), "--json")
    assert res.code == 0, res.err
    again = run_cli("--db", str(db), "export", str(tmp / "exported"), "--json")
    assert again.code == 0 and '"commit": 2' in again.out
    duck = run_cli("--db", str(db), "share", "--by", "region", "--json")
    sp = run_cli("--engine", "spark", "--db", str(tmp / "exported"), "share", "--by", "region",
                 "--json")
    assert sp.code == 0, sp.err
    assert duck.out == sp.out or _same_json(duck.out, sp.out)


def _same_json(a: str, b: str) -> bool:
    import json

    from tests.test_registry import _close

    return _close(json.loads(a), json.loads(b))


@pytest.mark.parametrize("argv,needle", [
    (["--engine", "nosuch", "stats"], "--engine must be one of duckdb|spark"),
    (["--engine", "spark", "check", "org/model"], "check reads one model"),
    (["--engine", "spark", "import", "osai", "x"], "writes the DuckDB store"),
    (["--engine", "spark", "export", "x"], "export reads the DuckDB store"),
])
def test_engine_refusals_are_one_line(argv: list[str], needle: str, tmp_path: Path) -> None:
    res = run_cli("--db", str(tmp_path / "none"), *argv)
    assert res.code in (1, 2) and needle in res.err, res
    assert res.err.count("\n") == 1 and "Traceback" not in res.err


def test_missing_java_or_pyspark_is_one_line(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-jre"))
    monkeypatch.delenv("SPARK_REMOTE", raising=False)
    res = run_cli("--engine", "spark", "--db", str(tmp_path), "stats")
    assert res.code == 1 and "needs Java 17 or newer" in res.err, res
    assert res.err.count("\n") == 1
    real = builtins.__import__

    def no_pyspark(name: str, *a: Any, **kw: Any) -> Any:
        if name == "pyspark" or name.startswith("pyspark."):
            raise ImportError(name)
        return real(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)
    res = run_cli("--engine", "spark", "--db", str(tmp_path), "stats")
    assert res.code == 1 and "pip install 'modelatlas[spark]'" in res.err, res
    assert res.err.count("\n") == 1
