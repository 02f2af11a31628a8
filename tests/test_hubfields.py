"""Hub record fields: baseModels, parameter counts, expand fields, in files and listings."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelatlas.pipeline import ingest_files
from modelatlas.sources import hubfields
from modelatlas.store import Store

SNAP = dt.date(2026, 5, 1)


@pytest.mark.parametrize(("value", "want"), [
    ([{"id": "a/b", "relation": "quantized"}], [{"id": "a/b", "relation": "quantized"}]),
    ({"relation": "finetune", "models": [{"_id": "x", "id": "a/b"}, {"id": "c/d"}]},
     [{"id": "a/b", "relation": "finetune"}, {"id": "c/d", "relation": "finetune"}]),
    (["a/b"], [{"id": "a/b", "relation": None}]),
    ([{"id": "a/b", "relation": "weird"}], [{"id": "a/b", "relation": None}]),
    (None, None),
])
def test_base_models_shapes(value: Any, want: Any) -> None:
    assert hubfields.base_models(value) == want


def test_base_models_rejects_items_without_id() -> None:
    with pytest.raises(ValueError, match="no id"):
        hubfields.base_models([{"relation": "finetune"}])


@pytest.mark.parametrize(("rec", "want"), [
    ({"safetensors": {"parameters": {"BF16": 10, "F32": 5}, "total": 15}}, 15),
    ({"safetensors": {"parameters": {"BF16": 10, "F32": 5}}}, 15),
    ({"gguf": {"total": 7_000_000_000, "architecture": "llama"}}, 7_000_000_000),
    ({"numParameters": 136731648.0}, 136731648),
    ({"safetensors": {"total": 0}, "numParameters": 12}, 12),
    ({"safetensors": None}, None),
])
def test_parameter_counts(rec: dict[str, Any], want: int | None) -> None:
    assert hubfields.params(rec) == want


def test_canonical_expand_fields() -> None:
    row = hubfields.canonical({
        "id": "a/b", "trendingScore": 12.5, "usedStorage": 1234,
        "createdAt": "2024-01-02T03:04:05Z",
        "childrenModelCount": {"finetune": 3, "quantized": 2},
        "baseModels": {"relation": "adapter", "models": [{"id": "p/q"}]},
    })
    assert row["trending_score"] == 12.5 and row["used_storage"] == 1234
    assert row["children_count"] == 5
    assert row["base_models"] == [{"id": "p/q", "relation": "adapter"}]
    assert hubfields.canonical({"id": "a/b", "childrenModelCount": 4})["children_count"] == 4
    with pytest.raises(ValueError, match="out of range"):
        hubfields.canonical({"id": "a/b", "usedStorage": 2**64})


def test_listing_records_become_edges_and_counters(store: Store, tmp_path: Path) -> None:
    """What `ingest hub` receives with its expand fields goes through the same parser."""
    recs = [
        {"id": "org/ft", "tags": ["base_model:org/base", "license:mit"],
         "baseModels": {"relation": "finetune", "models": [{"id": "org/base"}]},
         "safetensors": {"total": 8_000_000_000}, "trendingScore": 3, "usedStorage": 99,
         "childrenModelCount": {"quantized": 4}, "createdAt": "2022-03-02T23:29:04.000Z"},
        {"id": "org/merge", "tags": ["license:mit"],
         "baseModels": [{"id": "org/base", "relation": "merge"}, {"id": "x/y", "relation": None}],
         "cardData": {"base_model": ["z/w"]}},
    ]
    f = tmp_path / "listing.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in recs) + "\n", encoding="utf-8")
    ingest_files(store, [f], snapshot=SNAP)
    edges = {(r["child"], r["parent"]): (r["relation"], r["origin"])
             for r in store.rows("SELECT * FROM edges")}
    assert edges == {
        ("org/ft", "org/base"): ("finetune", "tag"),  # tag parent, relation from baseModels
        ("org/merge", "org/base"): ("merge", "hub"),
        ("org/merge", "x/y"): ("unknown", "hub"),
        ("org/merge", "z/w"): ("unknown", "card"),
    }
    m = store.rows("SELECT * FROM models WHERE id = 'org/ft'")[0]
    assert m["params_total"] == 8_000_000_000 and m["used_storage"] == 99
    assert m["created_at"] is None  # the Hub's placeholder date is unknown
    o = store.rows("SELECT * FROM latest_observations WHERE model_id = 'org/ft'")[0]
    assert o["trending_score"] == 3 and o["children_count"] == 4


def test_dump_parquet_nested_fields(store: Store, tmp_path: Path) -> None:
    st_type = pa.struct([("parameters", pa.map_(pa.string(), pa.int64())), ("total", pa.int64())])
    pq.write_table(pa.table({
        "id": ["a/one", "a/two", "a/three"],
        "safetensors": pa.array([{"parameters": [("BF16", 100)], "total": None},
                                 {"parameters": None, "total": 7}, None], st_type),
        "gguf": pa.array([None, None, {"total": 42}], pa.struct([("total", pa.int64())])),
        "trendingScore": [1.5, None, 2.0],
        "usedStorage": [10, 20, None],
    }), tmp_path / "models-2026-05-01.parquet")
    ingest_files(store, [tmp_path / "models-2026-05-01.parquet"])
    got = dict(store.sql("SELECT id, params_total FROM models").fetchall())
    assert got == {"a/one": 100, "a/two": 7, "a/three": 42}
    assert dict(store.sql("SELECT model_id, trending_score FROM observations").fetchall()) == {
        "a/one": 1.5, "a/two": None, "a/three": 2.0}


def test_weekly_dump_layout(store: Store, tmp_path: Path) -> None:
    """models/<date>/models.parquet: one snapshot per date folder, in date order."""
    root = tmp_path / "models"
    for day, dl in (("2026-01-12", 5), ("2026-01-05", 1), ("2026-01-19", 9)):
        (root / day).mkdir(parents=True)
        pq.write_table(pa.table({"id": ["a/b"], "downloads": [dl], "tags": [["license:mit"]]}),
                       root / day / "models.parquet")
    (root / "notes").mkdir()  # not a date: ignored
    ingest_files(store, [root])
    snaps = [str(r[0]) for r in store.sql("SELECT snapshot FROM snapshots ORDER BY 1").fetchall()]
    assert snaps == ["2026-01-05", "2026-01-12", "2026-01-19"]
    assert store.scalar("SELECT \"full\" FROM snapshot_scope LIMIT 1") is True
    row = store.rows("SELECT first_seen, last_seen FROM models")[0]
    assert (str(row["first_seen"]), str(row["last_seen"])) == ("2026-01-05", "2026-01-19")
    assert store.scalar("SELECT downloads_30d FROM latest_observations") == 9
