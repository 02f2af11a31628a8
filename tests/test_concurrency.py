"""Readers and a writer on one store, as DuckDB's one-writer model allows.

- with ``serve`` running, CLI queries read the same store;
- an ingest while ``serve`` runs succeeds (serve lets go when asked) and the
  server shows the new data within a few seconds;
- a reader that never lets go makes the writer fail after the bounded wait,
  with one line naming the holder.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store

PY = sys.executable


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.duckdb"
    with open_store(path) as st:
        ingest_files(st, [_write(tmp_path / "a-2026-01-31.jsonl",
                                 [{"id": "a/one", "downloads": 10}])])
    return path


@pytest.fixture
def server(db: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([PY, "-m", "modelatlas", "--db", str(db), "serve", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(base + "/api/stats", timeout=5).raise_for_status()
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                raise
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _cli(db: Path, *args: str, wait: str = "30") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MODELATLAS_LOCK_WAIT": wait}
    return subprocess.run([PY, "-m", "modelatlas", "--db", str(db), *args],
                          capture_output=True, text=True, env=env, timeout=180, check=False)


def test_cli_reads_while_serve_runs(db: Path, server: str) -> None:
    res = _cli(db, "stats", "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["models"] == 1


def test_ingest_while_serve_runs_and_server_shows_it(db: Path, server: str,
                                                      tmp_path: Path) -> None:
    assert httpx.get(server + "/api/stats").json()["models"] == 1
    new = _write(tmp_path / "b-2026-02-28.jsonl",
                 [{"id": "b/two", "downloads": 5}, {"id": "b/three", "downloads": 7}])
    res = _cli(db, "ingest", "file", str(new), "--json")
    assert res.returncode == 0, res.stderr
    deadline = time.monotonic() + 10
    while True:
        r = httpx.get(server + "/api/stats", timeout=10)
        if r.status_code == 200 and r.json()["models"] == 3:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.2)
    assert not (db.parent / (db.name + ".write-request")).exists()


def test_a_reader_that_never_lets_go_makes_the_writer_fail_with_one_line(
        db: Path, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [PY, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True);"
         " print('ready', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        new = _write(tmp_path / "c-2026-03-31.jsonl", [{"id": "c/x", "downloads": 1}])
        res = _cli(db, "ingest", "file", str(new), wait="1")
        assert res.returncode == 1
        assert res.stderr.count("\n") == 1 and f"PID {holder.pid}" in res.stderr, res.stderr
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # nothing was lost, and the store is writable again
    res = _cli(db, "ingest", "file", str(new), "--json")
    assert res.returncode == 0, res.stderr
    assert json.loads(_cli(db, "stats", "--json").stdout)["models"] == 2
