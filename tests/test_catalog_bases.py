"""Base-model licence catalog and re-upload resolution (one rule set, Python and SQL)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from modelatlas import pipeline
from modelatlas.catalog import bases, reuploads
from modelatlas.licenses import catalog
from modelatlas.store import Store


def test_every_entry_is_sourced_and_names_a_catalog_licence() -> None:
    ids = catalog()
    rules = bases.rules()
    assert len([r for r in rules if r.kind == "repo"]) >= 70
    for r in rules:
        assert r.license_id in ids and r.source, r
        assert r.kind != "repo" or r.source.startswith("https://"), r


@pytest.mark.parametrize("model_id,licence", [
    ("Qwen/Qwen3.5-4B", "apache-2.0"), ("qwen/qwen3.8-27b", "apache-2.0"),
    ("Qwen/Qwen2.5-3B-Instruct", "qwen-research"), ("meta-llama/Llama-3.2-1B-Instruct", "llama3.2"),
    ("stable-diffusion-v1-5/stable-diffusion-v1-5", "creativeml-openrail-m"),
    ("facebook/nllb-200-distilled-600M", "cc-by-nc-4.0"), ("distilbert/distilbert-base-uncased",
                                                            "apache-2.0"),
    ("CohereLabs/command-a-translate-08-2025", "cc-by-nc-4.0-c4ai")])
def test_lookup(model_id: str, licence: str) -> None:
    found = bases.lookup(model_id)
    assert found is not None and found.license_id == licence


def test_python_and_sql_agree() -> None:
    ids = ["Qwen/Qwen3.5-4B", "Qwen/Qwen2.5-3B-Instruct", "meta-llama/Meta-Llama-3-8B",
           "google/gemma-4-E4B-it", "nvidia/Nemotron-3-Diarization", "someone/else",
           "distilbert/distilgpt2", "openbmb/MiniCPM5-2B", "facebook/nllb-200-3.3B"]
    con = duckdb.connect()
    bases.register(con)
    rows = con.execute(bases.licence_sql("SELECT unnest(?::VARCHAR[]) AS id"), [ids]).fetchall()
    sql = {r[0]: r[1] for r in rows}
    py = {i: hit.license_id for i in ids if (hit := bases.lookup(i)) is not None}
    assert sql == py and "someone/else" not in py


def test_cut_base_ids_complete_only_when_unique() -> None:
    assert bases.complete_cut("facebook/nllb-200-distilled-60…") == (
        "facebook/nllb-200-distilled-600M")
    assert bases.complete_cut("facebook/nllb-200-…") is None  # several
    assert bases.complete_cut("x/…") is None


@pytest.mark.parametrize("child,parent,relation", [
    ("unsloth/Llama-3.2-1B-Instruct", "meta-llama/Llama-3.2-1B-Instruct", "reupload"),
    ("unsloth/llama-3-8b-Instruct-bnb-4bit", "meta-llama/llama-3-8b-Instruct", "quantized"),
    ("bartowski/Qwen_Qwen3-8B-GGUF", "Qwen/Qwen3-8B", "quantized"),
    ("Abu-Dju/CohereLabs.command-a-translate-08-2025-GGUF",
     "CohereLabs/command-a-translate-08-2025", "quantized"),
    ("mlx-community/Qwen3-ForcedAligner-0.6B-8bit", "Qwen/Qwen3-ForcedAligner-0.6B", "quantized"),
    ("someone/Qwen3.5-9B-GGUF", "Qwen/Qwen3.5-9B", "quantized"),
    ("onnx-community/distilbert-base-uncased-ONNX", "distilbert/distilbert-base-uncased",
     "reupload"),
    ("lukey03/Qwen3.5-9B-abliterated", "Qwen/Qwen3.5-9B", "finetune"),
    ("huihui-ai/Huihui-Qwen3.8-27B-abliterated", "Qwen/Qwen3.8-27B", "finetune"),
    ("unsloth/GLM-4.7-Flash-GGUF", "zai-org/GLM-4.7-Flash", "quantized"),
])
def test_reupload_resolution(child: str, parent: str, relation: str) -> None:
    assert reuploads.resolve([child]) == [reuploads.Edge(child, parent, relation)]


def test_no_inference_without_a_reupload_signal() -> None:
    assert reuploads.resolve(["ukisai/Swift-1.5-Qwen3.8-27b", "Qwen/Qwen3-8B",
                              "someone/my-model-GGUF", "unsloth/not-a-known-model"]) == []


def test_edges_sql_runs_set_based_on_a_store(store: Store) -> None:
    for mid in ("unsloth/Qwen3.5-4B", "bartowski/google_gemma-3-4b-it-GGUF", "a/b"):
        store.sql("INSERT INTO models (id, org, name, source, first_seen, last_seen,"
                  " meta_snapshot) VALUES (?, ?, ?, 'hf', DATE '2026-01-01', DATE '2026-01-01',"
                  " DATE '2026-01-01')", [mid, mid.split("/")[0], mid.split("/")[1]])
    reuploads.register(store.con)
    sql, params = reuploads.edges_sql("SELECT id FROM models")
    rows = sorted(store.con.execute(sql, params).fetchall())
    assert rows == [("bartowski/google_gemma-3-4b-it-GGUF", "google/gemma-3-4b-it", "quantized",
                     "reupload-rule"),
                    ("unsloth/Qwen3.5-4B", "Qwen/Qwen3.5-4B", "reupload", "reupload-rule")]


def test_offline_base_licence_coverage_of_the_new_model_lists(shared_data: Path,
                                                              store: Store) -> None:
    """Share of lineage edges in the hourly new-model lists whose base licence is known
    offline. Issue target 90%; measured 80.1% (610 of 762). The other 152 edges go to
    123 bases, almost all community fine-tunes with one to five derivatives each, whose
    licence no stored source states (docs/check.md lists the largest, with why: e.g.
    ukisai's Swift models carry their own "Swift Open License", LiquidAI's LFM licence
    and Lightricks' LTX-2 licence are not in the licence catalog). Unknown stays
    unknown: nothing is guessed to reach the target."""
    pipeline.ingest_files(store, [shared_data / "hf-new-models"])
    cov = bases.edge_coverage(store.con)
    assert cov["edges"] > 700
    assert cov["share"] >= 0.80, cov


def test_atom_tracked_models_base_licence_coverage(shared_data: Path) -> None:
    """Share of the ATOM tracked models (1,772 mainline open models) whose licence the
    base catalog knows offline: measured 69.8%; the rest are research fine-tunes and
    older releases under licences the licence catalog does not carry (MiniCPM's,
    several NVIDIA research licences)."""
    import csv

    with (shared_data / "atom" / "models.csv").open(encoding="utf-8") as fh:
        ids = [r["modelId"] for r in csv.DictReader(fh) if r.get("modelId")]
    assert len(ids) > 1500
    con = duckdb.connect()
    bases.register(con)
    sql = bases.licence_sql("SELECT unnest(?::VARCHAR[]) AS id")
    known = con.execute(f"SELECT count(*) FROM ({sql})", [ids]).fetchone()
    share = int(known[0]) / len(set(ids)) if known else 0.0
    assert share >= 0.69, share
