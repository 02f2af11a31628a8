"""``modelatlas serve`` end to end: its URL and access log on stderr, and a finished
ingest from another process shown by the pages (not only the API) within seconds."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from tests import browser


def _jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_pages_show_an_ingest_from_another_process(tmp_path: Path) -> None:
    db = tmp_path / "live.duckdb"
    with open_store(db) as st:
        ingest_files(st, [_jsonl(tmp_path / "a-2026-01-31.jsonl",
                                 [{"id": "Qwen/first", "downloads": 10}])])
    srv = browser.Server(db, tmp_path / "serve.log").start()
    try:
        page = srv.base + "/orgs?q=neworg"
        before = httpx.get(page, timeout=30)
        assert before.status_code == 200 and "No organisation matches" in before.text
        assert httpx.get(page, timeout=30).text == before.text      # served from the cache
        new = _jsonl(tmp_path / "b-2026-02-28.jsonl",
                     [{"id": "neworg/model-a", "downloads": 5,
                       "createdAt": "2026-02-02T00:00:00Z"},
                      {"id": "neworg/model-b", "downloads": 7,
                       "createdAt": "2026-02-03T00:00:00Z"}])
        env = {**os.environ, "MODELATLAS_LOCK_WAIT": "60"}
        res = subprocess.run([sys.executable, "-m", "modelatlas", "--db", str(db), "ingest",
                              "file", str(new)], capture_output=True, text=True, env=env,
                             timeout=300, check=False)
        assert res.returncode == 0, res.stderr
        deadline = time.monotonic() + 15
        while True:
            r = httpx.get(page, timeout=30)
            if r.status_code == 200 and 'href="/org?name=neworg"' in r.text:
                break
            assert time.monotonic() < deadline, r.text[-500:]
            time.sleep(0.3)
        org = httpx.get(srv.base + "/org?name=neworg", timeout=30)
        assert org.status_code == 200 and "neworg/model-b" in org.text
        assert httpx.get(srv.base + "/api/stats", timeout=30).json()["models"] == 3
    finally:
        srv.stop()
    log = srv.log.read_text().splitlines()
    assert re.match(rf"modelatlas serving .*live\.duckdb at http://127\.0\.0\.1:{srv.port}/",
                    log[0])
    # one line per request: method, path with query, status, time
    assert any(re.fullmatch(r"GET /orgs\?q=neworg 200 \d+\.\dms", line) for line in log)
    assert any(re.fullmatch(r"GET /api/stats 200 \d+\.\dms", line) for line in log)
