"""Adoption share: the definition checked against an independent pandas computation,
and attribution (direct, root with merges, unknown orgs) on small hand-built stores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from modelatlas.atlas import Atlas
from modelatlas.errors import UsageError
from modelatlas.pipeline import ingest_files
from modelatlas.store.db import Store
from tests.adoption_data import load, obs, set_orgs, set_roots


def _independent_org_share(store: Store) -> pd.DataFrame:
    """The documented definition, in plain pandas over the raw tables."""
    o = store.con.execute(
        "SELECT model_id, snapshot, downloads_30d, carried_over FROM observations").df()
    m = store.con.execute("SELECT id, org FROM models").df()
    orgs = store.con.execute("SELECT org, namespace FROM orgs").df()
    o = o[(~o["carried_over"]) & o["downloads_30d"].notna()].copy()
    o["period"] = pd.to_datetime(o["snapshot"]).dt.strftime("%Y-%m")
    o = o.sort_values("snapshot").groupby(["model_id", "period"], as_index=False).last()
    ns = dict(zip(orgs["org"], orgs["namespace"], strict=True))
    org_of = {}
    for mid, org in zip(m["id"], m["org"], strict=True):
        raw = org if isinstance(org, str) else (mid.split("/")[0] if "/" in mid else None)
        org_of[mid] = ns.get(raw.lower(), raw) if raw else "unknown"
    o["group"] = o["model_id"].map(org_of)
    g = o.groupby(["period", "group"], as_index=False)["downloads_30d"].sum()
    g["share"] = g["downloads_30d"] / g.groupby("period")["downloads_30d"].transform("sum")
    return g.rename(columns={"downloads_30d": "value"})


def test_monthly_org_share_matches_definition_on_real_data(
    shared_data: Path, store: Store
) -> None:
    folder = shared_data / "hf-trending-feature-extraction"
    files = sorted(folder.glob("*-0[1-3]-2025.parquet")) + sorted(
        folder.glob("*-0[1-2]-2026.parquet"))
    assert len(files) > 100
    ingest_files(store, files)
    got = _share(store, by="org", metric="downloads", attribution="direct", freq="month")
    want = _independent_org_share(store)
    assert len(want) > 0
    merged = want.merge(got, on=["period", "group"], suffixes=("_want", "_got"))
    # the answer is dense: a group absent from a month is there with 0
    extra = got.merge(want, on=["period", "group"], how="left", indicator=True)
    assert (extra.loc[extra["_merge"] == "left_only", "value_x"] == 0).all()
    assert len(merged) == len(want)
    assert (merged["value_want"] - merged["value_got"]).abs().max() <= 1e-9
    assert (merged["share_want"] - merged["share_got"]).abs().max() <= 1e-9
    sums = got.groupby("period")["share"].sum()
    assert ((sums - 1).abs() < 1e-9).all()
    assert set(got["period"]) == {"2025-01", "2025-02", "2025-03", "2026-01", "2026-02"}


def _share(store: Store, **kw: object) -> pd.DataFrame:
    """The share query's rows in the columns these tests compare."""
    df = Atlas(store).share(**kw)  # type: ignore[arg-type]
    return df[["period", "group", "value", "share"]]


@pytest.fixture
def small(store: Store, tmp_path: Path) -> Store:
    """Four models over three snapshots in two months.

    a/base (us lab) is a root; b/ft fine-tunes it (uploader b is in no catalog);
    c/merge merges a/base and z/other (china); z/other itself.
    """
    load(store, tmp_path, [
        obs("a/base", "2025-01-10", 100), obs("a/base", "2025-01-31", 150),
        obs("b/ft", "2025-01-10", 40), obs("b/ft", "2025-01-31", 60),
        obs("c/merge", "2025-01-31", 200),
        obs("z/other", "2025-01-10", 5),          # absent at the month's last snapshot
        obs("a/base", "2025-02-15", 10, likes=3), obs("b/ft", "2025-02-15", 30, likes=1),
    ])
    set_orgs(store, [("a", "US", "us", "lab"), ("z", "CN", "china", "big-tech"),
                     ("c", "DE", "eu", "community")])
    set_roots(store, [("a/base", "a/base", 1.0, "Alpha"), ("b/ft", "a/base", 1.0, "Alpha"),
                      ("c/merge", "a/base", 0.5, "Alpha"), ("c/merge", "z/other", 0.5, "Zed"),
                      ("z/other", "z/other", 1.0, "Zed")])
    return store


def _as_dict(df: pd.DataFrame, period: str) -> dict[str, float]:
    """Non-zero values of a period (the answer is dense: absent groups are 0)."""
    d = df[(df["period"] == period) & (df["value"] != 0)]
    return dict(zip(d["group"], d["value"], strict=True))


def test_direct_attribution_uses_last_snapshot_and_unknown_orgs(small: Store) -> None:
    df = _share(small, by="region", attribution="direct")
    # a/base 150 (us); b/ft 60 (unknown); c/merge 200 (eu); z/other 5 (china, last seen 01-10)
    assert _as_dict(df, "2025-01") == {"us": 150, "unknown": 60, "eu": 200, "china": 5}
    jan = df[df["period"] == "2025-01"]
    assert jan["share"].sum() == pytest.approx(1.0)
    assert float(jan.loc[jan["group"] == "eu", "share"].iloc[0]) == pytest.approx(200 / 415)
    by_org = _share(small, by="org", attribution="direct")
    assert _as_dict(by_org, "2025-02") == {"a": 10, "b": 30}
    feb = by_org[by_org["period"] == "2025-02"].set_index("group")
    assert feb.loc["c", "value"] == 0 and feb.loc["z", "share"] == 0   # dense, not NaN


def test_root_attribution_splits_merges_by_weight(small: Store) -> None:
    df = _share(small, by="region", attribution="root")
    # us: 150 + 60 + 100 (half the merge); china: 5 + 100
    assert _as_dict(df, "2025-01") == {"us": 310, "china": 105}
    fam = _share(small, by="family", attribution="direct")  # family always credits roots
    assert _as_dict(fam, "2025-01") == {"Alpha": 310, "Zed": 105}


def test_root_attribution_falls_back_to_the_model_without_roots(small: Store) -> None:
    set_roots(small, [])
    set_orgs(small, [])
    root = _share(small, by="org", attribution="root")
    direct = _share(small, by="org", attribution="direct")
    pd.testing.assert_frame_equal(root, direct)
    assert set(_share(small, by="region")["group"]) == {"unknown"}


def test_likes_models_snapshot_freq_and_range(small: Store) -> None:
    likes = _share(small, by="org", metric="likes", since="2025-02")
    assert _as_dict(likes, "2025-02") == {"a": 3, "b": 1}
    models = _share(small, by="org", metric="models")
    assert _as_dict(models, "2025-01") == {"a": 1, "b": 1, "c": 1, "z": 1}
    snap = _share(small, by="org", freq="snapshot", until="2025-01-10")
    assert set(snap["period"]) == {"2025-01-10"}
    assert _as_dict(snap, "2025-01-10") == {"a": 100, "b": 40, "z": 5}


def test_downloads_alltime_difference(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [
        obs("a/x", "2025-01-31", 9, all_time=1000), obs("a/x", "2025-02-28", 9, all_time=1300),
        obs("a/x", "2025-04-30", 9, all_time=2000),   # March missing: April undefined
        obs("b/y", "2025-01-31", 9, all_time=50), obs("b/y", "2025-02-28", 9, all_time=40),
    ])
    df = _share(store, by="org", metric="downloads_alltime")
    assert df.to_dict("records") == [
        {"period": "2025-02", "group": "a", "value": 300.0, "share": 1.0}]


@pytest.mark.parametrize("kw", [{"by": "planet"}, {"metric": "stars"},
                                {"attribution": "x"}, {"freq": "year"}, {"since": "May"}])
def test_bad_options_are_usage_errors(store: Store, kw: dict[str, str]) -> None:
    with pytest.raises(UsageError):
        _share(store, **kw)


@pytest.mark.parametrize("attribution", ["direct", "root"])
def test_shared_cube_gives_the_same_shares(small: Store, attribution: str) -> None:
    """A read-only reader reuses one cube per (metric, attribution, freq) for every
    whole-period range; the answers equal a fresh computation."""
    import duckdb

    from modelatlas.store.db import open_store

    path = small.path
    assert path is not None
    fresh = {by: _share(small, by=by, attribution=attribution) for by in ("region", "org")}
    conc = Atlas(small).concentration(attribution=attribution)
    small.close()
    with Atlas(open_store(path, read_only=True)) as ro:
        for by in ("region", "org"):
            got = ro.share(by=by, attribution=attribution)[["period", "group", "value", "share"]]
            pd.testing.assert_frame_equal(fresh[by], got)
        pd.testing.assert_frame_equal(conc, ro.concentration(attribution=attribution))
        cubes = ro.store.con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE database_name = 'ma_cache'"
            " AND table_name LIKE '_ma_cube_%'").fetchall()[0][0]
        assert cubes == 1   # share by region, by org and concentration shared one cube
    assert isinstance(duckdb.__version__, str)
