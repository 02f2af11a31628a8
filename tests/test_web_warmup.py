"""``serve``'s start-up warm-up and ``GET /api/ready``: the default views are built in
the background once the server accepts requests, their progress is readable, and a
failing view is a note, never a stopped server."""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from modelatlas.web import create_app, warmup
from modelatlas.web.warmup import DEFAULT_VIEWS, WarmUp
from tests import browser

ROWS = [
    {"id": "Qwen/Qwen3-8B", "author": "Qwen", "createdAt": "2025-01-05T00:00:00Z",
     "downloads": 900, "likes": 3, "tags": ["license:apache-2.0"]},
    {"id": "someone/ft", "author": "someone", "createdAt": "2025-01-09T00:00:00Z",
     "downloads": 10, "likes": 0,
     "tags": ["base_model:finetune:Qwen/Qwen3-8B", "license:apache-2.0"]},
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "w.duckdb"
    f = tmp_path / "dump-2025-01-31.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), f)
    with open_store(path) as st:
        ingest_files(st, [f])
    return path


def _ready(base: str, budget: float = 120) -> dict[str, object]:
    deadline = time.monotonic() + budget
    while True:
        doc: dict[str, object] = httpx.get(base + "/api/ready", timeout=30).json()
        if doc["state"] in ("done", "failed", "off"):
            return doc
        assert time.monotonic() < deadline, doc
        time.sleep(0.2)


def test_serve_builds_its_default_views_and_says_when_ready(db: Path, tmp_path: Path) -> None:
    srv = browser.Server(db, tmp_path / "serve.log").start()
    try:
        doc = _ready(srv.base)
        assert doc["ready"] is True and doc["state"] == "done"
        views = doc["views"]
        assert isinstance(views, list)
        urls = [v["url"] for v in views]
        # the navigation's pages, then the most downloaded model's page and its check
        assert urls == [*DEFAULT_VIEWS, "/model?id=Qwen%2FQwen3-8B", "/api/check/Qwen/Qwen3-8B"]
        assert all(v["status"] == 200 and v["error"] is None and v["ms"] > 0 for v in views)
        # a user's first view of a default page is the page the warm-up built (cached)
        page = httpx.get(srv.base + "/orgs", timeout=30)
        assert page.status_code == 200 and "Qwen" in page.text
    finally:
        srv.stop()
    log = srv.log.read_text().splitlines()
    # warm-up requests are logged as such; a user's request is not
    assert any(re.fullmatch(r"warm-up GET /orgs 200 \d+\.\dms", line) for line in log)
    assert any(re.fullmatch(r"GET /orgs 200 \d+\.\dms", line) for line in log)


def test_serve_warms_again_after_an_ingest_from_another_process(db: Path,
                                                                 tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    srv = browser.Server(db, tmp_path / "serve.log").start()
    try:
        assert _ready(srv.base)["ready"] is True
        new = tmp_path / "more-2025-02-28.jsonl"
        new.write_text(json.dumps({"id": "neworg/m", "downloads": 5,
                                   "createdAt": "2025-02-02T00:00:00Z"}) + "\n")
        res = subprocess.run([sys.executable, "-m", "modelatlas", "--db", str(db), "ingest",
                              "file", str(new)], capture_output=True, text=True, timeout=300,
                             env={**os.environ, "MODELATLAS_LOCK_WAIT": "60"}, check=False)
        assert res.returncode == 0, res.stderr
        # nobody asks for a page: the server reopens the store by itself and rebuilds
        deadline = time.monotonic() + 60
        while "building the default views again" not in srv.log.read_text():
            assert time.monotonic() < deadline, srv.log.read_text()[-2000:]
            time.sleep(0.2)
        doc = _ready(srv.base)
        assert doc["ready"] is True
        assert all(v["status"] == 200 for v in doc["views"])  # type: ignore[union-attr]
    finally:
        srv.stop()
    log = srv.log.read_text()
    after = log.split("building the default views again", 1)[1]
    assert re.search(r"warm-up GET /orgs 200 ", after), after[-2000:]


def test_warm_up_can_be_turned_off(db: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_SERVE_WARMUP", "0")
    srv = browser.Server(db, tmp_path / "serve.log").start()
    try:
        doc = httpx.get(srv.base + "/api/ready", timeout=30).json()
        assert doc["state"] == "off" and doc["ready"] is False and doc["seconds"] is None
    finally:
        srv.stop()
    assert "warm-up" not in srv.log.read_text()


def test_in_process_app_runs_no_warm_up(db: Path) -> None:
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        doc = c.get("/api/ready").json()
    app.state.shared.close()
    assert doc["state"] == "off" and doc["ready"] is False
    assert [v["status"] for v in doc["views"]] == [None] * len(DEFAULT_VIEWS)


def test_a_failing_view_is_noted_and_the_rest_still_run(db: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_SERVE_WARMUP", "0")
    srv = browser.Server(db, tmp_path / "serve.log").start()
    try:
        w = WarmUp()

        def more() -> list[str]:
            return ["/model?id=nobody%2Fnone", "/tree?root=Qwen%2FQwen3-8B"]

        w.run("127.0.0.1", srv.port, more)
        doc = w.document()

        def broken() -> list[str]:
            raise RuntimeError("store gone")

        w2 = WarmUp(views=[])
        w2.run("127.0.0.1", srv.port, broken)
        doc2 = w2.document()
    finally:
        srv.stop()
    assert doc["ready"] is True
    views = {v["url"]: v for v in doc["views"]}
    assert views["/model?id=nobody%2Fnone"]["status"] == 404
    assert views["/tree?root=Qwen%2FQwen3-8B"]["status"] == 200
    assert all(views[u]["status"] == 200 for u in DEFAULT_VIEWS)
    # views that cannot even be named are one noted failure; the warm-up still ends
    assert doc2["state"] == "done"
    assert [v["error"] for v in doc2["views"]] == ["RuntimeError: store gone"]


def test_no_listener_is_a_failed_warm_up_not_a_hang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "LISTEN_BUDGET_S", 0.5)
    w = WarmUp()
    t0 = time.monotonic()
    w.run("127.0.0.1", browser.free_port())
    doc = w.document()
    assert time.monotonic() - t0 < 10
    assert doc["state"] == "failed" and doc["ready"] is False
    assert all(v["error"] for v in doc["views"])


def test_wildcard_binds_are_warmed_over_loopback() -> None:
    assert warmup._loopback("0.0.0.0") == "127.0.0.1"
    assert warmup._loopback("::") == "::1"
    assert warmup._loopback("127.0.0.1") == "127.0.0.1"
