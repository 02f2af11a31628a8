"""CLI: share, cadence, concentration, ram and import atom (JSON contract, exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelatlas.store.db import open_store
from tests.adoption_data import load, obs
from tests.clirunner import run_cli


@pytest.fixture
def db(db_path: Path, tmp_path: Path) -> str:
    with open_store(db_path) as st:
        load(st, tmp_path, [
            obs("a/x", "2025-01-15", 10), obs("a/x", "2025-01-31", 100),
            obs("b/y", "2025-01-31", 300), obs("a/x", "2025-02-28", 50),
        ])
    return str(db_path)


def test_share_json_rows(db: str) -> None:
    r = run_cli("--db", db, "share", "--by", "org", "--metric", "downloads", "--json")
    assert r.code == 0, r.err
    rows = json.loads(r.out)
    assert rows[0] == {"period": "2025-01", "group": "b", "value": 300.0, "share": 0.75,
                       "period_start": "2025-01-01", "period_end": "2025-01-31"}
    cols = ("group", "period", "period_end", "period_start", "share", "value")
    assert {tuple(sorted(x)) for x in rows} == {cols}
    snap = json.loads(run_cli("--db", db, "share", "--by", "org", "--freq", "snapshot",
                              "--since", "2025-01-20", "--until", "2025-01-31", "--json").out)
    assert {x["period"] for x in snap} == {"2025-01-31"}


def test_share_csv_and_table(db: str) -> None:
    r = run_cli("--db", db, "share", "--by", "region", "--csv")
    head = "period,group,value,share,period_start,period_end"
    assert r.code == 0 and r.out.splitlines()[0] == head
    t = run_cli("--db", db, "share", "--by", "region", "--attribution", "root")
    assert t.code == 0 and "unknown" in t.out


def test_usage_errors_exit_2(db: str) -> None:
    for args in (["share", "--by", "planet"], ["share", "--metric", "stars"],
                 ["share", "--since", "soon"], ["concentration", "--freq", "year"]):
        r = run_cli("--db", db, *args)
        assert r.code == 2, (args, r.err)
        assert r.err.startswith("error:") and "Traceback" not in r.err


def test_cadence_concentration_ram(db: str) -> None:
    c = json.loads(run_cli("--db", db, "concentration", "--json").out)
    assert [x["period"] for x in c] == ["2025-01", "2025-02"]
    assert c[0]["hhi"] == pytest.approx((0.25**2 + 0.75**2) * 10000)
    cad = run_cli("--db", db, "cadence", "--json")
    assert cad.code == 0 and {x["org"] for x in json.loads(cad.out)} == {"a", "b"}
    monthly = json.loads(run_cli("--db", db, "cadence", "--monthly", "--json").out)
    assert monthly[0]["period"] == "2025-01"
    ram = run_cli("--db", db, "ram", "a/x", "--json")
    assert ram.code == 0 and [x["days"] for x in json.loads(ram.out)] == [
        7, 14, 30, 60, 90, 180, 365]
    missing = run_cli("--db", db, "ram", "nobody/none")
    assert missing.code == 1 and "not in the store" in missing.err


def test_import_atom(db: str, shared_data: Path) -> None:
    r = run_cli("--db", db, "import", "atom", str(shared_data / "atom"), "--json")
    assert r.code == 0, r.err
    counts = json.loads(r.out)
    assert counts["atom_params"] > 100 and counts["atom_release_corrections"] > 10
    with open_store(db) as st:
        row = st.rows("SELECT total_params_b, active_params_b FROM atom_params"
                      " WHERE model_id = 'deepseek-ai/DeepSeek-R1'")
    assert row == [{"total_params_b": 671.0, "active_params_b": 37.0}]
    bad = run_cli("--db", db, "import", "atom", "/nonexistent/dir")
    assert bad.code == 1 and "no such folder" in bad.err
