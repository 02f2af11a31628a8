"""``models --id``: one model, resolved as lineage resolves ids, the same on every door.

The model page reads its row this way instead of loading the organisation's whole
list (3.8 MB of JSON for the largest organisation of a 300k-model store)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from modelatlas.web import create_app
from tests.clirunner import run_cli

ROWS = [
    {"id": "Qwen/Qwen3-8B", "author": "Qwen", "createdAt": "2025-01-05T00:00:00Z",
     "downloads": 900, "likes": 3, "tags": ["license:apache-2.0"]},
    # two spellings of one id (the Hub is case-insensitive, dumps are not)
    {"id": "Org/Model", "author": "Org", "createdAt": "2025-01-06T00:00:00Z",
     "downloads": 5, "likes": 0, "tags": []},
    {"id": "org/model", "author": "org", "createdAt": "2025-01-07T00:00:00Z",
     "downloads": 50, "likes": 0, "tags": []},
    {"id": "someone/ft", "author": "someone", "createdAt": "2025-01-09T00:00:00Z",
     "downloads": 10, "likes": 0, "tags": ["base_model:finetune:Qwen/Qwen3-8B"]},
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "m.duckdb"
    f = tmp_path / "dump-2025-01-31.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), f)
    with open_store(path) as st:
        ingest_files(st, [f])
    return path


@pytest.fixture
def client(db: Path) -> Iterator[TestClient]:
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        yield c
    app.state.shared.close()


def _cli_ids(db: Path, *args: str) -> list[str]:
    res = run_cli("--db", str(db), "models", *args, "--json")
    assert res.code == 0, res.err
    return [r["id"] for r in json.loads(res.out)]


@pytest.mark.parametrize(("asked", "found"), [
    ("Qwen/Qwen3-8B", ["Qwen/Qwen3-8B"]),
    ("QWEN/qwen3-8b", ["Qwen/Qwen3-8B"]),      # any case
    ("org/model", ["org/model"]),              # the exact spelling wins ...
    ("Org/Model", ["Org/Model"]),
    ("ORG/MODEL", ["Org/Model"]),              # ... else the smallest, as lineage picks
    ("nobody/none", []),
])
def test_id_is_resolved_as_lineage_resolves_it(db: Path, asked: str, found: list[str]) -> None:
    assert _cli_ids(db, "--id", asked) == found
    if found:
        res = run_cli("--db", str(db), "lineage", asked, "--json")
        assert json.loads(res.out)["id"] == found[0]


def test_every_door_gives_the_same_row(db: Path, client: TestClient) -> None:
    cli = json.loads(run_cli("--db", str(db), "models", "--id", "someone/FT", "--json").out)
    http = client.get("/api/models", params={"id": "someone/FT"}).json()
    with Atlas.open(db) as atlas:
        py = json.loads(atlas.models(id="someone/FT").to_json(orient="records",
                                                                date_format="iso"))
    assert cli == http
    assert [r["id"] for r in py] == [r["id"] for r in cli] == ["someone/ft"]
    assert cli[0]["downloads"] == 10 and cli[0]["observed"] == "2025-01-31"


def test_id_and_org_combine(db: Path) -> None:
    assert _cli_ids(db, "--org", "someone", "--id", "someone/ft") == ["someone/ft"]
    assert _cli_ids(db, "--org", "Qwen", "--id", "someone/ft") == []


def test_an_overlong_id_is_a_usage_error(db: Path, client: TestClient) -> None:
    res = run_cli("--db", str(db), "models", "--id", "x" * 300, "--json")
    assert res.code == 2 and res.out == ""
    assert client.get("/api/models", params={"id": "x" * 300}).status_code in (400, 422)
