"""European Open Source AI Index (2026 layout): import, scores and ranks as the index site."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from modelatlas.errors import InputError
from modelatlas.openness import imports, osai, osai2026, osai_index
from modelatlas.store import Store, open_store

FIX = Path(__file__).parent / "fixtures" / "openness"
SYSTEMS = FIX / "osai2026" / "systems"


def test_fixture_scores_ranks_and_skips() -> None:
    load = osai_index.load(SYSTEMS)
    assert load.edition == "2026"
    assert load.parameters_source and load.parameters_source.endswith("_parameters.yml")
    got = [(s.file, s.score, s.rank, s.tied_rank) for s in load.systems]
    # a: 4.5/5; b (image): trainingcode does not apply, 1.5/4; c and d tie at 0.5 and
    # are ordered by file name descending, as the site compares paths
    assert got == [("a.yaml", 0.9, 1, 1), ("d.yaml", 0.5, 2, 2), ("c.yaml", 0.5, 3, 2),
                   ("b.yaml", 0.375, 4, 4)]
    skipped = dict(load.skipped)
    assert skipped["a_submission_template.yaml"] == "submission template"
    assert skipped["broken.yaml"].startswith("cannot read")


def test_fixture_fields_header_and_flags() -> None:
    by = {s.file: s for s in osai_index.load(SYSTEMS).systems}
    a, b, c, d = by["a.yaml"], by["b.yaml"], by["c.yaml"], by["d.yaml"]
    assert (a.name, a.org, a.types, a.base_model, a.end_model, a.end_model_license,
            a.release_date, a.performance_class) == (
        "Alpha", "Fix Org", ["text"], "a-base", "a-chat", "Apache-2.0", "2025-09", "full")
    assert (a.origin, a.contributor_type) == ("China", "Non-academic (Company)")
    assert a.compute_base == "1e+24 FLOP (fixture)" and a.compute_end == "unknown"
    assert a.param("weights_endmodel").links == ["https://huggingface.co/fix/a-chat/tree/main",
                                                 "https://example.org/w"]
    assert a.group_scores == {"availability": 0.875, "access": 1.0}
    assert b.group_scores == {"availability": 0.25, "access": 0.5}   # over all 4 listed
    assert b.param("datasources_endmodel").cls is None              # not applicable: 0
    assert not b.param("trainingcode").counted
    assert b.release_date == "2024 NOV" and b.origin == "United States"
    assert c.origin is None and c.types == ["text", "code"]
    assert c.score_flag and "several types" in c.score_flag
    assert d.score_flag and "Open" in d.score_flag and d.param("datasources_basemodel").weight == 0
    assert a.score_flag is None


def test_header_reader_stops_at_yaml() -> None:
    text = "# - National origin: France \n#   - Contributor type:  Academic \nsystem:\n" \
           "# - National origin: Spain\n"
    assert osai2026.read_header(text) == {"origin": "France", "contributor_type": "Academic"}


def test_js_order_is_utf16() -> None:
    # JavaScript compares UTF-16 code units: U+FF5E sorts above U+1F600 (a surrogate pair)
    s1 = osai2026.System("\U0001f600.yaml", None, None, [], None, None, None, None, None,
                         None, None, None, None, None)
    s2 = osai2026.System("\uff5e.yaml", None, None, [], None, None, None, None, None,
                         None, None, None, None, None)
    assert [s.file for s in osai2026.rank([s1, s2])] == ["\uff5e.yaml", "\U0001f600.yaml"]


def test_layout_detection_and_errors(tmp_path: Path) -> None:
    assert osai_index.load(FIX / "osai").edition == "2023"
    assert osai_index.load(FIX / "osai2026").edition == "2026"      # parent of systems/
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    (mixed / "p.yaml").write_text((FIX / "osai" / "alpha.yaml").read_text())
    (mixed / "s.yaml").write_text((SYSTEMS / "a.yaml").read_text())
    with pytest.raises(InputError, match="both"):
        osai_index.load(mixed)
    with pytest.raises(InputError, match="no such folder"):
        osai_index.load(tmp_path / "nope")
    big = tmp_path / "big"
    big.mkdir()
    (big / "s.yaml").write_text((SYSTEMS / "a.yaml").read_text())
    (big / "huge.yaml").write_text("#" * (osai2026.MAX_FILE_BYTES + 1))
    load = osai_index.load(big)
    assert load.count == 1 and "larger than" in dict(load.skipped)["huge.yaml"]


def test_built_in_parameters_when_folder_has_none(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text((SYSTEMS / "a.yaml").read_text())
    load = osai_index.load(tmp_path)
    assert load.parameters_source and load.parameters_source.startswith("built-in")
    assert [p.ref for p in load.systems[0].params] == [
        p.ref for p in osai2026.DEFAULT_PARAMETERS]


def _store_with_models(path: Path, ids: list[str]) -> Store:
    st = open_store(path)
    for mid in ids:
        st.exec("INSERT INTO models (id, org, name, source, first_seen, last_seen, meta_snapshot)"
                " VALUES (?, split_part(?, '/', 1), split_part(?, '/', 2), 'hf', DATE '2026-01-01',"
                " DATE '2026-01-01', DATE '2026-01-01')", [mid, mid, mid])
    return st


def test_import_links_and_editions(tmp_path: Path) -> None:
    with _store_with_models(tmp_path / "a.duckdb", ["fix/a-base", "fixorg/c-model"]) as st:
        s = imports.import_osai(st, FIX / "osai2026")
        assert (s["edition"], s["systems"], s["score_flags"], s["origin_known"]) == (
            "2026", 4, 2, 2)
        rows = {r["file"]: r for r in imports.osai_list(st)}
        assert rows["a.yaml"]["hub_id"] == "fix/a-chat"              # stated URL
        assert rows["a.yaml"]["base_hub_id"] == "fix/a-base"         # named, in the store
        assert rows["c.yaml"]["hub_id"] == "fixorg/c-model"          # org namespace + name
        assert rows["b.yaml"]["hub_id"] is None and rows["d.yaml"]["hub_id"] is None
        a = rows["a.yaml"]
        assert a["classes"] == {"weights_endmodel": "open", "datasources_basemodel": "open",
                                "datasources_endmodel": "open", "trainingcode": "partial",
                                "licenses": "open"}
        assert (a["origin"], a["origin_country"], a["origin_region"]) == ("China", "CN", "china")
        assert a["end_model_license_id"] == "apache-2.0" and a["end_model_license_osi"] is True
        assert rows["d.yaml"]["origin_region"] == "unknown"          # Atlantis: not a country
        assert a["score_max"] == 1.0 and a["group_scores"]["access"] == 1.0
        # the 2023 index can sit beside it; readers default to the newest edition
        imports.import_osai(st, FIX / "osai")
        assert {r["edition"] for r in imports.osai_list(st)} == {"2026"}
        assert [r["name"] for r in imports.osai_list(st, "2023")] == ["Gamma", "Beta", "alpha"]
        detail = imports.osai_project(st, "fix/a-base")
        assert detail["file"] == "a.yaml" and len(detail["dimensions"]) == 5
        linked = imports.linked_entries(st, "FIX/A-CHAT")
        assert [(o["name"], o["role"], o["edition"]) for o in linked["osai"]] == [
            ("Alpha", "end", "2026")]
        # re-importing one edition replaces only that edition
        imports.import_osai(st, FIX / "osai2026")
        assert st.scalar("SELECT count(*) FROM osai_projects") == 4 + 3


# ---- the real 2026 index ---------------------------------------------------------------

_VALUES = {"open": 1.0, "partial": 0.5, "closed": 0.0}


def test_real_2026_index_every_class_and_origin(shared_data: Path) -> None:
    folder = shared_data / "osai-2026" / "systems"
    load = osai_index.load(folder)
    files = sorted(p for p in folder.glob("*.yaml"))
    assert len(files) == 194                       # 193 systems + the submission template
    assert len(load.systems) == 193
    assert dict(load.skipped) == {"a_submission_template.yaml": "submission template"}
    params = yaml.safe_load((shared_data / "osai-2026" / "_parameters.yml").read_text())
    refs = [p["ref"] for g in params for p in g["params"]]
    assert len(refs) == 12
    by = {s.file: s for s in load.systems}
    expected = []
    for f in files:
        if f.name == "a_submission_template.yaml":
            continue
        text = f.read_text(encoding="utf-8")
        doc = yaml.safe_load(text)
        s = by[f.name]
        # every class equals its YAML, keyed by the parameter's ref
        assert {p.ref: p.cls for p in s.params} == {
            r: (None if (doc.get(r) or {}).get("class") is None
                else str(doc[r]["class"]).strip()) for r in refs}, f.name
        m = re.search(r"^#\s*-\s*National origin:\s*(.*?)\s*$", text, re.MULTILINE)
        assert s.origin == (m.group(1) if m else None), f.name
        m = re.search(r"^#\s*-\s*Contributor type:\s*(.*?)\s*$", text, re.MULTILINE)
        assert s.contributor_type == (m.group(1) if m else None), f.name
        assert s.name == doc["system"]["name"]
        # the website's rule: mean of the 12 weights (all parameters list all five types)
        score = sum(_VALUES.get((doc.get(r) or {}).get("class"), 0.0) for r in refs) / 12
        assert s.score == score, f.name
        expected.append((f.name, score))
    expected.sort(key=lambda t: t[0].encode("utf-16-be"), reverse=True)
    expected.sort(key=lambda t: t[1], reverse=True)
    assert [(s.file, s.score) for s in load.systems] == expected
    assert [s.rank for s in load.systems] == list(range(1, 194))
    assert sum(1 for s in load.systems if s.origin) == 191
    flagged = {s.file for s in load.systems if s.score_flag}
    assert flagged == {"MobileLLM.yaml", "OpenChat.yaml", "LTX-Video.yaml",
                       "Snowflake Arctic.yaml"}


def test_real_2026_import_and_2023_still_exact(shared_data: Path, store: Store) -> None:
    s = imports.import_osai(store, shared_data / "osai-2026")
    assert s["systems"] == 193 and s["edition"] == "2026"
    rows = imports.osai_list(store)
    assert len(rows) == 193 and all(len(r["classes"]) == 12 for r in rows)
    assert sum(1 for r in rows if r["hub_id"]) >= 170
    assert json.loads(json.dumps(rows, default=str))[0]["rank"] == 1
    # the 2023 index through the same import still reproduces the published table
    s23 = imports.import_osai(store, shared_data / "osai" / "projects")
    assert s23["edition"] == "2023" and s23["projects"] == 46
    ref = osai.load_index(shared_data / "osai" / "projects")
    got = [(r["file"], r["score"], r["rank"]) for r in imports.osai_list(store, "2023")]
    assert got == [(p.file, p.score, p.rank) for p in ref.projects]
    assert len(imports.osai_list(store)) == 193
