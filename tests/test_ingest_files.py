"""`ingest file` on the real data and on crafted inputs: counts, idempotence, quarantine."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.store import Store, open_store
from tests.clirunner import run_cli
from tests.lineage_data import hub_id


def _counts(st: Store) -> dict[str, int]:
    d = Atlas(st).stats()
    d.pop("runs")
    return d


def test_trending_one_snapshot_per_file_one_observation_per_model(
    store: Store, shared_data: Path
) -> None:
    folder = shared_data / "hf-trending-feature-extraction"
    files = sorted(folder.glob("*.parquet"))
    summary = ingest_files(store, [folder])
    assert not summary.failed
    assert store.scalar("SELECT count(*) FROM snapshots") == len(files)
    # Independent count: distinct (date from file name, id) pairs read with DuckDB directly.
    expected = duckdb.connect().execute(
        "SELECT count(*) FROM (SELECT DISTINCT mined_date, id FROM read_parquet(?))",
        [f"{folder}/*.parquet"],
    ).fetchall()[0][0]
    assert store.scalar("SELECT count(*) FROM observations") == expected
    dup = store.scalar(
        "SELECT count(*) FROM (SELECT snapshot, model_id FROM observations"
        " GROUP BY ALL HAVING count(*) > 1)"
    )
    assert dup == 0
    # Snapshot dates come from mined_date (dd-mm-yyyy).
    one = files[0]
    day, month, year = one.stem.split("_")[-1].split("-")
    n = pq.read_table(one, columns=["id"]).num_rows
    got = store.scalar(
        "SELECT count(*) FROM observations WHERE snapshot = ?", [f"{year}-{month}-{day}"]
    )
    assert got == n
    before = _counts(store)
    ingest_files(store, [folder])
    assert _counts(store) == before


RELS = ("finetune", "adapter", "quantized", "merge")


def _expected_new_models(folder: Path) -> tuple[set[str], set[tuple[str, str, str]],
                                                 dict[str, str | None]]:
    """Ids, edges and licences the hourly lists state, computed in Python, files in
    time order (their names sort by time), the last statement winning."""
    ids: set[str] = set()
    edges: dict[str, set[tuple[str, str, str]]] = {}
    licence: dict[str, str | None] = {}
    for f in sorted(folder.glob("*.csv")):
        with f.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                ids.add(row["model"])
                raw = row["tags"]
                tags = [t.strip() for t in raw.split(";") if t.strip()]
                cut = tags.pop() if raw.rstrip().endswith("…") else None
                specific: dict[str, str] = {}
                plain: list[str] = []
                for t in tags:
                    if t.startswith("base_model:"):
                        rest = t[len("base_model:"):]
                        head, _, tail = rest.partition(":")
                        if tail and head in RELS:
                            specific[hub_id(tail)] = head
                        else:
                            plain.append(hub_id(rest))
                # A cut tag right after a plain base-model tag names that parent's relation
                # when its visible part starts exactly one "<relation>:<parent>".
                if cut and cut.startswith("base_model:") and tags and tags[-1].startswith(
                        "base_model:") and hub_id(tags[-1][len("base_model:"):]) in plain:
                    parent = hub_id(tags[-1][len("base_model:"):])
                    seen = cut[len("base_model:"):].rstrip("…").rstrip(".")
                    fits = [r for r in RELS if f"{r}:{parent}".startswith(seen)]
                    if seen and len(fits) == 1 and parent not in specific:
                        specific[parent] = fits[0]
                lic = [t[len("license:"):] for t in tags if t.startswith("license:")]
                if tags or lic:  # the newest record that says anything sets the licence
                    licence[row["model"]] = lic[0] if lic else None
                if tags or cut:
                    edges[row["model"]] = {(row["model"], p, specific.get(p, "unknown"))
                                           for p in set(plain) | set(specific)}
    return ids, set().union(*edges.values()), licence


def test_new_models_edges_and_licences(store: Store, shared_data: Path) -> None:
    folder = shared_data / "hf-new-models"
    ingest_files(store, [folder])
    ids, want_edges, want_licence = _expected_new_models(folder)
    assert store.scalar("SELECT count(*) FROM models") == len(ids)
    got = set(store.sql("SELECT child, parent, relation FROM edges").fetchall())
    # No edge from a truncated tag: every edge is one a full tag states.
    assert got == want_edges
    assert sum(r == "unknown" for _, _, r in got) < 150  # cut relation tags kept (issue 10)
    lic = dict(store.sql("SELECT id, license_raw FROM models").fetchall())
    assert {k: lic[k] for k in want_licence} == want_licence
    assert sum(v is not None for v in want_licence.values()) > 1000
    before = _counts(store)
    ingest_files(store, [folder])
    assert _counts(store) == before


def test_modelinfo_every_record(store: Store, shared_data: Path) -> None:
    folder = shared_data / "hf-modelinfo"
    n_rows = 0
    for f in folder.glob("*.csv"):
        with f.open(encoding="utf-8", newline="") as fh:
            n_rows += sum(1 for _ in csv.DictReader(fh))
    summary = ingest_files(store, [folder])
    assert summary.quarantined == 0
    assert store.scalar("SELECT count(*) FROM models") == n_rows
    # cardData base_model becomes lineage even when the tags do not say so.
    assert store.scalar(
        "SELECT count(*) FROM edges WHERE parent = 'mistralai/Mistral-Small-24B-Base-2501'"
    ) > 10
    before = _counts(store)
    ingest_files(store, [folder])
    assert _counts(store) == before


def _hub_parquet(path: Path, rows: list[dict[str, object]], snake: bool = False) -> None:
    table = pa.Table.from_pylist(rows)
    if snake:
        table = table.rename_columns(
            [{"createdAt": "created_at", "downloadsAllTime": "downloads_all_time",
              "lastModified": "last_modified"}.get(c, c) for c in table.column_names])
    pq.write_table(table, path)


ROWS = [
    {"id": "Qwen/Qwen3-8B", "author": "Qwen", "createdAt": "2025-04-28T00:00:00Z",
     "downloads": 1000, "downloadsAllTime": 5000, "likes": 10,
     "tags": ["safetensors", "license:apache-2.0", "region:us", "arxiv:2505.09388"],
     "extra_column": "ignored"},
    {"id": "someone/qwen-ft", "author": "someone", "createdAt": "2025-05-01T00:00:00Z",
     "downloads": 5, "downloadsAllTime": 7, "likes": 0,
     "tags": ["gguf", "base_model:Qwen/Qwen3-8B", "base_model:quantized:Qwen/Qwen3-8B",
              "license:apache-2.0", "dataset:foo/bar"], "extra_column": None},
]


@pytest.mark.parametrize("snake", [False, True])
def test_hub_parquet_camel_and_snake_case(store: Store, tmp_path: Path, snake: bool) -> None:
    f = tmp_path / "models-2025-06-01.parquet"
    _hub_parquet(f, ROWS, snake=snake)
    ingest_files(store, [f])
    rows = store.rows("SELECT * FROM models ORDER BY id")
    assert [r["id"] for r in rows] == ["Qwen/Qwen3-8B", "someone/qwen-ft"]
    q = rows[0]
    assert q["license_raw"] == "apache-2.0" and q["arxiv"] == ["2505.09388"]
    assert q["regions"] == ["us"] and q["formats"] == ["safetensors"]
    assert rows[1]["datasets"] == ["foo/bar"] and rows[1]["formats"] == ["gguf"]
    obs = store.rows("SELECT * FROM observations ORDER BY model_id")
    assert obs[0]["downloads_all_time"] == 5000 and str(obs[0]["snapshot"]) == "2025-06-01"
    assert store.rows("SELECT child, parent, relation FROM edges") == [
        {"child": "someone/qwen-ft", "parent": "Qwen/Qwen3-8B", "relation": "quantized"}
    ]


def test_missing_columns_are_tolerated(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "min.parquet"
    pq.write_table(pa.table({"id": ["a/b", "c/d"], "downloads": [1, 2]}), f)
    ingest_files(store, [f], snapshot=__import__("datetime").date(2025, 1, 1))
    assert store.scalar("SELECT count(*) FROM models") == 2


def test_bad_records_are_quarantined_with_reason(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "models.jsonl"
    lines = [
        json.dumps({"id": "ok/model", "downloads": 3, "tags": ["license:mit"]}),
        "{not json",
        json.dumps({"id": "bad id with spaces", "downloads": 1}),
        json.dumps({"id": "neg/count", "downloads": -4}),
        json.dumps({"id": "bad/date", "createdAt": "yesterday"}),
        json.dumps({"downloads": 9}),
        json.dumps({"id": "ok/second", "likes": "many"}),
    ]
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = ingest_files(store, [f], snapshot=__import__("datetime").date(2025, 2, 1))
    assert summary.quarantined == 6
    assert store.scalar("SELECT count(*) FROM models") == 1
    reasons = [r["reason"] for r in store.rows("SELECT reason FROM quarantine ORDER BY qid")]
    assert any("invalid JSON" in r for r in reasons)
    assert any("white space" in r for r in reasons)
    assert any("negative" in r for r in reasons)
    assert any("created_at" in r for r in reasons)
    assert any("missing model id" in r for r in reasons)
    assert any("likes" in r for r in reasons)
    # The raw content is kept.
    assert store.scalar("SELECT count(*) FROM quarantine WHERE record LIKE '%{not json%'") == 1


def test_truncated_parquet_fails_cleanly_and_keeps_earlier_snapshots(
    tmp_path: Path, db_path: Path
) -> None:
    good = tmp_path / "good-2025-01-01.parquet"
    _hub_parquet(good, ROWS)
    assert run_cli("--db", str(db_path), "ingest", "file", str(good)).code == 0
    data = good.read_bytes()
    bad = tmp_path / "bad-2025-02-01.parquet"
    bad.write_bytes(data[: len(data) // 2])
    res = run_cli("--db", str(db_path), "ingest", "file", "--format", "hub-parquet", str(bad))
    assert res.code == 1
    assert res.err.count("\n") == 1 and "bad-2025-02-01.parquet" in res.err
    assert "Traceback" not in res.err
    with open_store(db_path) as st:
        assert st.scalar("SELECT count(*) FROM snapshots") == 1
        assert st.scalar("SELECT count(*) FROM models") == 2
        assert st.scalar("SELECT count(*) FROM quarantine WHERE source LIKE '%bad-2025%'") == 1


def test_cut_csv_row_is_quarantined(store: Store, tmp_path: Path) -> None:
    f = tmp_path / "new-models-2026-01-02T00-00-00Z.csv"
    f.write_text(
        "created_at,model,author,downloads,likes,tags\r\n"
        "2026-01-01T00:00:00Z,a/one,a,1,0,license:mit; base_model:finetune:x/y\r\n"
        "2026-01-01T00:00:00Z,b/two,b,1,0,base_model:quantized:Qwen/Qw…\r\n"
        "2026-01-01T00:00:00Z,c/three,c\r\n",
        encoding="utf-8",
    )
    summary = ingest_files(store, [f])
    assert summary.quarantined == 1
    assert store.rows("SELECT child, parent, relation FROM edges") == [
        {"child": "a/one", "parent": "x/y", "relation": "finetune"}
    ]
    row = store.rows("SELECT tags, truncated_tags FROM models WHERE id = 'b/two'")[0]
    assert row["truncated_tags"] == ["base_model:quantized:Qwen/Qw…"]
    assert str(store.scalar("SELECT max(snapshot) FROM snapshots")) == "2026-01-02"


def test_newer_snapshot_wins_metadata_older_does_not(store: Store, tmp_path: Path) -> None:
    new = tmp_path / "s-2025-03-01.parquet"
    old = tmp_path / "s-2025-01-01.parquet"
    _hub_parquet(new, [dict(ROWS[0], tags=["license:mit"])])
    _hub_parquet(old, [dict(ROWS[0], tags=["license:apache-2.0"])])
    ingest_files(store, [new])
    ingest_files(store, [old])
    row = store.rows("SELECT license_raw, first_seen, last_seen FROM models")[0]
    assert row["license_raw"] == "mit"
    assert str(row["first_seen"]) == "2025-01-01" and str(row["last_seen"]) == "2025-03-01"
    assert store.scalar("SELECT count(*) FROM observations") == 2


def test_unknown_format_and_missing_file_are_one_line_errors(tmp_path: Path,
                                                           db_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01binary")
    res = run_cli("--db", str(db_path), "ingest", "file", str(junk))
    assert res.code == 1 and "cannot detect the format" in res.err
    res = run_cli("--db", str(db_path), "ingest", "file", str(tmp_path / "nope.csv"))
    assert res.code == 1 and "no such file" in res.err and res.err.count("\n") == 1
    res = run_cli("--db", str(db_path), "ingest", "file", "--snapshot", "31/12/2025",
                  str(junk))
    assert res.code == 2 and "--snapshot" in res.err


def test_stats_and_models_json_contract(tmp_path: Path, db_path: Path) -> None:
    f = tmp_path / "m-2025-01-01.parquet"
    _hub_parquet(f, ROWS)
    run_cli("--db", str(db_path), "ingest", "file", str(f))
    res = run_cli("--db", str(db_path), "stats", "--json")
    d = json.loads(res.out)
    for k in ("models", "snapshots", "observations", "edges", "quarantined"):
        assert isinstance(d[k], int)
    assert d["models"] == 2 and d["edges"] == 1
    res = run_cli("--db", str(db_path), "models", "--limit", "0", "--json")
    rows = json.loads(res.out)
    assert len(rows) == 2
    for k in ("id", "org", "created_at", "license", "pipeline_tag", "downloads", "likes",
              "tags"):
        assert k in rows[0]
    assert rows[0]["id"] == "Qwen/Qwen3-8B"
    res = run_cli("--db", str(db_path), "models", "--org", "someone", "--json")
    assert [r["id"] for r in json.loads(res.out)] == ["someone/qwen-ft"]


def test_missing_store_is_a_clear_error(tmp_path: Path) -> None:
    res = run_cli("--db", str(tmp_path / "none.duckdb"), "stats", "--json")
    assert res.code == 1 and "no store" in res.err and res.out == ""


def test_corrupt_file_among_many_loses_nothing_else(store: Store, tmp_path: Path) -> None:
    paths = []
    for day in (1, 2, 3):
        f = tmp_path / f"dump-2025-01-0{day}.parquet"
        _hub_parquet(f, [dict(r, downloads=day) for r in ROWS])
        paths.append(f)
    data = paths[1].read_bytes()
    paths[1].write_bytes(data[:100])
    summary = ingest_files(store, paths, fmt="hub-parquet")
    assert len(summary.failed) == 1 and "dump-2025-01-02" in summary.failed[0]
    snaps = [str(r[0]) for r in store.sql("SELECT snapshot FROM snapshots ORDER BY 1").fetchall()]
    assert snaps == ["2025-01-01", "2025-01-03"]
    assert store.scalar("SELECT count(*) FROM observations") == 4


def test_hub_metadata_wins_over_a_mirror_for_the_same_id(store: Store) -> None:
    import datetime as dt

    from modelatlas.sources.records import Batch, batch_from_rows
    from modelatlas.store.ingest import commit_input

    def one(lic: str, day: int) -> list[Batch]:
        row = {"id": "Qwen/Qwen3-8B", "author": "Qwen", "tags": [f"license:{lic}"],
               "downloads_30d": 5, "snapshot": dt.date(2025, 1, day)}
        return [Batch(batch_from_rows([row]))]

    commit_input(store, one("apache-2.0", 1), run_id="a", source_label="hub")
    commit_input(store, one("other", 2), run_id="b", source_label="ms", hub="modelscope")
    row = store.rows("SELECT source, license_raw FROM models")[0]
    assert row == {"source": "hf", "license_raw": "apache-2.0"}
    assert store.scalar("SELECT count(*) FROM observations") == 2  # both hubs observed
    # A model only ModelScope lists is ModelScope's until the Hub says otherwise.
    commit_input(store, [Batch(batch_from_rows([{"id": "ms/only", "snapshot":
                 dt.date(2025, 1, 2)}]))], run_id="c", source_label="ms", hub="modelscope")
    commit_input(store, one("mit", 3), run_id="d", source_label="hub")
    assert store.rows("SELECT source, license_raw FROM models WHERE id = 'Qwen/Qwen3-8B'")[0] \
        == {"source": "hf", "license_raw": "mit"}
    assert store.scalar("SELECT source FROM models WHERE id = 'ms/only'") == "modelscope"
