"""CLI: ``orgs``, ``lineage MODEL_ID`` and ``derivatives`` (JSON contract, errors, --orgs)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelatlas.store.db import open_store
from tests.clirunner import run_cli
from tests.lineage_data import add_edges, add_models


@pytest.fixture
def db(db_path: Path) -> str:
    st = open_store(db_path)
    add_models(st, [("Qwen/Qwen3-8B", "2025-05-01"), ("u/ft", "2026-02-02"),
                    ("u/q", "2026-02-03"), ("v/loop", "2026-02-04")])
    add_edges(st, [("u/ft", "Qwen/Qwen3-8B", "finetune"), ("u/q", "u/ft", "quantized"),
                   ("v/loop", "v/loop", "finetune")])
    st.close()
    return str(db_path)


def test_lineage_json(db: str) -> None:
    r = run_cli("--db", db, "lineage", "u/q", "--json")
    assert r.code == 0, r.err
    d = json.loads(r.out)
    assert d["id"] == "u/q"
    assert d["parents"] == [{"id": "u/ft", "relation": "quantized", "origin": "tag"}]
    assert d["roots"] == ["Qwen/Qwen3-8B"] and d["depth"] == 2
    assert d["origin"] == [{"root": "Qwen/Qwen3-8B", "org": "Qwen",
                            "display_name": "Qwen (Alibaba Cloud)", "country": "CN",
                            "region": "china", "kind": "big-tech"}]
    assert set(d["descendants"]) == {"finetune", "adapter", "quantized", "merge", "unknown"}


def test_lineage_human_output_and_self_loop(db: str) -> None:
    r = run_cli("--db", db, "lineage", "v/loop")
    assert r.code == 0, r.err
    assert "self_loop" in r.out


def test_lineage_unknown_model_is_one_line_error(db: str) -> None:
    r = run_cli("--db", db, "lineage", "nobody/nothing", "--json")
    assert r.code == 1 and r.out == ""
    assert r.err.strip() == "error: model not in the store: nobody/nothing"


def test_lineage_without_store_fails_cleanly(tmp_path: Path) -> None:
    r = run_cli("--db", str(tmp_path / "none.duckdb"), "lineage", "a/b")
    assert r.code == 1 and "no store" in r.err


def test_orgs_json_from_store_and_without_store(db: str, tmp_path: Path) -> None:
    r = run_cli("--db", db, "orgs", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    by = {x["org"]: x for x in rows}
    assert {"org", "country", "region", "kind", "parent"} <= set(rows[0])
    assert by["qwen"]["region"] == "china" and by["qwen"]["parent"] == "Alibaba Group"
    r2 = run_cli("--db", str(tmp_path / "none.duckdb"), "orgs", "--json", "--region", "eu")
    assert r2.code == 0, r2.err
    eu = json.loads(r2.out)
    assert eu and all(x["region"] == "eu" for x in eu)
    assert "mistralai" in {x["org"] for x in eu}
    # one organisation by name, any case, with or without a store
    for where in (db, str(tmp_path / "none.duckdb")):
        one = run_cli("--db", where, "orgs", "--name", "QWEN", "--json")
        assert one.code == 0, one.err
        assert [x["org"] for x in json.loads(one.out)] == ["qwen"]
    none = run_cli("--db", db, "orgs", "--name", "no-such-org", "--json")
    assert none.code == 0 and json.loads(none.out) == []


def test_orgs_user_file_wins(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "orgs.yaml"
    f.write_text("- {namespace: u, display_name: U Lab, country: JP, kind: academic}\n",
                 encoding="utf-8")
    monkeypatch.setenv("MODELATLAS_ORGS", "")  # restored after the test (--orgs sets it)
    r = run_cli("--db", db, "--orgs", str(f), "orgs", "--json", "--origin", "user")
    assert r.code == 0, r.err
    assert [(x["org"], x["region"], x["kind"]) for x in json.loads(r.out)] == [
        ("u", "other", "academic")]


def test_orgs_bad_user_file_and_bad_option(db: str, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "orgs.yaml"
    f.write_text("- {namespace: u, country: Japan}\n", encoding="utf-8")
    monkeypatch.setenv("MODELATLAS_ORGS", "")
    r = run_cli("--db", db, "--orgs", str(f), "orgs", "--json")
    assert r.code == 1 and "alpha-2" in r.err and r.out == ""
    monkeypatch.setenv("MODELATLAS_ORGS", "")
    r = run_cli("--db", db, "orgs", "--region", "mars")
    assert r.code == 2


def test_derivatives_command(db: str) -> None:
    r = run_cli("--db", db, "derivatives", "--by", "region", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    want = {"period": "2026-02", "group": "china", "value": 2.0, "share": 1.0,
            "period_start": "2026-02-01", "period_end": "2026-02-28"}
    # answers may gain fields (coverage, population...), never lose or change these
    assert [{k: r[k] for k in want} for r in rows] == [want]
    assert rows[0]["coverage"] == 1.0
    r = run_cli("--db", db, "derivatives", "--metric", "issues", "--json")
    assert json.loads(r.out) == [{"model_id": "v/loop", "kind": "self_loop",
                                  "detail": "names itself as its base model"}]
    for metric in ("counts", "trees", "tree-sizes", "depth", "leaves"):
        r = run_cli("--db", db, "derivatives", "--metric", metric, "--csv")
        assert r.code == 0 and r.out.strip(), metric
    assert run_cli("--db", db, "derivatives", "--metric", "nope").code == 2
    assert run_cli("--db", db, "derivatives", "--freq", "nope").code == 2


def test_share_dispatches_to_derivative_share(db: str) -> None:
    r = run_cli("--db", db, "share", "--metric", "derivatives", "--by", "family", "--json")
    assert r.code == 0, r.err
    want = {"period": "2026-02", "group": "Qwen", "value": 2.0, "share": 1.0,
            "period_start": "2026-02-01", "period_end": "2026-02-28"}
    assert [{k: r[k] for k in want} for r in json.loads(r.out)] == [want]
