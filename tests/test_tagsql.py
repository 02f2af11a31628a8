"""Tag parsing in SQL: parent ids as uploaders write them become the Hub ids they mean."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from modelatlas import pipeline
from modelatlas.spark.translate import to_spark
from modelatlas.store import Store
from modelatlas.store.tagsql import parent_id, parent_ids


@pytest.mark.parametrize("raw,want", [
    ("Qwen/Qwen2.5-7B-Instruct", "Qwen/Qwen2.5-7B-Instruct"),
    ("  Qwen/Qwen2.5-7B-Instruct\t", "Qwen/Qwen2.5-7B-Instruct"),
    ('"Qwen/Qwen2.5-7B-Instruct"', "Qwen/Qwen2.5-7B-Instruct"),
    ("`org/name`", "org/name"),
    ("https://huggingface.co/org/name", "org/name"),
    ("https://huggingface.co/org/name/tree/main", "org/name"),
    ("http://www.huggingface.co/org/name?x=1", "org/name"),
    ("hf.co/org/name/", "org/name"),
    ("/root/.cache/huggingface/hub/models--lerobot--smolvla_base/snapshots/d9f33c94a60f",
     "lerobot/smolvla_base"),
    ("org/name/", "org/name"),
    ("org/name//", "org/name"),
    # not one of the forms: kept as written (another host's URL is no Hub id)
    ("https://example.com/org/name", "https://example.com/org/name"),
    ("GLM-4.6V-Flash-abliterated", "GLM-4.6V-Flash-abliterated"),
    ("   ", ""),
])
def test_parent_id_forms(raw: str, want: str) -> None:
    got = duckdb.connect().execute(f"SELECT {parent_id('v')} FROM (SELECT ?::VARCHAR AS v)",
                                   [raw]).fetchone()
    assert got is not None and got[0] == want
    assert parent_ids([raw]) == ([want] if want else [])  # fast path or SQL: the same


def test_parent_id_translates_to_spark() -> None:
    text = to_spark(f"SELECT {parent_id('v')} AS p FROM t").text
    assert "REGEXP_EXTRACT" in text.upper()


def test_malformed_parents_become_edges_to_the_hub_id_and_the_raw_tag_is_kept(
        tmp_path: Path, store: Store) -> None:
    csv = tmp_path / "new-models-2026-09-24T10-00-00Z.csv"
    csv.write_text(
        "created_at,model,author,downloads,likes,tags\r\n"
        '2026-09-24T09:00:00Z,a/quoted,a,0,0,"base_model:""Qwen/Qwen2.5-7B-Instruct""; '
        'base_model:finetune:""Qwen/Qwen2.5-7B-Instruct""; region:us"\r\n'
        "2026-09-24T09:00:01Z,b/cache,b,0,0,base_model:/root/.cache/huggingface/hub/"
        "models--lerobot--smolvla_base/snapshots/d9f3; region:us\r\n"
        "2026-09-24T09:00:02Z,c/url,c,0,0,base_model:adapter:https://huggingface.co/org/name/;"
        " region:us\r\n", encoding="utf-8")
    pipeline.ingest_files(store, [csv])
    edges = sorted(store.con.execute("SELECT child, parent, relation FROM edges").fetchall())
    assert edges == [("a/quoted", "Qwen/Qwen2.5-7B-Instruct", "finetune"),
                     ("b/cache", "lerobot/smolvla_base", "unknown"),
                     ("c/url", "org/name", "adapter")]
    tags = store.con.execute("SELECT tags FROM models WHERE id = 'b/cache'").fetchone()
    assert tags is not None and any("models--lerobot--smolvla_base" in t for t in tags[0])


def test_parent_ids_reads_a_list_the_same_way_once_each() -> None:
    assert parent_ids(['"a/b"', "a/b", "https://hf.co/c/d/", "  ", "e/f"]) == ["a/b", "c/d", "e/f"]
    assert parent_ids([]) == []
