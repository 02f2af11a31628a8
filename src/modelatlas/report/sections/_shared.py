"""Helpers shared by section modules (presentation only: no metric definitions)."""

from __future__ import annotations

import pandas as pd

TOP = 15


def latest(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    return df[df["period"] == df["period"].max()]


def top_groups(df: pd.DataFrame, n: int = TOP) -> pd.DataFrame:
    """The latest period's top ``n`` groups (by value, groups with a value only), ranked."""
    last = latest(df)
    last = last[last["value"] > 0].sort_values(["value", "group"], ascending=[False, True])
    last = last.head(n)
    return last.assign(rank=range(1, len(last) + 1)).reset_index(drop=True)


def unknown_share(df: pd.DataFrame) -> str:
    from modelatlas.report.text import pct

    if df.empty:
        return "n/a"
    last = latest(df)
    return pct(float(last.loc[last["group"] == "unknown", "share"].sum()))
