"""CLI: `licenses` (catalog, one licence, --usage, --unmapped) and `changes`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from modelatlas import derive
from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store.db import Store
from modelatlas.store.history import mark_scope
from modelatlas.store.ingest import commit_input, new_run
from tests.clirunner import run_cli

S1, S2 = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def _rec(mid: str, snap: dt.date, lic: str, downloads: int, **kw: Any) -> dict[str, Any]:
    return {"id": mid, "snapshot": snap, "tags": ["transformers", f"license:{lic}"],
            "gated": "false", "downloads_30d": downloads, **kw}


def _fill(store: Store) -> None:
    for snap, rows in (
        (S1, [_rec("Qwen/Qwen2.5-7B", S1, "apache-2.0", 100),
              _rec("acme/model", S1, "my-weird-licence", 5),
              _rec("acme/other", S1, "other", 1, card_license_name="acme-private")]),
        (S2, [_rec("Qwen/Qwen2.5-7B", S2, "qwen-research", 120),
              _rec("acme/model", S2, "my-weird-licence", 6)]),
    ):
        run = new_run(store, "test", "fill")
        commit_input(store, [Batch(batch_from_rows(rows))], run_id=run, source_label="t")
        mark_scope(store.con, "hf", [snap], "hub-parquet")
        derive.refresh(store)
    store.close()


def _json(*args: str) -> Any:
    r = run_cli(*args)
    assert r.code == 0, r.err
    return json.loads(r.out)


def test_catalog_json() -> None:
    doc = _json("licenses", "--json")
    ids = {e["id"] for e in doc}
    assert {"apache-2.0", "llama3.1", "gemma", "qwen", "unknown", "other"} <= ids
    assert all(e["family"] and e["source_url"] for e in doc)


def test_one_licence_and_not_found() -> None:
    doc = _json("licenses", "llama3.1", "--json")
    assert doc["user_cap_mau"] == 700_000_000
    r = run_cli("licenses", "nope")
    assert r.code == 1 and r.err.startswith("error:") and len(r.err.splitlines()) == 1


def test_table_output_is_human() -> None:
    r = run_cli("licenses")
    assert r.code == 0 and "llama3.1" in r.out


def test_usage(store: Store, db_path: Path) -> None:
    _fill(store)
    rows = _json("--db", str(db_path), "licenses", "--usage", "--json")
    by_id = {r["license_id"]: r for r in rows}
    assert by_id["qwen-research"]["downloads"] == 120
    assert by_id["qwen-research"]["family"] == "non-commercial"
    assert abs(sum(r["share_models"] for r in rows) - 1) < 1e-9
    fam = _json("--db", str(db_path), "licenses", "--usage", "--by", "family", "--json")
    assert {r["family"] for r in fam} >= {"non-commercial", "unknown"}
    reg = _json("--db", str(db_path), "licenses", "--usage", "--by", "region", "--json")
    assert all("region" in r for r in reg)


def test_unmapped(store: Store, db_path: Path) -> None:
    _fill(store)
    rows = _json("--db", str(db_path), "licenses", "--unmapped", "--json")
    got = {(r["field"], r["value"]): r["models"] for r in rows}
    assert got == {("license", "my-weird-licence"): 1, ("license_name", "acme-private"): 1}
    r = run_cli("--db", str(db_path), "licenses", "--unmapped")
    assert r.code == 0 and "my-weird-licence" in r.out


def test_changes(store: Store, db_path: Path) -> None:
    _fill(store)
    rows = _json("--db", str(db_path), "changes", "--json")
    kinds = {(r["model_id"], r["kind"]) for r in rows}
    assert ("Qwen/Qwen2.5-7B", "license_changed") in kinds
    assert ("acme/other", "removed") in kinds
    lic = _json("--db", str(db_path), "changes", "--kind", "license_changed", "--json")
    assert [(r["old"], r["new"], r["narrowed"]) for r in lic] == [
        ("apache-2.0", "qwen-research", True)]
    assert _json("--db", str(db_path), "changes", "--since", "2026-03-01", "--json") == []
    csv_out = run_cli("--db", str(db_path), "changes", "--csv")
    assert csv_out.code == 0 and csv_out.out.startswith("at,kind,model_id")


def test_usage_errors(store: Store, db_path: Path) -> None:
    _fill(store)
    for args in (("changes", "--kind", "bogus"), ("changes", "--since", "2026-13-01"),
                 ("licenses", "--by", "region"), ("licenses", "--usage", "--by", "planet"),
                 ("licenses", "--usage", "--unmapped")):
        r = run_cli("--db", str(db_path), *args)
        assert r.code == 2, (args, r.err)
        assert r.out == ""


def test_missing_store_is_one_line_error(tmp_path: Path) -> None:
    r = run_cli("--db", str(tmp_path / "none.duckdb"), "changes")
    assert r.code == 1 and len(r.err.splitlines()) == 1
