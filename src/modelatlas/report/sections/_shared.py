"""Helpers shared by section modules (presentation only: no metric definitions)."""

from __future__ import annotations

import pandas as pd

from modelatlas.report.text import REGION_NAME

TOP = 15


def latest(df: pd.DataFrame) -> pd.DataFrame:
    if df.empty:
        return df
    return df[df["period"] == df["period"].max()]


def share_pivot(df: pd.DataFrame, top: int | None = None) -> pd.DataFrame:
    """period x group shares (a chart's numbers, newest period first), with the
    period's coverage and partial flag; ``top`` folds the smaller groups into 'other'."""
    if df.empty:
        return df
    d = df.assign(col=df["group"].map(lambda g: REGION_NAME.get(g, g)))
    if top is not None:
        keep = d.groupby("col")["value"].sum().sort_values(ascending=False).head(top).index
        d["col"] = d["col"].where(d["col"].isin(keep), "other")
    wide = d.pivot_table(index="period", columns="col", values="share", aggfunc="sum")
    per = df.groupby("period").agg(coverage=("coverage", "first"),
                                   partial=("partial", "first"))
    out = wide.join(per).reset_index()
    out.columns = [str(c) if c in ("period", "coverage", "partial") else f"{c} share"
                   for c in out.columns]
    return out.sort_values("period", ascending=False).reset_index(drop=True)
