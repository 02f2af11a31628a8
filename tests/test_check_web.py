"""``/api/check/{org}/{name}``: Hub ids only; every path form is refused with 4xx and no
file content, and nothing on the server's disk is read."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from modelatlas.web import create_app
from tests import check_corpus as cc


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    db = tmp_path / "w.duckdb"
    rows = [{"id": "Qwen/Qwen3-8B", "author": "Qwen", "createdAt": "2025-01-05T00:00:00Z",
             "downloads": 900, "likes": 3, "tags": ["license:apache-2.0"]},
            {"id": "someone/ft", "author": "someone", "createdAt": "2025-01-09T00:00:00Z",
             "downloads": 10, "likes": 0,
             "tags": ["base_model:finetune:Qwen/Qwen3-8B", "license:apache-2.0"]}]
    f = tmp_path / "dump-2025-01-31.parquet"
    pq.write_table(pa.Table.from_pylist(rows), f)
    with open_store(db) as st:
        ingest_files(st, [f])
    # a server folder that looks like a Hub id, with a secret and a hostile pickle in it
    cwd = tmp_path / "cwd"
    secret = cc.folder(cwd, "someone/ft", {"SECRET.txt": b"TOPSECRET",
                                            "model.pkl": cc.call("os", "system", ("id",))},
                       card="---\nlicense: mit\n---\nTOPSECRET card\n")
    assert secret.is_dir()
    monkeypatch.chdir(cwd)
    app = create_app(db)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c
    app.state.shared.close()


def test_hub_id_is_checked_from_the_store_never_from_disk(client: TestClient) -> None:
    r = client.get("/api/check/someone/ft", params={"use": "research"})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"] == "store" and doc["lineage"]["roots"] == ["Qwen/Qwen3-8B"]
    assert "TOPSECRET" not in r.text and "model.pkl" not in r.text


def raw_get(app: object, raw: str) -> tuple[int, str]:
    """One GET through the ASGI app with the raw path untouched."""
    import asyncio
    from urllib.parse import unquote

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": unquote(raw),
             "raw_path": raw.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1")], "server": ("127.0.0.1", 80),
             "client": ("127.0.0.1", 1)}
    out: dict[str, object] = {"status": 0, "body": b""}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(msg: dict[str, object]) -> None:
        if msg["type"] == "http.response.start":
            out["status"] = msg["status"]
        elif msg["type"] == "http.response.body":
            out["body"] = out["body"] + msg.get("body", b"")  # type: ignore[operator]

    asyncio.run(app(scope, receive, send))  # type: ignore[operator]
    return int(out["status"]), bytes(out["body"]).decode("utf-8", "replace")  # type: ignore[call-overload]


@pytest.mark.parametrize("path", [
    "/api/check/..", "/api/check/../..", "/api/check/%2e%2e/%2e%2e", "/api/check/%2E%2E/x",
    "/api/check/~/x", "/api/check/~root/.ssh", "/api/check/usr/lib/python3",
    "/api/check//usr/lib", "/api/check/./x", "/api/check/x/.", "/api/check/a/..%2f..%2fetc",
    "/api/check/a%2fb/c", "/api/check/someone/ft%2f..%2f..", "/api/check/.%2e/.%2e",
    "/api/check/tmp/..", "/api/check/a--b/c", "/api/check/a/b.git", "/api/check/etc/passwd%00",
    "/api/check/C:/Windows", "/api/check/a%5cb/c", "/api/check/" + "x" * 200 + "/y",
])
def test_every_path_form_is_refused(client: TestClient, path: str) -> None:
    """Sent raw, as an attacker would (an HTTP client would remove the dot segments);
    the path is percent-decoded as uvicorn decodes it before routing."""
    status, text = raw_get(client.app, path)  # type: ignore[arg-type]
    assert 400 <= status < 500, (path, status, text)
    assert "TOPSECRET" not in text and "root:" not in text
    assert "model.pkl" not in text and "os.system" not in text


def test_unknown_id_is_404(client: TestClient) -> None:
    r = client.get("/api/check/nobody/nothing")
    assert r.status_code == 404
    assert os.getcwd().endswith("cwd")


def test_check_answers_are_cached_per_store_generation(client: TestClient,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A repeated check is the cached answer (the check ran once), per id, use and
    users; a new store generation drops it, as it drops query answers."""
    import modelatlas.check as check_pkg

    real = check_pkg.check
    runs: list[str] = []

    def counting(model_id: str, **kw: object) -> object:
        runs.append(model_id)
        return real(model_id, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(check_pkg, "check", counting)
    first = client.get("/api/check/someone/ft", params={"use": "research"})
    again = client.get("/api/check/someone/ft", params={"use": "research"})
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and runs == ["someone/ft"]
    assert client.get("/api/check/someone/ft").status_code == 200   # another use: its own
    assert client.get("/api/check/someone/ft", params={"users": 5}).status_code == 200
    assert len(runs) == 3
    shared = client.app.state.shared  # type: ignore[attr-defined]
    shared.generation = "another"     # what a reconnect after a write sets: a new key
    assert client.get("/api/check/someone/ft", params={"use": "research"}).status_code == 200
    assert len(runs) == 4
    # an unknown model is an error, never cached as an answer
    assert client.get("/api/check/nobody/nothing").status_code == 404
    assert client.get("/api/check/nobody/nothing").status_code == 404
    assert runs.count("nobody/nothing") == 2
