"""Time kept right: records apply in the order of their own observation time."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from modelatlas import derive
from modelatlas.pipeline import ingest_files, time_in_name
from modelatlas.store import Store, open_store

TABLES = {
    # meta_sig: a change detector of the record last applied, not data
    "models": "SELECT * EXCLUDE (license_id, license_origin, meta_sig) FROM models",
    "observations": "SELECT * FROM observations",
    "latest": "SELECT * FROM latest_observations",
    "edges": "SELECT * FROM edges",
    "history": "SELECT * FROM model_history",
    "creations": "SELECT * FROM model_creations",
    "snapshots": "SELECT source, snapshot, models, simulated, last_at FROM snapshots",
    "events": "SELECT * FROM events",
    "roots": "SELECT * FROM roots",
}


def _dump(st: Store, tables: tuple[str, ...] = tuple(TABLES)) -> dict[str, list[Any]]:
    return {t: sorted(map(repr, st.sql(TABLES[t]).fetchall())) for t in tables}


def test_trending_first_seen_is_first_snapshot(store: Store, shared_data: Path) -> None:
    folder = shared_data / "hf-trending-feature-extraction"
    ingest_files(store, [folder])
    want = dict(duckdb.connect().execute(
        "SELECT id, min(strptime(mined_date, '%d-%m-%Y')::DATE) FROM read_parquet(?)"
        " GROUP BY id", [f"{folder}/*.parquet"]).fetchall())
    got = dict(store.sql("SELECT id, first_seen FROM models").fetchall())
    assert len(got) == 276
    assert got == want
    last = dict(store.sql("SELECT id, last_seen FROM models").fetchall())
    assert all(last[k] >= got[k] for k in got)


def test_trending_parameter_counts_kept(store: Store, shared_data: Path) -> None:
    folder = shared_data / "hf-trending-feature-extraction"
    ingest_files(store, [folder])
    stated = {r[0] for r in duckdb.connect().execute(
        "SELECT DISTINCT id FROM read_parquet(?, union_by_name = true)"
        " WHERE numParameters > 0", [f"{folder}/*.parquet"]).fetchall()}
    assert len(stated) > 50
    have = {r[0] for r in store.sql(
        "SELECT id FROM models WHERE params_total > 0").fetchall()}
    assert have == stated


def test_hourly_lists_in_any_order_give_the_same_store(tmp_path: Path,
                                                       shared_data: Path) -> None:
    files = sorted((shared_data / "hf-new-models").glob("*.csv"))
    dumps = []
    for k, order in enumerate((files, files[::-1], random.Random(5).sample(files, len(files)))):
        with open_store(tmp_path / f"s{k}.duckdb") as st:
            ingest_files(st, order)
            dumps.append(_dump(st))
    assert dumps[0] == dumps[1] == dumps[2]


def test_hourly_lists_one_by_one_in_reverse_equal_one_command(tmp_path: Path,
                                                              shared_data: Path) -> None:
    """Across commands too: the later hour of a day wins, whatever came last."""
    files = sorted((shared_data / "hf-new-models").glob("*.csv"))
    with open_store(tmp_path / "a.duckdb") as a, open_store(tmp_path / "b.duckdb") as b:
        ingest_files(a, files)
        for f in files[::-1]:
            ingest_files(b, [f])
        keep = ("models", "observations", "latest", "edges", "creations")
        assert _dump(a, keep) == _dump(b, keep)


def test_created_at_earliest_and_recreation_events(store: Store, shared_data: Path) -> None:
    folder = shared_data / "hf-new-models"
    ingest_files(store, [folder])
    con = duckdb.connect()
    stated = con.execute("""
        SELECT model, min(t), count(DISTINCT CAST(t AS DATE)) FILTER (WHERE t > first)
        FROM (SELECT model, created_at::TIMESTAMPTZ AS t,
                     min(created_at::TIMESTAMPTZ) OVER (PARTITION BY model) AS first
              FROM read_csv(?, all_varchar = true))
        GROUP BY model""", [f"{folder}/*.csv"]).fetchall()
    earliest = {m: c for m, c, _ in stated}
    got = dict(store.sql("SELECT id, created_at FROM models").fetchall())
    assert got == earliest
    # one 'recreated' event per model and day with a later creation time
    recreated = {m: n for m, _, n in stated if n > 0}
    assert len(recreated) > 100
    ev = dict(store.sql("SELECT model_id, count(*) FROM events WHERE kind = 'recreated'"
                        " GROUP BY 1").fetchall())
    assert ev == recreated


def _hub_file(path: Path, downloads: int, lic: str) -> None:
    pq.write_table(pa.table({
        "id": ["o/m"], "downloads": [downloads], "tags": [[f"license:{lic}"]],
        "createdAt": pa.array([dt.datetime(2025, 1, 1, tzinfo=dt.UTC)],
                              pa.timestamp("ms", "UTC")),
    }), path)


def test_later_hour_of_a_day_wins_whatever_order(tmp_path: Path) -> None:
    early = tmp_path / "dump-2025-06-01T08-00-00Z.parquet"
    late = tmp_path / "dump-2025-06-01T20-30-00Z.parquet"
    _hub_file(early, 5, "mit")
    _hub_file(late, 9, "apache-2.0")
    assert time_in_name(late) == dt.datetime(2025, 6, 1, 20, 30, tzinfo=dt.UTC)
    results = []
    for k, order in enumerate(([early, late], [late, early])):
        for sep in (False, True):
            with open_store(tmp_path / f"{k}{sep}.duckdb") as st:
                if sep:
                    for f in order:
                        ingest_files(st, [f])
                else:
                    ingest_files(st, order)
                results.append((
                    st.scalar("SELECT downloads_30d FROM observations"),
                    st.scalar("SELECT license_raw FROM models"),
                    st.scalar("SELECT downloads_30d FROM latest_observations"),
                    str(st.scalar("SELECT last_at FROM snapshots")),
                ))
    assert set(results) == {(9, "apache-2.0", 9, "2025-06-01 20:30:00+00:00")}


def test_placeholder_creation_date_is_unknown(tmp_path: Path, store: Store) -> None:
    placeholder = dt.datetime(2022, 3, 2, 23, 29, 4, tzinfo=dt.UTC)
    pq.write_table(pa.table({
        "id": ["old/model", "new/model"],
        "createdAt": pa.array([placeholder, dt.datetime(2024, 5, 6, tzinfo=dt.UTC)],
                              pa.timestamp("ms", "UTC")),
        "tags": [["license:mit"], ["license:mit"]],
    }), tmp_path / "d-2025-01-01.parquet")
    (tmp_path / "r.jsonl").write_text(
        '{"id": "old/two", "createdAt": "2022-03-02T23:29:04.000Z"}\n', encoding="utf-8")
    ingest_files(store, [tmp_path / "d-2025-01-01.parquet"])
    ingest_files(store, [tmp_path / "r.jsonl"], snapshot=dt.date(2025, 1, 2))
    rows = {r["id"]: r for r in store.rows("SELECT id, created_at, release_date FROM models")}
    assert rows["old/model"]["created_at"] is None and rows["old/model"]["release_date"] is None
    assert rows["old/two"]["created_at"] is None and rows["old/two"]["release_date"] is None
    assert rows["new/model"]["release_date"] == dt.date(2024, 5, 6)
    derive.refresh(store)
