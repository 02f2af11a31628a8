"""Concentration: HHI, top-10 share and community share against hand computations."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelatlas.atlas import Atlas
from modelatlas.store.db import Store
from tests.adoption_data import load, obs, set_orgs, set_roots


def test_hhi_top10_and_community(store: Store, tmp_path: Path) -> None:
    # 12 orgs: o0 has 890 downloads, o1..o11 10 each -> total 1000
    rows = [obs("o0/m", "2025-03-31", 890)] + [
        obs(f"o{i}/m", "2025-03-31", 10) for i in range(1, 12)]
    load(store, tmp_path, rows)
    set_orgs(store, [("o0", "US", "us", "big-tech"), ("o1", "FR", "eu", "community"),
                     ("o2", "FR", "eu", "community")])
    set_roots(store, [])
    df = Atlas(store).concentration()
    assert list(df["period"]) == ["2025-03"]
    r = df.iloc[0]
    assert r["total"] == 1000 and r["orgs"] == 12
    assert r["hhi"] == pytest.approx((0.89**2 + 11 * 0.01**2) * 10000)
    assert r["top10_share"] == pytest.approx(0.89 + 9 * 0.01)
    assert r["community_share"] == pytest.approx(0.02)
    assert r["unknown_share"] == pytest.approx(0.09)


def test_root_attribution_moves_downloads_to_the_base_developer(
    store: Store, tmp_path: Path
) -> None:
    load(store, tmp_path, [obs("big/base", "2025-03-31", 100),
                           obs("fan/quant", "2025-03-31", 300)])
    set_orgs(store, [("big", "US", "us", "big-tech"), ("fan", "US", "us", "community")])
    set_roots(store, [("big/base", "big/base", 1.0, "Big"), ("fan/quant", "big/base", 1.0, "Big")])
    direct = Atlas(store).concentration(attribution="direct").iloc[0]
    root = Atlas(store).concentration(attribution="root").iloc[0]
    assert direct["community_share"] == pytest.approx(0.75)
    assert direct["hhi"] == pytest.approx((0.25**2 + 0.75**2) * 10000)
    assert root["community_share"] == 0 and root["hhi"] == pytest.approx(10000)
