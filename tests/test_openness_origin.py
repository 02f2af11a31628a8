"""Openness by origin: counts, shares, unknowns and coverage, per framework."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlglot

from modelatlas.derive_steps.licenses import load_catalog
from modelatlas.errors import UsageError
from modelatlas.openness import by_origin, imports, origin
from modelatlas.store import Store

FIX = Path(__file__).parent / "fixtures" / "openness"


def _model(st: Store, mid: str, gated: str | None, datasets: list[str] | None,
           license_id: str | None) -> None:
    st.exec("INSERT INTO models (id, org, name, source, gated, datasets, license_id, first_seen,"
            " last_seen, meta_snapshot) VALUES (?, split_part(?, '/', 1), split_part(?, '/', 2),"
            " 'hf', ?, ?, ?, DATE '2026-01-01', DATE '2026-02-01', DATE '2026-02-01')",
            [mid, mid, mid, gated, datasets, license_id])


def _obs(st: Store, mid: str, snapshot: str, downloads: int) -> None:
    st.exec("INSERT INTO observations (source, snapshot, model_id, downloads_30d)"
            " VALUES ('hf', CAST(? AS DATE), ?, ?)", [snapshot, mid, downloads])


def _org(st: Store, org: str, country: str, region: str) -> None:
    st.exec("INSERT INTO orgs (org, namespace, country, region, kind, origin)"
            " VALUES (?, ?, ?, ?, 'lab', 'catalog')", [org, org, country, region])


@pytest.fixture
def atlas(store: Store) -> Store:
    load_catalog(store)
    _model(store, "fix/a-chat", "false", ["fix/data"], "apache-2.0")
    _model(store, "fixorg/c-model", "manual", [], "llama3.1")
    _model(store, "lone/m", None, None, "unknown")
    _obs(store, "fix/a-chat", "2026-01-01", 100)
    _obs(store, "fix/a-chat", "2026-02-01", 300)
    _obs(store, "fixorg/c-model", "2026-01-01", 50)
    _org(store, "fix", "CN", "china")
    _org(store, "fixorg", "US", "us")
    _org(store, "fixture", "FR", "eu")
    imports.import_osai(store, FIX / "osai2026")
    imports.import_mof(store, FIX / "mof" / "models")
    return store


def _by_group(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["group"]: r for r in rows}


def test_osai_by_region(atlas: Store) -> None:
    rows = by_origin.by_origin(atlas, "osai", "region")
    assert list(rows[0]) == list(by_origin.COLUMNS)
    g = _by_group(rows)
    assert set(g) == {"us", "china", "unknown"}
    us, cn, unk = g["us"], g["china"], g["unknown"]
    # b (header: United States) and c (no header: its Hub namespace fixorg is US)
    assert (us["systems"], us["weights_open"], us["data_open"], us["license_osi"]) == (2, 1, 0, 0)
    assert us["license_unknown"] == 1 and us["share_weights_open"] == 0.5
    assert (cn["systems"], cn["weights_open"], cn["data_open"], cn["license_osi"]) == (1, 1, 1, 1)
    assert (unk["systems"], unk["weights_open"], unk["data_open"]) == (1, 1, 1)   # d: Atlantis
    assert us["downloads"] == 50 and cn["downloads"] == 300           # latest counter
    assert us["share_downloads_weights_open"] == 0.0 and cn["share_downloads_license_osi"] == 1.0
    assert us["meets_osaid"] is None
    for r in rows:   # coverage in every row
        assert (r["systems_total"], r["systems_known_origin"], r["coverage_systems"]) == (
            4, 3, 0.75)
        assert (r["downloads_total"], r["coverage_downloads"]) == (350, 1.0)


def test_osai_by_country_and_as_of(atlas: Store) -> None:
    g = _by_group(by_origin.by_origin(atlas, "osai", "country", as_of=dt.date(2026, 1, 15)))
    assert set(g) == {"US", "CN", "unknown"}
    assert g["CN"]["downloads"] == 100                                  # counter on 2026-01-01


def test_mof_and_osaid_by_region(atlas: Store) -> None:
    g = _by_group(by_origin.by_origin(atlas, "mof", "region"))
    assert (g["eu"]["systems"], g["eu"]["weights_open"], g["eu"]["data_open"],
            g["eu"]["license_osi"]) == (2, 2, 1, 0)
    assert (g["unknown"]["systems"], g["unknown"]["weights_open"]) == (2, 0)
    g = _by_group(by_origin.by_origin(atlas, "osaid", "region"))
    assert sum(r["systems"] for r in g.values()) == 8                   # 4 MOF + 4 systems
    assert g["eu"]["meets_osaid"] == 1 and g["eu"]["share_meets_osaid"] == 0.5


def test_profile_by_region(atlas: Store) -> None:
    g = _by_group(by_origin.by_origin(atlas, "profile", "region"))
    assert (g["china"]["weights_open"], g["china"]["data_open"], g["china"]["license_osi"]) == (
        1, 1, 1)
    assert (g["us"]["weights_open"], g["us"]["data_open"], g["us"]["license_osi"]) == (0, 0, 0)
    unk = g["unknown"]
    assert (unk["weights_unknown"], unk["data_unknown"], unk["license_unknown"]) == (1, 1, 1)
    assert unk["coverage_systems"] == pytest.approx(2 / 3)


@pytest.mark.parametrize("framework", by_origin.FRAMEWORKS)
@pytest.mark.parametrize("by", by_origin.BY)
def test_portable_sql(framework: str, by: str) -> None:
    sql = by_origin.by_origin_sql(framework, by)
    assert "QUALIFY" not in sql.upper() and "GROUP BY ALL" not in sql.upper()
    assert "->" not in sql and "lambda" not in sql
    spark = sqlglot.transpile(sql, read="duckdb", write="spark",
                              unsupported_level=sqlglot.ErrorLevel.RAISE)[0]
    assert ":as_of" in spark


def test_whitelists() -> None:
    with pytest.raises(UsageError):
        by_origin.by_origin_sql("osai; DROP TABLE models", "region")
    with pytest.raises(UsageError):
        by_origin.by_origin_sql("osai", "org")


def test_origin_names() -> None:
    assert origin.resolve("United States") == origin.Origin("US", "us")
    assert origin.resolve(" china ") == origin.Origin("CN", "china")
    assert origin.resolve("Germany") == origin.Origin("DE", "eu")
    assert origin.resolve("United Kingdom") == origin.Origin("GB", "other")
    assert origin.resolve("International") == origin.Origin("international", "international")
    assert origin.resolve("Undisclosed") == origin.Origin(None, "unknown")
    assert origin.resolve("Atlantis") == origin.Origin(None, "unknown")
    assert origin.resolve(None) == origin.Origin(None, "unknown")


def test_real_index_by_region(shared_data: Path, store: Store) -> None:
    load_catalog(store)
    imports.import_osai(store, shared_data / "osai-2026")
    rows = by_origin.by_origin(store, "osai", "region")
    g = _by_group(rows)
    assert sum(r["systems"] for r in rows) == 193
    assert g["china"]["systems"] >= 56 and g["us"]["systems"] >= 73
    assert rows[0]["coverage_systems"] >= 190 / 193
