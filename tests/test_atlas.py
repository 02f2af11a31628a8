"""The Python API: ``modelatlas.open(path)`` and one method per metric."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import modelatlas as ma
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
        share = atlas.share(by="org", metric="downloads", attribution="root")
        assert list(share.columns) == ["period", "group", "value", "share"]
        jan = share[share["period"] == "2025-01"].set_index("group")["share"]
        assert jan["b"] == 0.75 and jan["a"] == 0.25
        assert list(atlas.concentration()["period"]) == ["2025-01", "2025-02"]
        assert set(atlas.cadence()["org"]) == {"a", "b"}
        assert set(atlas.releases()["period"]) == {"2025-01"}   # both created in 2025-01
        assert not atlas.licence_mix().empty
        assert list(atlas.ram("a/x")["days"]) == [7, 14, 30, 60, 90, 180, 365]
        assert isinstance(atlas.ram_leaders(), pd.DataFrame)
        html = atlas.report(tmp_path / "rep")
        assert html.name == "index.html" and html.exists()
