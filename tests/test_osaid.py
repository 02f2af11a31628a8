"""OSAID 1.0 verdicts: from MOF components, and best effort from OSAI classes."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelatlas.errors import NotFoundError
from modelatlas.openness import imports, mof, mof_defs, osaid
from modelatlas.store import Store

FIX = Path(__file__).parent / "fixtures" / "openness"


@pytest.fixture(scope="module")
def results() -> dict[str, mof.MofResult]:
    res, _ = mof.evaluate_dir(FIX / "mof" / "models", mof_defs.load_definitions(None))
    return {r.model.file: r for r in res}


def test_full_open_meets_with_osd_conformant_weights(results: dict[str, mof.MofResult]) -> None:
    v = osaid.from_mof(results["full-open.yml"])
    assert (v.verdict, v.weights, v.code, v.data_information) == ("meets", "ok", "ok", "ok")
    # parameters under CDLA-Permissive-2.0: open data terms, but not an OSI-approved licence
    assert v.weights_license == "CDLA-Permissive-2.0" and v.weights_license_osi is False
    assert v.reasons and "supporting libraries" not in " ".join(v.reasons)  # only "if used"


def test_missing_code_fails(results: dict[str, mof.MofResult]) -> None:
    v = osaid.from_mof(results["paper-for-report.yml"])
    assert v.verdict == "does_not_meet" and v.code == "fail"
    assert "data preprocessing code not released" in v.reasons
    assert v.data_information == "ok"          # the research paper (CC-BY-4.0) suffices


def test_unlicensed_and_custom_licences_fail(results: dict[str, mof.MofResult]) -> None:
    v = osaid.from_mof(results["unlicensed.yml"])
    assert v.verdict == "does_not_meet" and v.data_information == "fail"
    assert "model architecture released without a licence" in v.reasons
    v = osaid.from_mof(results["inherit-and-override.yml"])
    assert v.verdict == "does_not_meet" and v.weights == "fail"
    assert ("model parameters (final) under Llama 3.1 Community License, not OSD-conformant"
            in v.reasons)
    assert "training code released without a licence" in v.reasons


def test_osai_best_effort() -> None:
    every: dict[str, str | None] = dict.fromkeys(
        ("weights_endmodel", "trainingcode", "datasources_basemodel", "datasources_endmodel",
         "datasheet", "preprint", "paper", "licenses"), "open")
    v = osaid.from_osai(every, "2026", "Apache-2.0")
    assert v.verdict == "meets" and v.weights_license_osi is True
    assert any("best effort" in r for r in v.reasons)
    gated = {**every, "weights_endmodel": "partial"}
    v = osaid.from_osai(gated, "2026", "Apache-2.0")
    assert v.verdict == "does_not_meet" and v.weights == "fail"
    custom = {**every, "licenses": "partial"}
    v = osaid.from_osai(custom, "2026", "Llama 3.1 Community License Agreement")
    assert v.verdict == "does_not_meet" and v.weights == "fail"
    assert v.code == "unknown"                 # open code, licences not rated open
    v = osaid.from_osai(custom, "2026", "Some Bespoke Licence")
    assert v.verdict == "unknown" and v.weights == "unknown"
    dark = {**every, "datasources_basemodel": "closed", "datasources_endmodel": "closed",
            "datasheet": "closed", "preprint": "closed", "paper": "closed"}
    assert osaid.from_osai(dark, "2026", "MIT").data_information == "fail"
    half = {**dark, "datasheet": "partial"}
    assert osaid.from_osai(half, "2026", "MIT").data_information == "unknown"
    v = osaid.from_osai({"rlweights": "open", "opencode": "closed", "license": "open"},
                        "2023", "MIT")
    assert v.verdict == "does_not_meet" and "training code not released" in v.reasons


def test_store_verdicts_prefer_mof(store: Store) -> None:
    with pytest.raises(NotFoundError, match="import mof"):
        imports.osaid_list(store)
    imports.import_mof(store, FIX / "mof" / "models")
    imports.import_osai(store, FIX / "osai2026")
    rows = imports.osaid_list(store)
    assert [r["basis"] for r in rows].count("mof") == 4
    assert [r["basis"] for r in rows].count("osai") == 4
    assert all(r["verdict"] in osaid.VERDICTS and r["reasons"] for r in rows)
    assert all(r["best_effort"] == (r["basis"] == "osai") for r in rows)
    one = imports.osaid_list(store, "Full Open")
    assert len(one) == 1 and one[0]["verdict"] == "meets" and one[0]["hub_id"] == (
        "fixture/full-open")
    # an index system linked to the same Hub id as a MOF model is not judged twice
    store.exec("UPDATE osaid_verdicts SET hub_id = 'fixture/full-open' WHERE file = 'a.yaml'")
    assert [r["basis"] for r in imports.osaid_list(store)].count("osai") == 3
    linked = imports.linked_entries(store, "fixture/full-open")
    assert [v["basis"] for v in linked["osaid"]] == ["mof"]


def test_every_real_mof_model_has_a_verdict(shared_data: Path, store: Store) -> None:
    s = imports.import_mof(store, shared_data / "mof" / "models")
    rows = [r for r in imports.osaid_list(store) if r["basis"] == "mof"]
    assert len(rows) == s["models"] == 273
    assert all(r["reasons"] for r in rows)
    meets = {r["model"] for r in rows if r["verdict"] == "meets"}
    # the OSI's validation named Pythia, OLMo and Amber as meeting the definition
    assert {"Amber", "OLMo-7B", "Pythia-12B"} <= meets
    s = imports.import_osai(store, shared_data / "osai-2026")
    assert sum(s["osaid"].values()) == 193
