"""Families of root repositories: the rules, and Python and SQL agreeing on them."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from modelatlas.catalog import families

CASES = {
    "Qwen/Qwen3-8B": "Qwen",
    "Qwen/QwQ-32B": "Qwen",
    "unsloth/Qwen2.5-7B-Instruct-bnb-4bit": "Qwen",
    "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B": "DeepSeek",
    "meta-llama/Llama-3.1-8B-Instruct": "Llama",
    "unsloth/Llama-3.2-1B-Instruct": "Llama",
    "TinyLlama/TinyLlama-1.1B-Chat-v1.0": "TinyLlama",
    "google/gemma-3-1b-it": "Gemma",
    "google/flan-t5-base": "T5",
    "google-bert/bert-base-uncased": "BERT",
    "bert-base-uncased": "BERT",
    "mistralai/Mistral-7B-v0.3": "Mistral",
    "mistralai/Devstral-Small-2505": "Mistral",
    "microsoft/phi-4": "Phi",
    "microsoft/Phi-3.5-mini-instruct": "Phi",
    "zai-org/GLM-4.5": "GLM",
    "THUDM/chatglm3-6b": "GLM",
    "moonshotai/Kimi-K2-Instruct": "Kimi",
    "MiniMaxAI/MiniMax-M1-80k": "MiniMax",
    "ibm-granite/granite-3.3-8b-instruct": "Granite",
    "allenai/OLMo-2-1124-7B": "OLMo",
    "openai/gpt-oss-20b": "GPT-OSS",
    "openai-community/gpt2": "GPT-2",
    "distilbert/distilbert-base-uncased": "DistilBERT",
    "01-ai/Yi-1.5-9B": "Yi",
    "convaiinnovations/laya-multilingual": None,  # not "aya"
    "someone/mimosa-classifier": None,  # not "MiMo"
    "someone/my-model": None,
}


@pytest.mark.parametrize(("mid", "want"), sorted(CASES.items()))
def test_family_of(mid: str, want: str | None) -> None:
    assert families.family_of(mid) == want


def test_required_families_exist() -> None:
    names = set(families.families())
    assert {"Qwen", "Llama", "Gemma", "DeepSeek", "Mistral", "Phi", "GLM", "Kimi",
            "MiniMax", "Granite", "OLMo"} <= names


def _sql_families(ids: list[str]) -> dict[str, str | None]:
    case, params = families.sql_case("id")
    con = duckdb.connect()
    con.execute("CREATE TABLE t (id VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?)", [(i,) for i in ids])
    out = {r[0]: r[1] for r in con.execute(f"SELECT id, {case} FROM t", params).fetchall()}
    con.close()
    return out


def test_sql_and_python_agree_on_cases() -> None:
    got = _sql_families(list(CASES))
    assert got == {m: families.family_of(m) for m in CASES}


def test_sql_and_python_agree_on_real_ids(shared_data: Path) -> None:
    ids: set[str] = set()
    for name in ("models.csv", "extra_models.csv"):
        with (shared_data / "atom" / name).open(encoding="utf-8") as fh:
            ids |= {row["modelId"] for row in csv.DictReader(fh)}
    got = _sql_families(sorted(ids))
    assert got == {m: families.family_of(m) for m in ids}
    # Most ATOM models are in a catalogued family; the rest are fine-tunes named after
    # themselves (tulu, AReaL, ...) whose family comes from their edges, not their name.
    known = sum(1 for v in got.values() if v)
    assert known / len(got) > 0.8


@pytest.mark.parametrize("model_id,family", [
    # embedding models of the real trending series
    ("Xenova/paraphrase-multilingual-MiniLM-L12-v2", "MiniLM"),
    ("Xenova/multilingual-e5-small", "E5"), ("intfloat/e5-mistral-7b-instruct", "E5"),
    ("Xenova/bge-base-en-v1.5", "BGE"), ("BAAI/bge-m3", "BGE"),
    ("thenlper/gte-small", "GTE"), ("Xenova/all-mpnet-base-v2", "MPNet"),
    ("mixedbread-ai/mxbai-embed-large-v1", "mxbai"), ("WhereIsAI/UAE-Large-V1", "UAE"),
    ("nomic-ai/nomic-embed-text-v1.5", "Nomic Embed"),
    ("corto-ai/nomic-embed-text-v1", "Nomic Embed"),
    ("Snowflake/snowflake-arctic-embed-m", "Arctic Embed"),
    ("jinaai/jina-embeddings-v2-small-en", "Jina Embeddings"),
    ("MongoDB/mdbr-leaf-ir", "LEAF"), ("sentence-transformers/LaBSE", "LaBSE"),
    ("sentence-transformers/distiluse-base-multilingual-cased-v1", "USE"),
    ("onnx-community/Qwen3-Embedding-0.6B-ONNX", "Qwen"),
    # BERT lineages the rules used to miss
    ("microsoft/deberta-v3-base", "DeBERTa"), ("albert/albert-base-v2", "ALBERT"),
    ("almanach/camembert-base", "CamemBERT"), ("vinai/phobert-base", "PhoBERT"),
    ("google/electra-small-discriminator", "ELECTRA"),
    ("Xenova/SapBERT-from-PubMedBERT-fulltext", "BERT"),
    ("jhu-clsp/mmBERT-base", "ModernBERT"), ("colbert-ir/colbertv2.0", "ColBERT"),
    ("facebook/hubert-base-ls960", "HuBERT"),
    # T5 variants
    ("google/umt5-xxl", "T5"), ("VietAI/envit5-base", "T5"), ("Salesforce/codet5p-220m", "T5"),
    ("bigscience/mt0-xl", "T5"), ("google/flan-t5-xl", "T5"),
])
def test_embedding_bert_and_t5_lineages(model_id: str, family: str) -> None:
    assert families.family_of(model_id) == family


def test_no_false_t5_or_bert() -> None:
    assert families.family_of("someone/gpt5-mini") is None
    assert families.family_of("someone/hubert-large") == "HuBERT"   # audio, not BERT


def test_every_rule_family_is_declared_with_a_source() -> None:
    declared = families.declared()
    assert all(r.family in declared for r in families.rules())
    assert all(url.startswith("https://") for url in declared.values())
