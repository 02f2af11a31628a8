"""``import osai|mof`` and ``openness``: JSON contracts, lookups and exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelatlas.store import open_store
from tests.clirunner import run_cli

FIX = Path(__file__).parent / "fixtures" / "openness"


def _imported(db: Path) -> None:
    r = run_cli("--db", str(db), "import", "osai", str(FIX / "osai"), "--json")
    assert r.code == 0, r.err
    summary = json.loads(r.out)
    assert summary["projects"] == 3 and len(summary["skipped"]) == 3
    r = run_cli("--db", str(db), "import", "mof", str(FIX / "mof" / "models"))
    assert r.code == 0, r.err
    assert "imported 4 MOF models" in r.out


def test_osai_json_contract(db_path: Path) -> None:
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "--framework", "osai", "--json")
    assert r.code == 0 and r.err == ""
    doc = json.loads(r.out)
    assert [(d["project"], d["file"], d["score"], d["rank"]) for d in doc] == [
        ("Gamma", "gamma.yaml", 14.0, 1), ("Beta", "beta.yaml", 6.5, 2),
        ("alpha", "alpha.yaml", 6.5, 3)]
    assert doc[1]["hub_id"] == "fixture/beta-chat"
    assert doc[1]["hub_source"] == "rlweights.link"
    assert doc[0]["hub_id"] is None   # a dataset URL is not a model


def test_osai_project_detail(db_path: Path) -> None:
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "alpha", "--framework", "osai", "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["score"] == 6.5 and len(d["dimensions"]) == 14
    assert d["dimensions"][0] == {"dimension": "opencode", "area": "availability",
                                  "class": "open", "value": 1.0,
                                  "counted": True,
                                  "link": "https://github.com/fixture/alpha",
                                  "links": ["https://github.com/fixture/alpha"],
                                  "notes": "all code"}
    assert d["edition"] == "2023" and d["classes"]["opencode"] == "open"
    human = run_cli("--db", str(db_path), "openness", "ALPHA.yaml", "--framework", "osai")
    assert human.code == 0 and "score 6.5/14, rank 3" in human.out


def test_mof_json_contract(db_path: Path) -> None:
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "--framework", "mof", "--json")
    assert r.code == 0 and r.err == ""
    doc = {d["file"]: d for d in json.loads(r.out)}
    assert set(doc) == {"full-open.yml", "inherit-and-override.yml", "paper-for-report.yml",
                        "unlicensed.yml"}
    full = doc["full-open.yml"]
    assert full["class"] == "Class I" and full["progress"] == {"1": 100, "2": 100, "3": 100}
    for key in ("model", "met", "missing", "unlicensed", "invalid", "not_type_appropriate"):
        assert key in full
    assert full["hub_id"] == "fixture/full-open"
    paper = doc["paper-for-report.yml"]
    assert paper["class"] == "Class II" and paper["hub_id"] == "fixture/paper-instead"
    assert doc["unlicensed.yml"]["hub_id"] is None


def test_mof_model_detail_and_human_output(db_path: Path) -> None:
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "Inherit", "--framework", "mof")
    assert r.code == 0, r.err
    assert "Unclassified" in r.out and "apache-2.0" in r.out
    r = run_cli("--db", str(db_path), "openness", "fixture/full-open", "--framework", "mof",
                "--json")
    assert json.loads(r.out)["model"] == "Full Open"


def test_profile_shows_linked_frameworks(db_path: Path) -> None:
    with open_store(db_path) as st:
        st.sql(
            "INSERT INTO models (id, org, name, source, gated, license_id, first_seen,"
            " last_seen, meta_snapshot) VALUES ('fixture/full-open', 'fixture', 'full-open',"
            " 'hf', 'false', 'apache-2.0', DATE '2026-01-01', DATE '2026-01-01',"
            " DATE '2026-01-01')"
        )
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "fixture/full-open", "--framework",
                "profile", "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["model_id"] == "fixture/full-open" and d["weights"] == "open"
    assert d["frameworks"]["mof"][0]["class"] == "Class I"
    mof_list = json.loads(run_cli("--db", str(db_path), "openness", "--framework", "mof",
                                  "--json").out)
    assert next(m for m in mof_list if m["file"] == "full-open.yml")["hub_in_store"] is True


def test_errors_and_exit_codes(db_path: Path, tmp_path: Path) -> None:
    r = run_cli("--db", str(db_path), "openness", "--framework", "nope")
    assert r.code == 2 and "--framework" in r.err
    r = run_cli("--db", str(db_path), "openness", "--framework", "osai")
    assert r.code == 1 and "no store" in r.err   # openness never creates a store
    with open_store(db_path):
        pass
    r = run_cli("--db", str(db_path), "openness", "--framework", "osai", "--json")
    assert r.code == 1 and "import osai" in r.err and r.out == ""
    r = run_cli("--db", str(db_path), "openness", "who/ever", "--json")
    assert r.code == 1 and "not in the store" in r.err
    r = run_cli("--db", str(db_path), "import", "mof", str(tmp_path / "missing"))
    assert r.code == 1 and "no such folder" in r.err
    empty = tmp_path / "empty"
    empty.mkdir()
    r = run_cli("--db", str(db_path), "import", "osai", str(empty))
    assert r.code == 1 and "no OSAI project or system files" in r.err
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "zzz", "--framework", "mof")
    assert r.code == 1 and "no MOF model" in r.err


def test_reimport_replaces(db_path: Path, tmp_path: Path) -> None:
    _imported(db_path)
    one = tmp_path / "one"
    one.mkdir()
    (one / "gamma.yaml").write_text((FIX / "osai" / "gamma.yaml").read_text())
    assert run_cli("--db", str(db_path), "import", "osai", str(one)).code == 0
    doc = json.loads(run_cli("--db", str(db_path), "openness", "--framework", "osai",
                             "--json").out)
    assert [d["file"] for d in doc] == ["gamma.yaml"]


def test_atlas_openness(db_path: Path) -> None:
    from modelatlas.atlas import Atlas
    from modelatlas.errors import UsageError

    _imported(db_path)
    with Atlas(open_store(db_path)) as atlas:
        assert list(atlas.openness(framework="osai")["project"]) == ["Gamma", "Beta", "alpha"]
        assert len(atlas.openness(framework="mof")) == 4
        assert atlas.openness(framework="profile").empty
        with pytest.raises(UsageError):
            atlas.openness(framework="nope")  # type: ignore[arg-type]


def test_2026_index_osaid_and_by_origin_on_every_door(db_path: Path) -> None:
    from fastapi.testclient import TestClient

    from modelatlas.atlas import Atlas
    from modelatlas.web import create_app

    _imported(db_path)
    r = run_cli("--db", str(db_path), "import", "osai", str(FIX / "osai2026"), "--json")
    assert r.code == 0, r.err
    assert json.loads(r.out)["edition"] == "2026"
    doc = json.loads(run_cli("--db", str(db_path), "openness", "-f", "osai", "--json").out)
    assert [d["file"] for d in doc] == ["a.yaml", "d.yaml", "c.yaml", "b.yaml"]
    assert doc[0]["origin"] == "China" and doc[0]["classes"]["trainingcode"] == "partial"
    old = json.loads(run_cli("--db", str(db_path), "openness", "-f", "osai", "--edition",
                             "2023", "--json").out)
    assert [d["name"] for d in old] == ["Gamma", "Beta", "alpha"]
    human = run_cli("--db", str(db_path), "openness", "Alpha", "-f", "osai")
    assert human.code == 0 and "score 0.9/1, rank 1" in human.out and "origin China" in human.out
    verdicts = json.loads(run_cli("--db", str(db_path), "openness", "-f", "osaid",
                                  "--json").out)
    assert {v["verdict"] for v in verdicts} <= {"meets", "does_not_meet", "unknown"}
    assert {v["basis"] for v in verdicts} == {"mof", "osai"} and all(v["reasons"]
                                                                    for v in verdicts)
    r = run_cli("--db", str(db_path), "openness", "-f", "osai", "--by", "region", "--json")
    assert r.code == 0, r.err
    rows = {x["group"]: x for x in json.loads(r.out)}
    assert rows["china"]["systems"] == 1 and rows["china"]["coverage_systems"] == 0.5
    csv = run_cli("--db", str(db_path), "openness", "-f", "osaid", "--by", "country", "--csv")
    assert csv.code == 0 and csv.out.splitlines()[0].startswith("framework,group,systems")
    app = create_app(db_path, watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        http = client.get("/api/openness", params={"framework": "osai", "by": "region"})
        assert http.status_code == 200
        assert {x["group"]: x["systems"] for x in http.json()} == {
            k: v["systems"] for k, v in rows.items()}
    app.state.shared.close()
    with Atlas.open(db_path) as atlas:
        df = atlas.openness(framework="mof", by="region")
        assert int(df["systems"].sum()) == 4


def test_by_origin_usage_errors(db_path: Path) -> None:
    _imported(db_path)
    r = run_cli("--db", str(db_path), "openness", "Alpha", "-f", "osai", "--by", "region")
    assert r.code == 2 and "no target" in r.err
    r = run_cli("--db", str(db_path), "openness", "-f", "mof", "--edition", "2026")
    assert r.code == 2 and "--edition" in r.err
    r = run_cli("--db", str(db_path), "openness", "-f", "osai", "--by", "org")
    assert r.code == 2 and "--by" in r.err
    r = run_cli("--db", str(db_path), "openness", "-f", "osai", "--edition", "2026")
    assert r.code == 1 and "no 2026 OSAI index" in r.err
