"""Every table behind the report, computed once from the metrics (tidy DataFrames).

The report shows nothing that is not in one of these tables, and writes each
as CSV and Parquet next to index.html, so every number can be checked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from modelatlas.metrics import cadence, concentration, licence_mix, ram, share
from modelatlas.store.db import Store

TOP = 15


@dataclass
class ReportData:
    """The report's tables plus facts about the data (coverage, simulated)."""

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, object] = field(default_factory=dict)


def _latest(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    return df[df["period"] == df["period"].max()]


def _top_groups(df: pd.DataFrame, n: int = TOP) -> pd.DataFrame:
    """The latest period's top ``n`` groups (by value), ranked."""
    last = _latest(df).sort_values(["value", "group"], ascending=[False, True]).head(n)
    return last.assign(rank=range(1, len(last) + 1)).reset_index(drop=True)


def _derivatives(store: Store, since: dt.date | None, until: dt.date | None) -> pd.DataFrame:
    try:
        from modelatlas.metrics import derivatives
    except ImportError:
        return pd.DataFrame(columns=["period", "group", "value", "share"])
    df: pd.DataFrame = derivatives.derivative_share(store, "family", "month", since, until)
    return df


def facts(store: Store) -> dict[str, object]:
    """Coverage of the store: snapshots, dates, models, and whether any data is simulated."""
    row = store.rows(
        "SELECT count(*) AS snapshots, min(snapshot) AS first_snapshot,"
        " max(snapshot) AS last_snapshot, coalesce(bool_or(simulated), FALSE) AS simulated"
        " FROM snapshots")[0]
    row["models"] = int(store.scalar("SELECT count(*) FROM models") or 0)
    row["observations"] = int(store.scalar("SELECT count(*) FROM observations") or 0)
    row["orgs_known"] = int(store.scalar("SELECT count(*) FROM orgs") or 0)
    row["has_alltime"] = bool(store.scalar(
        "SELECT count(*) > 0 FROM observations WHERE downloads_all_time IS NOT NULL"))
    row["gguf_models"] = int(store.scalar(
        "SELECT count(*) FROM models WHERE list_contains(formats, 'gguf')") or 0)
    return row


def collect(
    store: Store, since: dt.date | None = None, until: dt.date | None = None
) -> ReportData:
    """Run every metric the report needs (each one set-based query)."""
    t: dict[str, pd.DataFrame] = {}
    # each downloads cube is computed once and shared by the share and concentration tables
    direct = share.materialize_cube(store, "report_direct", "downloads", "direct", "month",
                                    since, until)
    root = share.materialize_cube(store, "report_root", "downloads", "root", "month",
                                  since, until)
    try:
        t["share_region_root"] = share.share(store, by="region", cube_table=root)
        t["share_region_direct"] = share.share(store, by="region", cube_table=direct)
        t["top_orgs_direct"] = _top_groups(share.share(store, by="org", cube_table=direct))
        t["top_orgs_root"] = _top_groups(share.share(store, by="org", cube_table=root))
        t["top_families"] = _top_groups(share.share(store, by="family", cube_table=root))
        t["concentration_direct"] = concentration.concentration(store, cube_table=direct)
        t["concentration_root"] = concentration.concentration(store, attribution="root",
                                                              cube_table=root)
    finally:
        for table in (direct, root):
            store.con.execute(f"DROP TABLE IF EXISTS {table}").fetchall()
    t["derivative_share_family"] = _derivatives(store, since, until)
    t["releases_monthly"] = cadence.monthly_releases(store, since=since, until=until)
    t["release_intervals"] = cadence.release_intervals(store, since=since, until=until).head(TOP)
    t["licence_mix"] = licence_mix.licence_mix(store, weight="models", since=since, until=until)
    t["ram_leaders_30d"] = ram.leaders(store, days=30, top=TOP)
    t["ram_leaders_90d"] = ram.leaders(store, days=90, top=TOP)
    return ReportData(tables=t, facts=facts(store))
