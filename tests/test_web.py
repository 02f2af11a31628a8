"""The web app in-process against a real store: JSON API contracts, errors, escaping."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from modelatlas.web import create_app

EVIL = "evil/<script>alert(1)</script>"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    db = tmp_path / "w.duckdb"
    rows = [
        {"id": "Qwen/Qwen3-8B", "author": "Qwen", "createdAt": "2025-01-05T00:00:00Z",
         "downloads": 900, "likes": 3, "tags": ["license:apache-2.0"]},
        {"id": "meta-llama/Llama-3.1-8B", "author": "meta-llama",
         "createdAt": "2025-01-06T00:00:00Z", "downloads": 100, "likes": 1,
         "tags": ["license:llama3.1"]},
        {"id": "someone/ft", "author": "someone", "createdAt": "2025-01-09T00:00:00Z",
         "downloads": 10, "likes": 0,
         "tags": ["base_model:finetune:Qwen/Qwen3-8B", "license:apache-2.0"]},
    ]
    f = tmp_path / "dump-2025-01-31.parquet"
    pq.write_table(pa.Table.from_pylist(rows), f)
    evil = tmp_path / "evil-2025-01-31.jsonl"
    evil.write_text(json.dumps({"id": "evil/x", "downloads": 1,
                                "tags": ["<img src=x onerror=alert(1)>"]}) + "\n")
    with open_store(db) as st:
        ingest_files(st, [f, evil])
    app = create_app(db)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c
    app.state.shared.close()


def test_api_contracts(client: TestClient) -> None:
    stats = client.get("/api/stats").json()
    assert stats["models"] == 4 and stats["edges"] == 1
    share = client.get("/api/share", params={"by": "org", "metric": "downloads"}).json()
    assert {"period", "group", "value", "share"} <= set(share[0])
    assert abs(sum(r["share"] for r in share) - 1) < 1e-9
    lin = client.get("/api/lineage/someone/ft").json()
    assert lin["roots"] == ["Qwen/Qwen3-8B"]
    models = client.get("/api/models", params={"limit": 2}).json()
    assert [m["id"] for m in models] == ["Qwen/Qwen3-8B", "meta-llama/Llama-3.1-8B"]


def test_large_answers_are_gzipped_once_for_clients_that_accept_it(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from modelatlas.web import app as web_app

    plain = client.get("/api/orgs", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    monkeypatch.setattr(web_app, "GZIP_MIN_BYTES", 1)
    for _ in range(2):  # made once, then served from the cache
        packed = client.get("/api/orgs", headers={"Accept-Encoding": "br, gzip;q=0.9"})
        assert packed.headers["content-encoding"] == "gzip"
        assert packed.headers["vary"] == "Accept-Encoding"
        assert packed.json() == plain.json()
    raw = client.get("/api/orgs", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.json() == plain.json()
    one = client.get("/api/check/Qwen/Qwen3-8B", headers={"Accept-Encoding": "gzip"})
    assert one.headers["content-encoding"] == "gzip" and one.json()["verdict"]


def test_errors_are_json(client: TestClient) -> None:
    r = client.get("/api/share", params={"by": "nonsense"})
    assert r.status_code == 400 and "error" in r.json()
    r = client.get("/api/models", params={"limit": -1})
    assert r.status_code == 400


def test_dashboard_escapes_untrusted_text(client: TestClient) -> None:
    for url in ("/", "/licences", "/model?id=evil/x", "/org?name=evil"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "<img src=x onerror" not in r.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in r.text or url != "/model?id=evil/x"
        assert "cdn.jsdelivr" not in r.text and "https://cdn" not in r.text


def test_unknown_api_route_is_a_json_error(client: TestClient) -> None:
    r = client.get("/api/lineage/a%0Ab")     # no route matches a newline in a path
    assert r.status_code == 404 and set(r.json()) == {"error"}
    r = client.get("/api/nothing-here")
    assert r.status_code == 404 and "error" in r.json()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_binds_loopback(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    open_store(db).close()
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "modelatlas", "--db", str(db), "serve",
                             "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/stats", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert r.json()["models"] == 0
        out = subprocess.run(["ss", "-ltn"], capture_output=True, text=True, check=False).stdout
        if out:
            assert f"127.0.0.1:{port}" in out and f"0.0.0.0:{port}" not in out
    finally:
        proc.terminate()
        proc.wait(timeout=10)
