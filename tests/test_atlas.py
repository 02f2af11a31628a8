"""The Python API: ``modelatlas.open(path)``, one typed method per registered query."""

from __future__ import annotations

import datetime as dt
import inspect
from pathlib import Path

import pandas as pd
import pytest

import modelatlas as ma
from modelatlas.atlas import Atlas
from modelatlas.errors import StoreError
from modelatlas.queries import all_queries
from modelatlas.store.db import open_store
from tests.adoption_data import load, obs


def _make(db: Path, tmp: Path) -> None:
    with open_store(db) as st:
        load(st, tmp, [
            obs("a/x", "2025-01-31", 100, params=2_000_000_000),
            obs("b/y", "2025-01-31", 300, created="2025-01-20T00:00:00Z"),
            obs("a/x", "2025-02-28", 50), obs("b/y", "2025-02-28", 50),
        ])


def test_open_and_every_metric(db_path: Path, tmp_path: Path) -> None:
    _make(db_path, tmp_path)
    with ma.open(str(db_path)) as atlas:
        assert atlas.store.read_only
        share = atlas.share(by="org", metric="downloads", attribution="root")
        assert list(share.columns) == ["period", "group", "value", "share", "period_start",
                                       "period_end"]
        jan = share[share["period"] == "2025-01"].set_index("group")["share"]
        assert jan["b"] == 0.75 and jan["a"] == 0.25
        # periods as dates
        assert share["period_start"].iloc[0] == pd.Timestamp("2025-01-01")
        assert share["period_end"].iloc[0] == pd.Timestamp("2025-01-31")
        assert list(atlas.concentration()["period"]) == ["2025-01", "2025-02"]
        assert set(atlas.cadence()["org"]) == {"a", "b"}
        assert set(atlas.cadence(monthly=True)["period"]) == {"2025-01"}
        assert not atlas.license_mix().empty
        assert list(atlas.ram("a/x")["days"]) == [7, 14, 30, 60, 90, 180, 365]
        assert isinstance(atlas.ram_leaders(), pd.DataFrame)
        assert atlas.stats()["models"] == 2
        html = atlas.report(tmp_path / "rep")
        assert html.name == "index.html" and html.exists()


def test_every_query_has_a_method_with_the_same_parameters() -> None:
    """The typed Atlas methods and the registry agree: names, parameters, defaults."""
    for q in all_queries():
        method = getattr(Atlas, q.method, None)
        assert method is not None, f"Atlas lacks a method for query {q.name}"
        sig = inspect.signature(method)
        names = [n for n in sig.parameters if n != "self"]
        assert names == [p.name for p in q.params], q.name
        for p in q.params:
            default = sig.parameters[p.name].default
            want = p.default
            if isinstance(want, dt.date):
                want = want.isoformat()
            if p.required:
                assert default is inspect.Parameter.empty, (q.name, p.name)
            else:
                assert default == want, (q.name, p.name, default, want)


def test_public_api_is_guarded() -> None:
    assert sorted(ma.__all__) == sorted([
        "Atlas", "CatalogError", "InputError", "ModelAtlasError", "NetworkError",
        "NotFoundError", "StoreError", "UsageError", "__version__", "open"])
    for name in ma.__all__:
        assert getattr(ma, name) is not None
    assert ma.Atlas is Atlas
    with pytest.raises(AttributeError):
        _ = ma.nosuch  # type: ignore[attr-defined]


def test_missing_store_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        ma.open(tmp_path / "none.duckdb")


def test_readers_share_a_store_and_a_stale_store_is_derived_once(
        db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_SKIP_DERIVE", "1")
    _make(db_path, tmp_path)
    monkeypatch.delenv("MODELATLAS_SKIP_DERIVE")
    from modelatlas import derive

    with open_store(db_path, read_only=True) as st:
        assert not derive.is_current(st)
    with ma.open(db_path) as one, ma.open(db_path) as two:   # two readers at once
        assert not one.stale and derive.is_current(one.store)
        assert one.stats() == two.stats()
