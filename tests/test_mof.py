"""MOF class and progress: fixtures for each rule, the MOF tool's own published
expectations, and an independent re-derivation over every real model file."""

from __future__ import annotations

import collections
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from modelatlas.errors import InputError
from modelatlas.openness import mof, mof_defs

FIX = Path(__file__).parent / "fixtures" / "openness" / "mof"


@pytest.fixture(scope="module")
def pkg_defs() -> mof_defs.Definitions:
    return mof_defs.load_definitions(None)


def _eval(path: Path, defs: mof_defs.Definitions) -> mof.MofResult:
    return mof.evaluate(mof.parse_model(path), defs)


def _write(tmp: Path, release: dict[str, Any], name: str = "m.yml") -> Path:
    p = tmp / name
    p.write_text(yaml.safe_dump({"release": release}), encoding="utf-8")
    return p


def test_package_definitions_have_17_components(pkg_defs: mof_defs.Definitions) -> None:
    assert len(pkg_defs.components) == 17
    assert len({c.id for c in pkg_defs.components}) == 17
    assert pkg_defs.required(3) == [9, 10, 12, 13, 14, 11]
    assert pkg_defs.required(2) == [7, 8, 18, 19]
    assert pkg_defs.required(1) == [15, 16, 24, 21]
    assert pkg_defs.optional(3) == [20] and pkg_defs.optional(2) == [22]
    assert pkg_defs.optional(1) == [17]
    assert pkg_defs.is_open("Apache-2.0") and pkg_defs.is_open("Apache-1.0")  # FSF libre
    assert pkg_defs.is_open("CDLA-Permissive-2.0") and pkg_defs.is_open("OpenMDW-1.0")
    assert not pkg_defs.is_open("apache-2.0") and not pkg_defs.is_open("CC-BY-NC-4.0")
    assert pkg_defs.is_type_appropriate("CC0-1.0", "document")
    assert not pkg_defs.is_type_appropriate("CC0-1.0", "data")  # later entry replaced it


def test_full_open_is_class_one(pkg_defs: mof_defs.Definitions) -> None:
    r = _eval(FIX / "models" / "full-open.yml", pkg_defs)
    assert r.label == "Class I"
    assert r.progress == {"1": 100.0, "2": 100.0, "3": 100.0}
    d = r.as_dict()
    assert d["missing"] == [] and d["invalid"] == [] and d["unlicensed"] == []
    assert d["not_type_appropriate"] == []


def test_research_paper_stands_in_for_technical_report(pkg_defs: mof_defs.Definitions) -> None:
    r = _eval(FIX / "models" / "paper-for-report.yml", pkg_defs)
    assert r.report_substituted
    assert r.progress["3"] == 100.0 and r.progress["2"] == 100.0
    # class I: 10 met of 14 required, one fewer because the paper replaces the report
    assert r.progress["1"] == pytest.approx(10 / 13 * 100)
    assert r.label == "Class II"
    d = r.as_dict()
    assert "Technical report" not in d["missing"]
    assert d["invalid"] == ["Datasets"]
    assert d["nonstandard_licenses"] == {"Datasets": "Undisclosed"}
    assert set(d["missing"]) == {"Data preprocessing code", "Model parameters (Intermediate)"}
    # open but not type-appropriate: a document licence on data, CC0 (a document licence in MOF)
    assert set(d["not_type_appropriate"]) == {"Model parameters (Final)", "Evaluation data"}


def test_global_vs_component_licences(pkg_defs: mof_defs.Definitions) -> None:
    r = _eval(FIX / "models" / "inherit-and-override.yml", pkg_defs)
    lic = r.as_dict()["licenses"]
    assert lic["Model architecture"] == "MIT"              # component licence wins
    assert lic["Training code"] == "unlicensed"            # null key inherits code: unlicensed
    assert lic["Inference code"] == "unlicensed"           # '' means unlicensed
    assert lic["Evaluation code"] == "unlicensed"
    assert lic["Model card"] == "Apache-2.0"               # empty document name -> distribution
    assert lic["Data card"] == "CC-BY-4.0"                 # later duplicate wins
    d = r.as_dict()
    assert d["met"] == ["Model architecture", "Model card", "Data card"]
    assert d["unlicensed"] == ["Training code", "Inference code", "Evaluation code"]
    assert d["invalid"] == ["Model parameters (Final)", "Evaluation results"]
    assert d["nonstandard_licenses"] == {
        "Model parameters (Final)": "Llama 3.1 Community License",
        "Evaluation results": "apache-2.0",                # ids are case-sensitive
    }
    assert d["unknown_components"] == ["Not A Component"]
    assert d["missing"][0] == "Technical report"
    assert r.progress == {"1": 0.0, "2": 0.0, "3": 50.0}
    assert r.label == "Unclassified"


def test_unlicensed_components_do_not_count(pkg_defs: mof_defs.Definitions) -> None:
    r = _eval(FIX / "models" / "unlicensed.yml", pkg_defs)
    assert r.progress == {"1": 0.0, "2": 0.0, "3": 0.0}
    assert r.as_dict()["unlicensed"] == [
        "Model architecture", "Model parameters (Final)", "Technical report"]


def test_walk_stops_when_a_higher_class_is_not_met(
    tmp_path: Path, pkg_defs: mof_defs.Definitions
) -> None:
    # all class II and I components open, but class III misses one: II and I are 0
    names = [c.name for c in pkg_defs.components if c.id != 12]
    p = _write(tmp_path, {"name": "x", "license": {"distribution": {"name": "MIT"}},
                          "components": [{"name": n} for n in names]})
    r = _eval(p, pkg_defs)
    assert r.progress == {"1": 0.0, "2": 0.0, "3": pytest.approx(500 / 6)}


def test_tool_position_quirk(tmp_path: Path, pkg_defs: mof_defs.Definitions) -> None:
    """The tool's array_search test: a technical report met first in class III reads
    as not met, so the research paper is counted as well (BLOOM in the real data)."""
    p = _write(tmp_path, {"name": "q", "license": {"distribution": {"name": "Proprietary"}},
                          "components": [{"name": "Model architecture"},
                                         {"name": "Technical report", "license": "CC-BY-4.0"},
                                         {"name": "Research paper", "license": "CC-BY-4.0"}]})
    r = _eval(p, pkg_defs)
    assert r.index_quirk and r.report_substituted
    assert r.progress["3"] == pytest.approx(200 / 6)
    # with an earlier class-III component met, the report counts normally
    p2 = _write(tmp_path, {"name": "q2", "license": {"distribution": {"name": "Proprietary"}},
                           "components": [{"name": "Model architecture", "license": "MIT"},
                                          {"name": "Technical report", "license": "CC-BY-4.0"},
                                          {"name": "Research paper", "license": "CC-BY-4.0"}]},
                "q2.yml")
    r2 = _eval(p2, pkg_defs)
    assert not r2.index_quirk and not r2.report_substituted
    assert r2.progress["3"] == pytest.approx(200 / 6)
    # without a research paper the position test changes nothing and is not flagged
    p3 = _write(tmp_path, {"name": "q3", "components": [
        {"name": "Technical report", "license": "CC-BY-4.0"}]}, "q3.yml")
    r3 = _eval(p3, pkg_defs)
    assert not r3.index_quirk and r3.progress["3"] == pytest.approx(100 / 6)


# Cases from the MOF tool's own test data (lfai/model_openness_tool,
# Test_Data/expected_results.json: the tool's API output), restated compactly.
TOOL_CASES: list[tuple[dict[str, Any], dict[str, Any], list[tuple[str, str | None]],
                       int, dict[str, float]]] = [
    ({"distribution": {"name": "CC-BY-SA-4.0"}}, {"data": {"name": "CC0-1.0"}},
     [("Datasets", None), ("Data card", None), ("Research paper", None)],
     0, {"1": 0, "2": 0, "3": 100 / 3}),
    ({"distribution": {"name": "AFL-3.0"}},
     {"code": {"name": "Apache-1.0"}, "document": {"name": "CC-BY-SA-4.0"}},
     [(n, None) for n in ("Model architecture", "Data preprocessing code", "Training code",
                          "Inference code", "Evaluation code", "Supporting libraries and tools",
                          "Model parameters (Final)", "Model parameters (Intermediate)",
                          "Datasets", "Evaluation data", "Model metadata",
                          "Sample model outputs", "Model card", "Data card",
                          "Technical report")],
     0, {"1": 0, "2": 0, "3": 500 / 6}),
    ({}, {"document": {"name": "CC0-1.0"}},
     [("Model architecture", "MIT"), ("Training code", "AFL-3.0"), ("Inference code", "NCSA"),
      ("Evaluation code", "ECL-1.0"), ("Supporting libraries and tools", "Apache-2.0"),
      ("Model parameters (Final)", "CC-BY-3.0-NL"), ("Evaluation data", "CC-BY-3.0-US"),
      ("Model card", "CC-BY-SA-3.0"), ("Data card", "CC-BY-4.0"),
      ("Research paper", "CC-BY-SA-3.0"), ("Evaluation results", "CC-BY-4.0")],
     2, {"1": 1000 / 13, "2": 100, "3": 100}),
    ({"distribution": {"name": "CDLA-Permissive-2.0"}},
     {"code": {"name": "ECL-2.0"}, "data": {"name": "CC-BY-2.5-AU"},
      "document": {"name": "CC-BY-4.0"}},
     [("Model architecture", "zlib-acknowledgement"), ("Data preprocessing code", "AFL-3.0"),
      ("Training code", "ECL-2.0"), ("Evaluation code", "UPL-1.0"),
      ("Supporting libraries and tools", "AFL-1.1"), ("Model parameters (Final)", "ODbL-1.0"),
      ("Model parameters (Intermediate)", "Xfig"), ("Datasets", "CC-BY-2.0"),
      ("Evaluation data", "CC-BY-SA-4.0"), ("Model metadata", "BSD-2-Clause"),
      ("Sample model outputs", "CC-BY-4.0"), ("Model card", "CC-BY-SA-3.0"),
      ("Data card", "SMLNJ"), ("Technical report", "CC0-1.0"),
      ("Evaluation results", "CC-BY-SA-4.0")],
     0, {"1": 0, "2": 0, "3": 500 / 6}),
    ({}, {"data": {"name": "CDLA-Permissive-2.0"}},
     [("Model architecture", "Apache-2.0"), ("Training code", "ECL-1.0"),
      ("Inference code", "AFL-1.1"), ("Evaluation code", "MIT-0"),
      ("Supporting libraries and tools", "UPL-1.0"), ("Model parameters (Final)", "CC-BY-3.0-DE"),
      ("Evaluation data", "ODC-By-1.0"), ("Model card", "CC0-1.0"),
      ("Data card", "CC-BY-SA-4.0"), ("Technical report", "CC0-1.0"),
      ("Evaluation results", "CC-BY-SA-4.0")],
     2, {"1": 1000 / 14, "2": 100, "3": 100}),
    ({}, {},
     [("Data preprocessing code", "HPND-sell-MIT-disclaimer-xserver"),
      ("Training code", "YPL-1.0"), ("Inference code", "AGPL-1.0-or-later"),
      ("Supporting libraries and tools", "0BSD"), ("Evaluation data", "OGL-UK-1.0"),
      ("Sample model outputs", "TTYP0"), ("Data card", "CC-BY-SA-4.0"),
      ("Research paper", "CC-BY-4.0"), ("Evaluation results", "CC-BY-SA-4.0")],
     0, {"1": 0, "2": 0, "3": 50}),
    ({"distribution": {"name": "CC-BY-SA-3.0"}}, {"code": {"name": "AFL-1.1"}},
     [("Evaluation code", "Motosoto"), ("Model metadata", "xinetd"),
      ("Research paper", "IPL-1.0")],
     0, {"1": 0, "2": 0, "3": 100 / 6}),
    ({"distribution": {"name": "MIT"}}, {"document": {"name": "CC-BY-4.0"}},
     [("Data preprocessing code", "OGDL-Taiwan-1.0"), ("Training code", "Sun-PPP-2000"),
      ("Supporting libraries and tools", "GFDL-1.3-invariants-or-later"),
      ("Evaluation data", "CC-BY-SA-3.0"), ("Model metadata", "HPND-UC"),
      ("Research paper", "TORQUE-1.1")],
     0, {"1": 0, "2": 0, "3": 0}),
    ({}, {"data": {"name": "CC-BY-SA-2.0-UK"}},
     [("Model architecture", "MIT-0"), ("Model parameters (Final)", "CC-BY-2.0"),
      ("Model card", "CC-BY-4.0"), ("Data card", "CC-BY-SA-4.0"),
      ("Technical report", "CC-BY-4.0"), ("Evaluation results", "CC0-1.0")],
     3, {"1": 0, "2": 60, "3": 100}),
]


@pytest.mark.parametrize("case", range(len(TOOL_CASES)))
def test_matches_the_tools_published_expectations(
    case: int, tmp_path: Path, pkg_defs: mof_defs.Definitions
) -> None:
    dist, typed, comps, cls, progress = TOOL_CASES[case]
    release = {"name": f"case{case}", "license": {**dist, **typed},
               "components": [{"name": n, **({"license": lic} if lic else {})}
                              for n, lic in comps]}
    r = _eval(_write(tmp_path, release), pkg_defs)
    assert r.mof_class == cls
    for k in "123":
        assert r.progress[k] == pytest.approx(progress[k], abs=1e-9)


def test_definitions_read_from_the_folder_above(tmp_path: Path) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "mof.settings.yml").write_text(yaml.safe_dump({"components": [
        {"id": 1, "name": "Weights", "content_type": "data", "class": 3, "required": True},
        {"id": 2, "name": "Notes", "content_type": "document", "class": 2, "required": True},
        {"id": 3, "name": "Paper", "content_type": "document", "class": 1, "required": True},
    ]}))
    (tmp_path / "licenses.json").write_text(json.dumps({"licenses": [
        {"licenseId": "Open-1", "name": "Open One", "isOsiApproved": True},
        {"licenseId": "Closed-1", "name": "Closed One", "isOsiApproved": False},
    ]}))
    _write(tmp_path / "models", {"name": "tiny", "license": {"distribution": {"name": "Open-1"}},
                                 "components": [{"name": "Weights"}, {"name": "Notes"},
                                                {"name": "Paper", "license": "Closed-1"}]})
    defs = mof_defs.load_definitions(tmp_path)
    assert defs.components_source.endswith("mof.settings.yml")
    assert "licenses.json" in defs.licenses_source
    results, errors = mof.evaluate_dir(tmp_path / "models", defs)
    assert errors == []
    [r] = results
    assert r.progress == {"1": pytest.approx(200 / 3), "2": 100.0, "3": 100.0}
    assert r.label == "Class II"
    assert r.as_dict()["invalid"] == ["Paper"]


def test_only_yml_files_are_models_and_bad_files_are_reported(tmp_path: Path) -> None:
    (tmp_path / "good.yml").write_text(yaml.safe_dump({"release": {"name": "g"}}))
    (tmp_path / "bad.yml").write_text("release: [unclosed\n")
    (tmp_path / "notamodel.yml").write_text("just: text\n")
    (tmp_path / "other.yaml").write_text(yaml.safe_dump({"release": {"name": "o"}}))
    results, errors = mof.evaluate_dir(tmp_path, mof_defs.load_definitions(None))
    assert [r.model.file for r in results] == ["good.yml"]
    assert len(errors) == 2
    with pytest.raises(InputError):
        list(mof.iter_model_files(tmp_path / "missing"))


def test_bad_settings_file_is_a_catalog_error(tmp_path: Path) -> None:
    (tmp_path / "mof.settings.yml").write_text("components:\n  - {id: 1, name: x}\n")
    with pytest.raises(Exception, match="component #1"):
        mof_defs.load_definitions(tmp_path)


# ---- the real MOF data ---------------------------------------------------------------


def _independent(release: dict[str, Any], settings: list[dict[str, Any]],
                 lic_db: dict[str, dict[str, Any]]) -> tuple[int, dict[str, float]]:
    """A second, deliberately plain derivation of class and progress from the rules
    (shared docs/openness-frameworks.md) plus the tool's position-0 behaviour."""
    open_extra = mof_defs.OPEN_DATA_LICENSES | {"OpenMDW-1.0"}
    by_name: dict[str, dict[str, Any]] = {}
    for c in release.get("components") or []:
        by_name[c["name"]] = c
    glob = release.get("license") or {}

    def gname(kind: str) -> str | None:
        v = (glob.get(kind) or {}).get("name")
        return v if isinstance(v, str) and v else None

    def status(comp: dict[str, Any]) -> str | None:
        entry = by_name.get(comp["name"])
        if entry is None:
            return None
        if entry.get("license") is not None:
            lic = str(entry["license"]) or "unlicensed"
        else:
            lic = gname(comp["content_type"]) or gname("distribution") or "unlicensed"
        e = lic_db.get(lic, {})
        if lic in open_extra or e.get("isOsiApproved") is True or e.get("isFsfLibre") is True:
            return "met"
        return "unlicensed" if lic == "unlicensed" else "invalid"

    st = {c["id"]: status(c) for c in settings}
    req = {k: [c["id"] for c in settings if c["class"] == k and c["required"]] for k in (1, 2, 3)}
    met3 = [i for i in req[3] if st[i] == "met"]
    report_met = st[11] == "met" and met3[0] != 11
    paper = st[21]
    extra = 1 if (not report_met and paper == "met") else 0

    def met_at(level: int) -> int:
        ids = [i for k in range(3, level - 1, -1) for i in req[k]]
        n = sum(1 for i in ids if st[i] == "met")
        return n + (extra if level >= 2 else 0)

    progress: dict[str, float] = {}
    for c in (1, 2, 3):
        total, ok = 0, True
        for k in range(3, c - 1, -1):
            total += len(req[k])
            n = met_at(k)
            if n < total:
                ok = k == c
                break
        if not ok:
            progress[str(c)] = 0.0
            continue
        if c == 1 and st[11] != "met" and st[21] == "met":
            total -= 1
        progress[str(c)] = min(100.0, n / total * 100)
    cls = next((c for c in (1, 2, 3) if progress[str(c)] == 100.0), 0)
    return cls, progress


def test_every_real_model_file_matches_the_independent_derivation(shared_data: Path) -> None:
    root = shared_data / "mof"
    defs = mof_defs.load_definitions(root)
    settings = yaml.safe_load((root / "mof.settings.yml").read_text())["components"]
    lic_db: dict[str, dict[str, Any]] = {}
    for f in ("licenses.json", "mof-licenses.json"):
        for e in json.loads((root / f).read_text())["licenses"]:
            lic_db[e["licenseId"]] = e
    results, errors = mof.evaluate_dir(root / "models", defs)
    assert errors == []
    files = sorted(p.name for p in (root / "models").glob("*.yml"))
    assert [r.model.file for r in results] == files
    for r in results:
        text = (root / "models" / r.model.file).read_text()
        release = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))["release"]
        cls, progress = _independent(release, settings, lic_db)
        assert r.mof_class == cls, r.model.file
        for k in "123":
            assert r.progress[k] == pytest.approx(progress[k], abs=1e-9), (r.model.file, k)
    counts = collections.Counter(r.label for r in results)
    assert counts == {"Unclassified": 242, "Class III": 16, "Class I": 14, "Class II": 1}


def test_real_edge_cases(shared_data: Path) -> None:
    root = shared_data / "mof"
    defs = mof_defs.load_definitions(root)
    bloom = _eval(root / "models" / "BLOOM.yml", defs)
    assert bloom.index_quirk and bloom.progress["3"] == pytest.approx(100 / 3)
    amber = _eval(root / "models" / "Amber.yml", defs)
    assert amber.label == "Class I"
    # the package's own definitions give the same answer as the shipped files
    for p in sorted((root / "models").glob("*.yml"))[:60]:
        a, b = _eval(p, defs), _eval(p, mof_defs.load_definitions(None))
        assert (a.mof_class, a.progress) == (b.mof_class, b.progress), p.name
