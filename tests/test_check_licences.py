"""Licence verdicts on real cases: cut tags, re-uploads, restricted bases, --users, --fail-on."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelatlas import derive, pipeline
from modelatlas.check import check, verdict
from modelatlas.errors import UsageError
from modelatlas.store import Store
from tests.test_check_folder import make_folder


def kinds(report: object) -> set[str]:
    return {c.kind for c in report.conflicts}  # type: ignore[attr-defined]


def test_mit_on_stable_diffusion_15_is_flagged(tmp_path: Path) -> None:
    card = "---\nlicense: mit\nbase_model: stable-diffusion-v1-5/stable-diffusion-v1-5\n---\n"
    r = check(str(make_folder(tmp_path, card)), use="commercial")
    lau = [c for c in r.conflicts if c.kind == "laundering"]
    assert lau and "creativeml-openrail-m" in lau[0].detail
    assert r.verdict.verdict == "conditions"


def test_bare_licence_on_an_nllb_adapter_is_blocked_for_commercial_use(tmp_path: Path) -> None:
    card = ("---\nlicense: other\nbase_model: facebook/nllb-200-distilled-600M\n"
            "base_model_relation: adapter\n---\n")
    r = check(str(make_folder(tmp_path, card)), use="commercial")
    assert "non_commercial_ancestor" in kinds(r)
    assert r.verdict.verdict == "blocked"
    assert any("cc-by-nc-4.0" in x for x in r.verdict.reasons)


def test_apache_on_a_llama3_reupload_from_the_real_lists(shared_data: Path,
                                                          store: Store) -> None:
    """LuffyNox/radamn-ai-v1 (hourly list, Sept 2026): a cut 'license:apach…' tag on a
    fine-tune of unsloth/llama-3-8b-Instruct-bnb-4bit, a re-upload of Meta Llama 3."""
    pipeline.ingest_files(store, [shared_data / "hf-new-models"])
    r = check("LuffyNox/radamn-ai-v1", store=store, use="commercial")
    assert r.license_id == "apache-2.0"
    chain = {n.id: n for n in r.chain.ordered()}
    assert chain["meta-llama/llama-3-8b-Instruct"].license_id == "llama3"
    assert any(e.origin == "reupload-rule" for e in r.chain.edges)
    lau = [c for c in r.conflicts if c.kind == "laundering"]
    assert lau and "llama3" in lau[0].detail
    assert r.verdict.verdict == "conditions"


def test_cut_licence_tag_is_unknown_not_absent(shared_data: Path, store: Store) -> None:
    pipeline.ingest_files(store, [shared_data / "hf-new-models"])
    cut = store.rows("SELECT id FROM models WHERE license_origin = 'cut-unmapped' ORDER BY id")
    assert cut
    for row in cut[:5]:
        r = check(str(row["id"]), store=store, use="research")
        assert "missing_license" not in kinds(r), row
        assert "unknown_license" in kinds(r)
        assert not any("no licence declared" in x for x in r.verdict.reasons)


def test_cut_tag_in_a_live_record() -> None:
    from modelatlas.check.hub import from_record

    s = from_record({"id": "a/b", "tags": ["license:a…", "base_model:facebook/nllb-200-"
                                            "distilled-60…"]}, "hub")
    assert s.license_state == "cut" and s.license_raw is None
    assert s.base_models == ["facebook/nllb-200-distilled-600M"]
    s = from_record({"id": "a/b", "tags": ["license:apac…"]}, "hub")
    assert s.license_raw == "apache-2.0"
    s = from_record({"id": "a/b", "tags": []}, "hub")
    assert s.license_state == "none"


def test_users_filter_the_cap_duty(tmp_path: Path) -> None:
    card = "---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\n---\n"
    d = make_folder(tmp_path, card)
    caps = lambda r: [x for x in r.verdict.duties if x.kind == "user_cap"]  # noqa: E731
    assert caps(check(str(d), use="commercial"))
    assert not caps(check(str(d), use="commercial", users=5_000_000))
    assert not caps(check(str(d), use="research"))
    over = check(str(d), use="commercial", users=800_000_000)
    assert over.verdict.verdict == "blocked"


def test_fail_on_gate() -> None:
    assert verdict.exit_code("blocked", "blocked") == 3
    assert verdict.exit_code("conditions", "blocked") == 0
    assert verdict.exit_code("conditions", "conditions") == 3
    assert verdict.exit_code("blocked", "conditions") == 3
    assert verdict.exit_code("ok", "conditions") == 0
    assert verdict.exit_code("blocked", None) == 0
    with pytest.raises(UsageError):
        verdict.reaches("ok", "ok")


def test_lineage_node_only_id_is_checked(store: Store) -> None:
    from tests.test_check_folder import seed_store

    seed_store(store)
    store.sql("INSERT INTO edges (child, parent, relation, origin) VALUES "
              "('app/chat-ft', 'Qwen/Qwen3-4B', 'merge', 'tag')")
    derive.refresh(store, force=True)
    r = check("qwen/qwen3-4b", store=store, use="commercial")
    assert r.subject.id == "Qwen/Qwen3-4B" and r.subject.provenance == "lineage"
    assert r.license_id == "apache-2.0"
    assert any("lineage node" in n for n in r.notes)


def test_paths_and_ids(tmp_path: Path, store: Store) -> None:
    from modelatlas.errors import InputError, NotFoundError

    for target in ("./doesnotexist", "../x", "/nope/at/all", "~/nothere", "a/b/c"):
        with pytest.raises(InputError, match="no such folder"):
            check(target, store=store)
    for bad in ("a--b/c", "a/b.git", "x", "a/.b"):
        with pytest.raises(UsageError, match="not a Hub model id"):
            check(bad, store=store)
    with pytest.raises(NotFoundError):
        check("nobody/nothing", store=store)


@pytest.mark.parametrize("base,licence", [
    ("Lightricks/LTX-2.3", "ltx-2-community"), ("LiquidAI/LFM2.5-1.2B-Instruct", "lfm-open-1.0"),
    ("ukisai/Swift-1.5-Qwen3.8-27b", "swift-open-1.0")])
def test_mit_on_a_base_under_a_revenue_capped_licence_is_flagged(
        tmp_path: Path, base: str, licence: str) -> None:
    """The bases added for issue 11's coverage gap: their licences bind derivatives and
    cap free commercial use by revenue; an MIT label on a fine-tune hides both."""
    card = f"---\nlicense: mit\nbase_model: {base}\n---\n"
    r = check(str(make_folder(tmp_path, card)), use="commercial")
    chain = {n.id: n for n in r.chain.ordered()}
    assert chain[base].license_id == licence
    lau = [c for c in r.conflicts if c.kind == "laundering"]
    assert lau and licence in lau[0].detail
    assert any(x.kind == "revenue_cap" for x in r.verdict.duties)
    assert r.verdict.verdict == "conditions"


def test_a_base_written_as_a_hub_url_is_read_as_the_repo(tmp_path: Path) -> None:
    """A card's ``base_model`` as a URL (or quoted, or a cache path) names the repo, read
    the way ingest reads it (store/tagsql.parent_id): the NLLB base is still found."""
    card = ("---\nlicense: other\nbase_model: https://huggingface.co/facebook/"
            "nllb-200-distilled-600M/tree/main\n---\n")
    r = check(str(make_folder(tmp_path, card)), use="commercial")
    assert "facebook/nllb-200-distilled-600M" in {n.id for n in r.chain.ordered()}
    assert "non_commercial_ancestor" in kinds(r)
    assert r.verdict.verdict == "blocked"


def test_a_model_listed_without_tags_has_an_unknown_licence_not_none(
        store: Store, tmp_path: Path) -> None:
    # The trending files list models with counters only: no tags, no card.
    from tests.test_metrics_populations import trending

    pipeline.ingest_files(store, [trending(tmp_path, "2025-03-10", [
        ("someone/embedder-x", 7), ("intfloat/multilingual-e5-small", 9)])])
    r = check("someone/embedder-x", store=store, use="commercial")
    assert "missing_license" not in kinds(r) and "unknown_license" in kinds(r)
    assert not any("no licence declared" in x for x in r.verdict.reasons)
    assert any("without tags or a card" in n for n in r.notes)
    # ... and a catalogued base listed that way takes the catalog's licence (sourced)
    known = check("intfloat/multilingual-e5-small", store=store, use="commercial")
    assert known.license_id == "mit" and "missing_license" not in kinds(known)
