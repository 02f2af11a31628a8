"""Relative Adoption Metric: reference = 10th of the size class at the same age;
missing where the snapshots or parameter counts do not allow it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from modelatlas.atlas import Atlas
from modelatlas.errors import NotFoundError, UsageError
from modelatlas.store.db import Store
from tests.adoption_data import load, obs

B = 1_000_000_000


def _setup(store: Store, tmp: Path) -> None:
    rows = []
    for i in range(11):   # eleven 3B models, all released 2025-01-01
        rows.append(obs(f"o{i}/m", "2025-01-31", 5, all_time=100 * (i + 1), params=3 * B))
    rows += [
        obs("late/m", "2025-01-29", 7, all_time=None, params=3 * B),   # age 28: 30-day counter
        obs("late/m", "2025-01-08", 7, all_time=None, params=3 * B),   # age 7: only model
        obs("far/m", "2025-02-04", 9, all_time=5000, params=3 * B),    # age 34: outside +-3
        obs("nosize/m", "2025-01-31", 9, all_time=9999),                # no parameter count
        obs("huge/m", "2025-01-31", 9, all_time=10, params=300 * B),
    ]
    load(store, tmp, rows)


def test_ram_against_tenth_of_class(store: Store, tmp_path: Path) -> None:
    _setup(store, tmp_path)
    t = Atlas(store).ram()
    at30 = t[(t["days"] == 30) & (t["size_class"] == "1-5B")].set_index("model_id")
    assert "far/m" not in at30.index and "nosize/m" not in at30.index
    assert at30.loc["late/m", "cumulative_downloads"] == 7 and at30.loc["late/m", "age_days"] == 28
    # 12 models: 1100, 1000, ..., 100 and late/m's 7 -> 10th is 200
    assert (at30["reference_downloads"] == 200).all()
    assert at30.loc["o10/m", "ram"] == pytest.approx(5.5)
    assert at30.loc["o10/m", "class_models"] == 12
    huge = t[t["model_id"] == "huge/m"].iloc[0]
    assert huge["size_class"] == "250B+" and math.isnan(huge["ram"])   # fewer than 10 peers


def test_ram_of_one_model_is_missing_where_snapshots_do_not_allow(
    store: Store, tmp_path: Path
) -> None:
    _setup(store, tmp_path)
    df = Atlas(store).ram("o10/m")
    assert list(df["days"]) == [7, 14, 30, 60, 90, 180, 365]
    by = df.set_index("days")["ram"]
    assert by[30] == pytest.approx(5.5)
    assert all(math.isnan(by[d]) for d in (7, 14, 60, 90, 180, 365))
    late = Atlas(store).ram("late/m").set_index("days")
    assert late.loc[7, "cumulative_downloads"] == 7 and math.isnan(late.loc[7, "ram"])
    with pytest.raises(NotFoundError):
        Atlas(store).ram("no/such")


def test_leaders(store: Store, tmp_path: Path) -> None:
    _setup(store, tmp_path)
    top = Atlas(store).ram_leaders(days=30, top=3)
    assert list(top["model_id"]) == ["o10/m", "o9/m", "o8/m"]
    with pytest.raises(UsageError):
        Atlas(store).ram_leaders(days=31)
