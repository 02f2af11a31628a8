"""Hostile records: each one is quarantined with its reason, the rest of the file is stored."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from modelatlas.pipeline import ingest_files
from modelatlas.store import Store, open_store
from tests.clirunner import run_cli

GOOD = 1000


def _good(i: int) -> bytes:
    return json.dumps({"id": f"org{i % 50}/model-{i}", "downloads": i, "likes": 1,
                       "createdAt": "2025-01-02T03:04:05.000Z",
                       "tags": ["transformers", "license:mit"]}).encode()


def _hostile() -> list[tuple[bytes, str]]:
    """(raw line, a word the quarantine reason must contain)."""
    deep = b'{"id": "a/deep", "cardData": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    big = b'{"id": "a/big", "pipeline_tag": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    return [
        (deep, "nested"),
        (b'{"id": "a/early", "createdAt": "0001-01-01T00:00:00+14:00"}', "range"),
        (b'{"id": "a/late", "createdAt": "9999-12-31T23:59:59Z"}', "range"),
        (b'{"id": "a/huge", "downloads": 99999999999999999999999}', "range"),
        (b'{"id": "a/neg", "likes": -5}', "negative"),
        (b'{"id": "a/frac", "likes": 1.5}', "whole number"),
        (b'{"id": "a/date", "createdAt": "yesterday"}', "created_at"),
        (b'{"id": "a/utf\xff\xfe"}', "UTF-8"),
        (b'{"id": "a/n\\u0000ul"}', "NUL"),
        (b'{"id": "a/nul2", "pipeline_tag": "x\\u0000"}', "NUL"),
        (big, "longer than"),
        (b'{"id": "a b"}', "white space"),
        (b'{"id": "a/b/c"}', "more than one"),
        (b'{"id": ""}', "missing"),
        (b'{"downloads": 3}', "missing"),
        (b"{not json", "invalid JSON"),
        (b'["a", "list"]', "not an object"),
        (b'{"id": "a/tags", "tags": [{"x": 1}]}', "list of text"),
        (b'{"id": "a/alias", "author": {"x": [1, 2]}}', "not text"),
        (b'{"id": "a/inf", "trendingScore": "inf"}', "finite"),
    ]


def _write(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"\n".join(lines) + b"\n")


def test_hostile_json_lines_quarantined_rest_stored(tmp_path: Path, db_path: Path) -> None:
    hostile = _hostile()
    lines = [_good(i) for i in range(GOOD)]
    for k, (raw, _) in enumerate(hostile):  # spread among the good ones
        lines.insert(37 * k + 5, raw)
    f = tmp_path / "models-2025-03-01.jsonl"
    _write(f, lines)
    res = run_cli("--db", str(db_path), "ingest", "file", str(f), "--json")
    assert res.code == 0, res.err
    assert "Traceback" not in res.err
    summary = json.loads(res.out)
    assert summary["quarantined"] == len(hostile) == 20
    with open_store(db_path) as st:
        assert st.scalar("SELECT count(*) FROM models") == GOOD
        rows = st.rows("SELECT location, reason, length(record) AS n FROM quarantine")
        assert len(rows) == len(hostile)
        reasons = " | ".join(r["reason"] for r in rows)
        for _, word in hostile:
            assert word in reasons, (word, reasons)
        assert all(r["location"].startswith("line ") for r in rows)
        assert max(r["n"] for r in rows) < 100_000  # raw content kept, cut to a budget
        assert st.scalar("SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0
        assert st.scalar("SELECT status FROM ingest_runs") == "ok"


def test_hostile_json_array_items(tmp_path: Path, store: Store) -> None:
    items = [json.loads(_good(i)) for i in range(20)]
    body = json.dumps(items[:10])[:-1] + ', {"id": "x/y", "likes": 99999999999999999999999}, ' \
        + json.dumps(items[10:])[1:]
    f = tmp_path / "page.json"
    f.write_text(body, encoding="utf-8")
    summary = ingest_files(store, [f], snapshot=dt.date(2025, 1, 1))
    assert summary.quarantined == 1
    assert store.scalar("SELECT count(*) FROM models") == 20


def test_parquet_bad_timestamp_only_that_row(tmp_path: Path, store: Store) -> None:
    n = 20_000
    created = pa.array([1_700_000_000_000] * n, pa.timestamp("ms", "UTC"))
    raw = created.view(pa.int64()).to_pylist()
    raw[1234] = -62_000_000_000_000  # year 5 BC-ish: out of range
    table = pa.table({
        "id": [f"o/m{i}" for i in range(n)],
        "createdAt": pa.array(raw, pa.int64()).view(pa.timestamp("ms", "UTC")),
        "lastModified": pa.array(["2025-01-01T00:00:00Z"] * (n - 1) + ["not a time"]),
        "downloads": pa.array([1.0] * (n - 2) + [2.5, float("nan")]),
        "tags": [["license:mit"]] * n,
    })
    f = tmp_path / "dump-2025-02-01.parquet"
    pq.write_table(table, f)
    summary = ingest_files(store, [f])
    assert summary.quarantined == 3
    assert store.scalar("SELECT count(*) FROM models") == n - 3
    why = {r["location"]: r["reason"]
           for r in store.rows("SELECT location, reason FROM quarantine")}
    assert "createdAt" in why["row 1235"] and "timestamp" in why["row 1235"]
    assert "lastModified" in why[f"row {n}"] and "whole number" in why[f"row {n}"]
    assert "whole number" in why[f"row {n - 1}"]


def test_hostile_csv_rows(tmp_path: Path, store: Store) -> None:
    head = b"created_at,model,author,downloads,likes,tags\r\n"
    good = [f"2026-01-01T00:00:00Z,o/m{i},o,{i},0,license:mit\r\n".encode() for i in range(300)]
    bad = [
        b"2026-01-01T00:00:00Z,o/bad\xff,o,1,0,x\r\n",
        b"2026-01-01T00:00:00Z,o/n\x00ul,o,1,0,x\r\n",
        b"2026-01-01T00:00:00Z,o/big,o,1,0," + b"y" * (9 * 1024 * 1024) + b"\r\n",
        b"0001-01-01T00:00:00+14:00,o/early,o,1,0,x\r\n",
        b"2026-01-01T00:00:00Z,o/huge,o,99999999999999999999999,0,x\r\n",
    ]
    body = head + b"".join(good[:100]) + b"".join(bad) + b"".join(good[100:])
    f = tmp_path / "new-models-2026-01-02T00-00-00Z.csv.gz"
    f.write_bytes(gzip.compress(body))
    summary = ingest_files(store, [f], fmt="tags-csv")
    assert summary.quarantined == len(bad)
    assert store.scalar("SELECT count(*) FROM models") == 300
    reasons = " | ".join(r[0] for r in store.sql("SELECT reason FROM quarantine").fetchall())
    for word in ("UTF-8", "NUL", "longer than", "range", "range"):
        assert word in reasons


def test_unreadable_file_among_good_ones_exits_zero(tmp_path: Path, db_path: Path) -> None:
    good = tmp_path / "a.jsonl"
    _write(good, [_good(i) for i in range(5)])
    bad = tmp_path / "b.parquet"
    bad.write_bytes(b"PAR1" + b"\x00" * 64)
    res = run_cli("--db", str(db_path), "ingest", "file", "--format", "hub-parquet", str(bad),
                  "--json")
    assert res.code == 1  # nothing could be read
    with open_store(db_path) as st:
        assert st.scalar("SELECT count(*) FROM ingest_runs WHERE status = 'running'") == 0


def test_interrupted_run_is_not_left_running(tmp_path: Path) -> None:
    from modelatlas.store.ingest import new_run

    with open_store(tmp_path / "s.duckdb") as st:
        new_run(st, "ingest file", "x")  # a process killed here leaves it running
    with open_store(tmp_path / "s.duckdb") as st:
        new_run(st, "ingest file", "y")
        assert st.scalar("SELECT status FROM ingest_runs WHERE args = 'x'") == "interrupted"
