"""Populations, coverage, gaps, partial periods and churn on hand-built stores.

A hub dump (full listing) and a trending list (filtered) in one store: every answer
reads one of them, says which, and never adds the two.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelatlas.atlas import Atlas
from modelatlas.errors import UsageError
from modelatlas.pipeline import ingest_files
from modelatlas.store.db import Store
from tests.adoption_data import load, obs, set_orgs


def trending(tmp: Path, day: str, rows: list[tuple[str, int]]) -> Path:
    """One trending-list Parquet file (the layout of hf-trending-feature-extraction)."""
    d = dt.date.fromisoformat(day)
    mined = d.strftime("%d-%m-%Y")
    p = tmp / f"trending_{mined}.parquet"
    pq.write_table(pa.table({
        "id": [m for m, _ in rows], "author": [m.split("/")[0] for m, _ in rows],
        "downloads": [v for _, v in rows], "likes": [0] * len(rows),
        "trending": list(range(1, len(rows) + 1)), "mined_date": [mined] * len(rows),
    }), p)
    return p


@pytest.fixture
def mixed(store: Store, tmp_path: Path) -> Store:
    """Hub dumps at the end of Jan and Feb 2025; a trending list on four days of
    March and April 2025 (April ends early: partial) with one model leaving."""
    load(store, tmp_path, [
        obs("a/x", "2025-01-31", 100), obs("b/y", "2025-01-31", 300),
        obs("a/x", "2025-02-28", 50), obs("b/y", "2025-02-28", 50),
    ])
    files = [
        trending(tmp_path, "2025-03-10", [("a/x", 7), ("c/z", 90), ("q/left", 500)]),
        trending(tmp_path, "2025-03-30", [("a/x", 8), ("c/z", 92)]),
        trending(tmp_path, "2025-05-02", [("a/x", 9), ("c/z", 1)]),
        trending(tmp_path, "2025-05-05", [("a/x", 10), ("c/z", 2)]),
    ]
    assert not ingest_files(store, files).failed
    set_orgs(store, [("a", "US", "us", "lab"), ("b", "CN", "china", "lab"),
                     ("c", "FR", "eu", "lab")])
    return store


def test_default_population_is_the_full_listing_and_never_mixes(mixed: Store) -> None:
    atlas = Atlas(mixed)
    df = atlas.share(by="org")
    assert set(df["population"]) == {"hub"}
    assert sorted(set(df["period"])) == ["2025-01", "2025-02"]
    assert "c" not in set(df["group"])            # a trending-only model is not in the hub
    tr = atlas.share(by="org", population="trending")
    assert set(tr["population"]) == {"trending"}
    assert sorted(set(tr["period"])) == ["2025-03", "2025-05"]   # April: a gap, no row
    pops = atlas.populations().set_index("population")
    assert pops.loc["hub", "kind"] == "full" and pops.loc["trending", "kind"] == "filtered"
    assert pops.loc["trending", "snapshots"] == 4


def test_unknown_population_is_refused(mixed: Store) -> None:
    with pytest.raises(UsageError, match="not in this store"):
        Atlas(mixed).share(population="nowhere")
    with pytest.raises(UsageError):
        Atlas(mixed).share(population="Bad Name!")


def test_range_picks_the_population_that_has_it(mixed: Store) -> None:
    df = Atlas(mixed).share(by="org", since="2025-03", until="2025-05")
    assert set(df["population"]) == {"trending"}


def test_partial_period_and_snapshots(mixed: Store) -> None:
    df = Atlas(mixed).share(by="region", population="trending")
    per = df.groupby("period").agg(partial=("partial", "first"),
                                   snapshots=("snapshots", "first"),
                                   last=("last_snapshot", "first"))
    assert not per.loc["2025-03", "partial"] and per.loc["2025-03", "snapshots"] == 2
    assert per.loc["2025-05", "partial"] and str(per.loc["2025-05", "last"])[:10] == "2025-05-05"


def test_coverage_is_the_known_fraction(mixed: Store) -> None:
    df = Atlas(mixed).share(by="region", population="trending")
    march = df[df["period"] == "2025-03"].set_index("group")
    # a/x 8 (us), c/z 92 (eu), q/left 500 (not in the catalog: unknown)
    assert march.loc["unknown", "value"] == 500
    assert march["coverage"].iloc[0] == pytest.approx(100 / 600)
    assert march["share"].sum() == pytest.approx(1.0)


def test_present_at_end_drops_models_that_left(mixed: Store) -> None:
    atlas = Atlas(mixed)
    stated = atlas.share(by="org", population="trending")
    at_end = atlas.share(by="org", population="trending", present_at_end=True)
    m1 = stated[stated["period"] == "2025-03"].set_index("group")["value"]
    m2 = at_end[at_end["period"] == "2025-03"].set_index("group")["value"]
    assert m1["q"] == 500 and m2.get("q", 0) == 0       # left the list on 10 March
    assert m1["a"] == m2["a"] == 8
    conc = atlas.concentration(population="trending", present_at_end=True)
    assert conc.loc[conc["period"] == "2025-03", "total"].iloc[0] == 100


def test_concentration_carries_population_and_coverage(mixed: Store) -> None:
    c = Atlas(mixed).concentration()
    assert list(c["population"].unique()) == ["hub"]
    assert (c["coverage"] == 1.0).all() and not c["partial"].any()


def test_top_follows_the_substantial_rule(mixed: Store) -> None:
    atlas = Atlas(mixed)
    top = atlas.top(by="org", population="trending", min_value=50)
    assert list(top["period"].unique()) == ["2025-03"]     # May is partial: not ranked
    assert list(top["group"]) == ["q", "c"]                 # a/x (8) is below 50
    assert "at least 50 downloads" in top["rule"].iloc[0]
    assert atlas.top(by="org").empty                     # 50 downloads < 1,000 (default)
    hub = atlas.top(by="org", min_value=10)
    assert list(hub["group"]) == ["a", "b"] and set(hub["period"]) == {"2025-02"}


def test_until_a_month_is_its_last_day(mixed: Store) -> None:
    atlas = Atlas(mixed)
    a = atlas.share(by="org", until="2025-02")
    b = atlas.share(by="org", until="2025-02-28")
    assert a.equals(b) and "2025-02" in set(a["period"])


def test_atom_population_reads_the_tracked_list(mixed: Store, tmp_path: Path) -> None:
    from modelatlas.metrics.atom_reference import load_atom

    folder = tmp_path / "atom"
    folder.mkdir()
    (folder / "models.csv").write_text("org,model,modelId\nc,z,c/z\n", encoding="utf-8")
    load_atom(mixed, folder)
    df = Atlas(mixed).share(by="org", population="atom")
    assert set(df["group"]) == {"c"} and set(df["population"]) == {"atom"}
    assert df.loc[df["period"] == "2025-03", "value"].iloc[0] == 92
    # curated lists are never the default
    assert set(Atlas(mixed).share(by="org")["population"]) == {"hub"}
