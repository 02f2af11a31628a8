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
    ("CohereLabs/command-a-translate-08-2025", "cc-by-nc-4.0-c4ai"),
    ("LiquidAI/LFM2.5-1.2B-Instruct", "lfm-open-1.0"), ("LiquidAI/LFM2-1.2B", "lfm-open-1.0"),
    ("Lightricks/LTX-2.3", "ltx-2-community"), ("Lightricks/LTX-2", "ltx-2-community"),
    ("ukisai/Swift-1.5-Qwen3.8-27b", "swift-open-1.0"),
    ("Qwen/Qwen3.8-Flash-Next", "qwen-community-1.0"), ("Qwen/Qwen3.8-27B", "apache-2.0"),
    ("Qwen/Qwen3.6-35B-A3B", "apache-2.0")])
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


def test_a_generic_name_is_not_credited_to_whoever_has_a_broad_pattern() -> None:
    # LeRobot's base policies once matched '.*-base': every Xenova copy of an
    # '-base' model (e5-base, gte-base, wavlm-base) was resolved to 'lerobot/...'.
    got = reuploads.resolve(["Xenova/e5-base", "Xenova/gte-base",
                             "onnx-community/codebert-base-ONNX"])
    assert not any(e.parent.lower().startswith("lerobot/") for e in got)
    assert bases.lookup("lerobot/smolvla_base") is not None


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


@pytest.mark.parametrize("model_id", [
    "Qwen/Qwen3.8-Max", "Qwen/Qwen3.8-Flash-Next-Preview-X", "Lightricks/LTX-2.5",
    "LiquidAI/LFM-40B"])
def test_named_releases_with_other_licences_are_not_swept_into_a_family(model_id: str) -> None:
    """Qwen3.8-Max and Flash-Next are not Apache-2.0, LTX-2.5 moved to another licence,
    LFM 1 was never released under the LFM licence: a family rule must not claim them."""
    found = bases.lookup(model_id)
    assert found is None or found.license_id not in ("apache-2.0", "ltx-2-community",
                                                     "lfm-open-1.0"), found


def _edges_store(store: Store, edges: list[tuple[str, str]],
                 licences: dict[str, str]) -> None:
    ids = sorted({i for e in edges for i in e})
    for mid in ids:
        store.sql("INSERT INTO models (id, org, name, source, first_seen, last_seen,"
                  " meta_snapshot, license_id) VALUES (?, ?, ?, 'hf', DATE '2026-01-01',"
                  " DATE '2026-01-01', DATE '2026-01-01', ?)",
                  [mid, mid.split("/")[0], mid.split("/")[1], licences.get(mid)])
    for child, parent in edges:
        store.sql("INSERT INTO edges VALUES (?, ?, 'finetune', 'tag')", [child, parent])
    for child, parent in edges:  # two-level chains here: the parent's parent is the root
        root = next((p for c, p in edges if c == parent), parent)
        store.sql("INSERT INTO roots (model_id, root_id, depth, weight) VALUES (?, ?, 1, 1.0)",
                  [child, root])
        if root != parent:
            store.sql("INSERT INTO roots (model_id, root_id, depth, weight)"
                      " VALUES (?, ?, 1, 1.0)", [parent, root])


def test_a_root_tells_a_base_licence_only_when_its_terms_bind_derivatives(store: Store) -> None:
    """x/tune-of-llama is bound by Llama 3's terms whatever it declares; y/tune-of-qwen's
    author may have chosen any licence over an Apache-2.0 root: unknown."""
    _edges_store(store, [("a/child1", "x/tune-of-llama"), ("x/tune-of-llama", "r/llama"),
                         ("b/child2", "y/tune-of-qwen"), ("y/tune-of-qwen", "r/qwen"),
                         ("c/child3", "r/qwen")],
                 {"r/llama": "llama3", "r/qwen": "apache-2.0"})
    cov = bases.edge_coverage(store.con)
    assert cov["edges"] == 5 and cov["known"] == 4, cov
    assert cov["unknown_bases"] == [("y/tune-of-qwen", 1)]
    assert cov["by_how"] == {"self:store": 3, "root:store": 1, "unknown": 1}


def test_offline_base_licence_coverage_of_the_new_model_lists(shared_data: Path,
                                                              store: Store) -> None:
    """Share of lineage edges in the hourly new-model lists whose base licence is known
    offline. Issue target 90%: not reached. Measured 83.0% (632 of 761; first 22.7%,
    then 76.1%, 80.1%). The other 129 edges go to 105 bases; every file of
    ../shared/data was searched for them: 8 appear as rows of the lists, all with their
    licence tag cut off, none in the trending snapshots, the model-info tree or ATOM,
    and none has a root whose licence binds derivatives (docs/check.md gives the
    breakdown by reason). Unknown stays unknown: nothing is guessed to reach the
    target."""
    pipeline.ingest_files(store, [shared_data / "hf-new-models"])
    cov = bases.edge_coverage(store.con)
    assert cov["edges"] > 750
    assert cov["share"] >= 0.83, cov
    # where the answers come from: the base's own row or catalog entry, or the
    # original it re-uploads; no base here is known only through a root
    assert cov["by_how"]["reupload:licence-catalog"] + cov["by_how"]["reupload:family"] >= 60
    assert not any(k.startswith("root:") for k in cov["by_how"]), cov["by_how"]
    unknown = dict(cov["unknown_bases"])
    # malformed parent ids are read as the repos they name (normalised at ingest)
    assert not any(b.startswith(('"', "/", "https://")) for b in unknown), unknown
    for base in ("LiquidAI/LFM2.5-VL-3B-DSpark", "Lightricks/LTX-2.3",
                 "ukisai/Swift-1.5-Qwen3.8-27b", "Qwen/Qwen3.8-Flash-Next"):
        assert base not in unknown


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
