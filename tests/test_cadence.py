"""Release cadence: monthly new models and median days between mainline releases."""

from __future__ import annotations

from pathlib import Path

from modelatlas.atlas import Atlas
from modelatlas.store.db import Store
from tests.adoption_data import load, obs


def _setup(store: Store, tmp: Path) -> None:
    load(store, tmp, [
        obs("lab/m1", "2025-04-30", 1, created="2025-01-01T00:00:00Z"),
        obs("lab/m2", "2025-04-30", 1, created="2025-01-11T00:00:00Z"),
        obs("lab/m3", "2025-04-30", 1, created="2025-02-10T00:00:00Z"),
        obs("lab/m3-GGUF", "2025-04-30", 1, created="2025-02-12T00:00:00Z",
            tags=["base_model:quantized:lab/m3"]),
        obs("solo/x", "2025-04-30", 1, created="2025-03-05T00:00:00Z"),
        obs("nodate/y", "2025-04-30", 1, created=None),
    ])


def test_monthly_releases(store: Store, tmp_path: Path) -> None:
    _setup(store, tmp_path)
    df = Atlas(store).cadence(monthly=True)
    got = {(r.org, r.period): (r.new_models, r.mainline_models) for r in df.itertuples()}
    assert got == {("lab", "2025-01"): (2, 2), ("lab", "2025-02"): (2, 1),
                   ("solo", "2025-03"): (1, 1)}   # nodate/y has no release date: left out
    assert len(Atlas(store).cadence(monthly=True, since="2025-02-01")) == 2


def test_release_intervals(store: Store, tmp_path: Path) -> None:
    _setup(store, tmp_path)
    df = Atlas(store).cadence().set_index("org")
    assert df.loc["lab", "models"] == 4 and df.loc["lab", "mainline_models"] == 3
    assert df.loc["lab", "median_days_between"] == 20.0   # gaps 10 and 30 days
    assert df.loc["solo", "median_days_between"] != df.loc["solo", "median_days_between"]
