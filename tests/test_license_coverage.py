"""Real data: licence normalisation covers >= 99% of the licence values found.

Counts every ``license:`` tag in hf-new-models (complete tags, plus tags the
source cut short, which count as mapped only when they complete unambiguously)
and every tag and cardData licence in hf-modelinfo, read with the project's
own source readers.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from modelatlas import pipeline
from modelatlas.atlas import Atlas
from modelatlas.licenses import complete_truncated, lookup, resolve
from modelatlas.queries.licenses import coverage
from modelatlas.sources import registry
from modelatlas.sources.records import ReadPlan
from modelatlas.store.db import Store


def _records(folder: Path, fmt: str) -> list[dict]:
    out: list[dict] = []
    form = registry.get(fmt)
    for path in sorted(folder.glob("*.csv")):
        for batch in form.read(ReadPlan(str(path), dt.date(2026, 9, 28), 10_000)):
            out.extend(batch.records.to_pylist())
    return out


def test_hub_licence_tags_map_at_least_99_percent(shared_data: Path) -> None:
    found: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    recs = _records(shared_data / "hf-new-models", "tags-csv")
    recs += _records(shared_data / "hf-modelinfo", "modelinfo-csv")
    for r in recs:
        cut = set(r["truncated_tags"] or [])
        for t in r["tags"] or []:
            if not t.startswith("license:"):
                continue
            value = t[len("license:"):]
            ok = complete_truncated(value) if t in cut else lookup(value)
            found[value] += 1
            if ok is None:
                missed[value] += 1
    total = sum(found.values())
    assert total > 1000
    share = 1 - sum(missed.values()) / total
    assert share >= 0.99, f"coverage {share:.4f}; unmapped: {missed.most_common()}"
    # only values the source cut short stay unmapped
    assert all(v.endswith("…") for v in missed), missed


def test_modelinfo_card_licences_map(shared_data: Path) -> None:
    recs = _records(shared_data / "hf-modelinfo", "modelinfo-csv")
    stated = [r for r in recs if r["card_license"] or r["card_license_name"]]
    assert stated
    ids = Counter(resolve(r["card_license"], r["card_license_name"],
                          r["card_license_link"]).how for r in stated)
    assert ids["unmapped"] == 0, ids


def test_store_coverage_and_unmapped_listing(shared_data: Path, store: Store) -> None:
    pipeline.ingest_files(store, [shared_data / "hf-new-models", shared_data / "hf-modelinfo"])
    cov = coverage(Atlas(store).reader)
    assert cov["stated"] > 1000
    assert cov["coverage"] >= 0.99, cov
    rest = Atlas(store).run("licenses", {"unmapped": True}).records()
    assert sum(r["models"] for r in rest) == cov["stated"] - cov["mapped"]
    assert {r["field"] for r in rest} <= {"cut-tag"}


def test_mof_licence_names_map(shared_data: Path) -> None:
    """MOF model files name licences in free text; the licence names among them map."""
    import yaml

    seen: Counter[str] = Counter()

    def walk(o: object) -> None:
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "license" and isinstance(v, str):
                    seen[v] += 1
                walk(v)
        elif isinstance(o, list):
            for v in o:
                walk(v)

    for f in sorted((shared_data / "mof" / "models").glob("*.yml")):
        walk(yaml.safe_load(f.read_text(encoding="utf-8")))
    assert sum(seen.values()) > 1000
    missed = {k: v for k, v in seen.items() if lookup(k) is None}
    assert 1 - sum(missed.values()) / sum(seen.values()) >= 0.95, missed
    for name, lid in (("Meta Llama 3 Community License Agreement", "llama3"),
                      ("Gemma Terms of Use", "gemma"), ("Apache 2.0", "apache-2.0"),
                      ("Llama 3.2 Community License", "llama3.2"),
                      ("Qwen License Agreement", "qwen"),
                      ("DeepSeek License Agreement", "deepseek"),
                      ("NVIDIA Open Model License", "nvidia-open-model"),
                      ("Databricks Open Model License", "databricks-open-model")):
        if name in seen:
            assert lookup(name) == lid, name
