"""The persistent intermediate cache beside a store (``<store>.cache``).

A reader of a store file keeps the intermediates it builds (downloads cubes, label
tables) in ``<store>.cache`` stamped with the store's generation: a second reader
of the same store state reuses them instead of rebuilding, a store that changed
empties the file first, and a file that cannot be had falls back to memory with
the same answers.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.queries._engine import CACHE_DB, Reader, cache_path
from modelatlas.queries._registry import Sql, get
from modelatlas.store.db import open_store


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "s.duckdb"
    rows = [{"id": f"org{i % 3}/m{i}", "downloads": 10 * i + 1,
             "createdAt": f"2026-01-0{1 + i % 9}T00:00:00Z",
             "tags": [f"base_model:org0/m{i - 1}"] if i % 4 == 1 and i > 1 else []}
            for i in range(40)]
    with open_store(db) as st:
        ingest_files(st, [_jsonl(tmp_path / "hub-2026-01-31.jsonl", rows)])
    return db


class CountingReader(Reader):
    """A reader that counts the intermediates it actually builds."""

    built: list[str]

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[object, ...]]]:
        if sql.intermediates:
            self._cache()      # attached (and adopted) lazily: not built by this call
        made = set(self.intermediates._made)
        out = super().execute(sql)
        self.built.extend(sorted(self.intermediates._made - made))
        return out


def _share(db: Path) -> tuple[list[str], list[dict[str, object]]]:
    """``share --by org --attribution root`` by a fresh reader of ``db``: the
    intermediates it had to build, and its rows."""
    with Atlas.open(db) as atlas:
        reader = atlas.reader
        counting = CountingReader(reader.store)
        counting.built = []
        q = get("share")
        res = counting.run(q, q.parse({"by": "org", "attribution": "root"}))
        return counting.built, res.records()


def _close(a: list[dict[str, object]], b: list[dict[str, object]]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.keys() == y.keys()
        for k in x:
            if isinstance(x[k], float):
                assert x[k] == pytest.approx(y[k], rel=1e-9), k
            else:
                assert x[k] == y[k], k


def test_second_reader_reuses_what_the_first_built(tmp_path: Path) -> None:
    db = _store(tmp_path)
    built1, rows1 = _share(db)
    assert built1, "the first reader builds the cube"
    assert cache_path(db).exists()
    built2, rows2 = _share(db)
    assert built2 == [], "the second reader of the same store state builds nothing"
    _close(rows1, rows2)


def test_a_changed_store_empties_the_cache(tmp_path: Path) -> None:
    db = _store(tmp_path)
    _, before = _share(db)
    with open_store(db) as st:
        ingest_files(st, [_jsonl(tmp_path / "hub-2026-02-28.jsonl",
                                 [{"id": "neworg/big", "downloads": 10**6,
                                   "createdAt": "2026-02-02T00:00:00Z"}])])
    built, after = _share(db)
    assert built, "a new store state rebuilds its intermediates"
    assert any(r["group"] == "neworg" for r in after)
    assert not any(r["group"] == "neworg" for r in before)


def test_cache_held_elsewhere_or_switched_off_falls_back_to_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = _store(tmp_path)
    _, ref = _share(db)
    holder = duckdb.connect(str(cache_path(db)))     # another process's lock, in effect
    try:
        built, rows = _share(db)
        assert built, "an in-memory cache starts empty"
        _close(ref, rows)
    finally:
        holder.close()
    monkeypatch.setenv("MODELATLAS_QUERY_CACHE", "0")
    cache_path(db).unlink()
    built, rows = _share(db)
    assert built and not cache_path(db).exists()
    _close(ref, rows)


def test_unreadable_cache_file_is_replaced(tmp_path: Path) -> None:
    db = _store(tmp_path)
    cache_path(db).write_bytes(b"not a duckdb file" * 100)
    built, _ = _share(db)
    assert built
    con = duckdb.connect(str(cache_path(db)), read_only=True)
    try:
        names = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert "_ma_meta" in names and any(n.startswith("_ma_cube_") for n in names)
    assert CACHE_DB == "ma_cache"


def test_closing_the_shared_store_interrupts_a_running_statement() -> None:
    """``serve`` stopping (Ctrl-C) must not wait minutes for a view still being built."""
    import threading
    import time

    from modelatlas.web.shared import SharedStore

    shared = SharedStore(None, watch=False)
    outcome: list[str] = []

    def slow() -> None:
        try:
            with shared.reader() as r:
                r.con.execute("SELECT count(*) FROM range(100000000000) a"
                              " WHERE a.range % 7 = 3").fetchall()
            outcome.append("finished")
        except duckdb.Error as exc:
            outcome.append(type(exc).__name__)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(1.0)
    t0 = time.monotonic()
    shared.close()
    t.join(timeout=30)
    assert not t.is_alive() and time.monotonic() - t0 < 10
    assert outcome and outcome[0] != "finished", outcome


def test_a_restarted_server_answers_from_the_cache_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi.testclient import TestClient

    from modelatlas.web import create_app

    db = _store(tmp_path)
    url = "/api/share?by=org&attribution=root"
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        first = c.get(url)
        assert first.status_code == 200
    app.state.shared.close()
    con = duckdb.connect(str(cache_path(db)), read_only=True)
    try:
        kept = con.execute("SELECT count(*) FROM _ma_answers").fetchall()[0][0]
    finally:
        con.close()
    assert kept >= 1

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("a kept answer is not computed again")

    monkeypatch.setattr(Reader, "run", refuse)
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        again = c.get(url)
    assert again.status_code == 200 and again.json() == first.json()
    app.state.shared.close()
    # a store that changed empties the file: the answer is computed, never served stale
    with open_store(db) as st:
        ingest_files(st, [_jsonl(tmp_path / "hub-2026-03-31.jsonl",
                                 [{"id": "late/x", "downloads": 3,
                                   "createdAt": "2026-03-02T00:00:00Z"}])])
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as c, pytest.raises(AssertionError):
        c.get(url)
    app.state.shared.close()
