"""Vega-Lite charts (Altair) for the report, one function per chart, from report tables.

Charts get only aggregated tables (tens to hundreds of rows), so the page stays
small even for a Hub-scale store. Region colours are fixed so every chart agrees.

Time series never invent data: monthly shares are bars on a time axis (a month
without a snapshot is an empty slot, not a line drawn across it), lines are cut
into segments at every gap, and partial months are drawn lighter.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from modelatlas.report.text import REGION_NAME

WIDTH = 760
REGIONS = ["China", "U.S.", "EU", "Other", "Unknown"]
REGION_COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#b0b0b0"]
TOP_N = 8


def _month(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(month=pd.to_datetime(df["period"] + "-01", errors="coerce"))


def _complete(df: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    """Every (period, key) pair of the periods present, missing ones as 0 (periods
    that are absent stay absent: they are gaps)."""
    if df.empty:
        return df
    full = pd.MultiIndex.from_product([sorted(df["period"].unique()), sorted(df[key].unique())],
                                      names=["period", key])
    out = df.groupby(["period", key])[value].sum().reindex(full, fill_value=0.0)
    return out.reset_index()


def segments(periods: pd.Series) -> pd.Series:
    """A segment number per 'YYYY-MM' period that grows at every gap (a month with
    no data): lines drawn per segment never cross a gap."""
    month = pd.to_datetime(periods + "-01", errors="coerce")
    idx = month.dt.year * 12 + month.dt.month
    order = idx.drop_duplicates().sort_values()
    seg = (order.diff().fillna(1) > 1).cumsum()
    mapping = dict(zip(order, seg, strict=True))
    return idx.map(mapping)


def _state(df: pd.DataFrame) -> pd.Series:
    """'partial' / 'complete' label per row (from a boolean ``partial`` column)."""
    if "partial" not in df.columns:
        return pd.Series("complete", index=df.index)
    return df["partial"].map(lambda v: "partial" if (pd.notna(v) and bool(v)) else "complete")


def _others(df: pd.DataFrame, key: str, n: int = TOP_N) -> pd.DataFrame:
    """Keep the ``n`` largest values of ``key`` (by total), fold the rest into 'other'."""
    keep = df.groupby(key)["value"].sum().sort_values(ascending=False).head(n).index
    out = df.copy()
    out[key] = out[key].where(out[key].isin(keep), "other")
    return out


PALETTE = ["#4c78a8", "#f58518", "#e45756", "#72b7b2", "#54a24b", "#eeca3b", "#b279a2",
           "#ff9da6", "#9d755d"]
GREYS = {"unknown": "#bdbdbd", "other": "#e0e0e0"}


def _category_scale(values: pd.Series) -> alt.Scale:
    """Stable colours: named categories from the palette, unknown/other in grey (last)."""
    named = sorted(v for v in values.dropna().unique() if v not in GREYS)
    greys = [g for g in GREYS if g in set(values)]
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(named))] + [GREYS[g] for g in greys]
    return alt.Scale(domain=named + greys, range=colours)


STATE_SCALE = alt.Scale(domain=["complete", "partial"], range=[0.95, 0.35])


def region_bars(df: pd.DataFrame, title: str) -> alt.Chart:
    """Stacked bars of monthly download share by region of the credited developer:
    one bar per month with a snapshot (gaps stay empty), partial months lighter."""
    d = df.assign(region=df["group"].map(lambda g: REGION_NAME.get(g, g)))
    state = d.groupby("period")["partial"].first() if "partial" in d else None
    d = _complete(d, "region", "share").merge(
        d.groupby(["period", "region"], as_index=False)["value"].sum(),
        on=["period", "region"], how="left")
    d = d.fillna({"value": 0.0})
    d["state"] = (d["period"].map(state).map(
        lambda v: "partial" if (pd.notna(v) and bool(v)) else "complete")
        if state is not None else "complete")
    d = _month(d)
    chart: alt.Chart = alt.Chart(d, title=title).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
        color=alt.Color("region:N", scale=alt.Scale(domain=REGIONS, range=REGION_COLORS),
                        legend=alt.Legend(orient="top", title=None)),
        opacity=alt.Opacity("state:N", scale=STATE_SCALE,
                            legend=alt.Legend(orient="top", title="month")),
        order=alt.Order("region:N"),
        tooltip=[alt.Tooltip("period:N"), "region:N", "state:N",
                 alt.Tooltip("share:Q", format=".1%"), alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=WIDTH, height=260)
    return chart


def top_bars(df: pd.DataFrame, title: str, width: int = WIDTH // 2 - 60) -> alt.Chart:
    """Horizontal bars of the latest period's share for the top groups."""
    chart: alt.Chart = alt.Chart(df, title=title).mark_bar(color="#4c72b0").encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), title="share of downloads"),
        y=alt.Y("group:N", sort="-x", title=None),
        tooltip=["group:N", alt.Tooltip("share:Q", format=".2%"),
                 alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=width, height=max(120, 18 * len(df)))
    return chart


def family_bars(df: pd.DataFrame, title: str) -> alt.Chart:
    """Stacked bars of derivative share by root family per month (top families + other;
    months without derivatives stay empty)."""
    d = _month(_complete(_others(df, "group"), "group", "share"))
    chart: alt.Chart = alt.Chart(d, title=title).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
        color=alt.Color("group:N", scale=_category_scale(d["group"]),
                        legend=alt.Legend(orient="right", title="root family")),
        tooltip=["period:N", "group:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=WIDTH - 140, height=240)
    return chart


def releases_bars(df: pd.DataFrame, title: str) -> alt.Chart:
    """New models per month, stacked by the most active organisations."""
    d = _others(df.rename(columns={"new_models": "value"}), "org")
    d = _month(d.groupby(["period", "org"], as_index=False)["value"].sum())
    chart: alt.Chart = alt.Chart(d, title=title).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("value:Q", title="new models"),
        color=alt.Color("org:N", scale=_category_scale(d["org"]),
                        legend=alt.Legend(orient="right", title="organisation")),
        tooltip=["period:N", "org:N", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=WIDTH - 160, height=240)
    return chart


def concentration_lines(direct: pd.DataFrame, root: pd.DataFrame) -> alt.VConcatChart:
    """Top-10 / community / unknown shares and HHI over time, both attributions."""
    frames = []
    for name, df in (("direct", direct), ("root", root)):
        if df.empty:
            continue
        m = _month(df)
        seg = segments(m["period"])
        for col, label in (("top10_share", "top-10 orgs"), ("community_share", "community"),
                           ("unknown_share", "unknown")):
            frames.append(pd.DataFrame({"month": m["month"], "period": m["period"],
                                        "value": m[col], "measure": label,
                                        "attribution": name, "segment": seg,
                                        "state": _state(m)}))
    long = pd.concat(frames) if frames else pd.DataFrame(
        columns=["month", "period", "value", "measure", "attribution", "segment", "state"])
    shares = alt.Chart(long, title="Share of downloads").mark_line(point=True).encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("value:Q", axis=alt.Axis(format="%"), title=None,
                scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("measure:N", legend=alt.Legend(orient="top", title=None)),
        strokeDash=alt.StrokeDash("attribution:N", legend=alt.Legend(orient="top")),
        detail="segment:N",
        opacity=alt.Opacity("state:N", scale=STATE_SCALE, legend=None),
        tooltip=["period:N", "measure:N", "attribution:N", "state:N",
                 alt.Tooltip("value:Q", format=".1%")],
    ).properties(width=WIDTH, height=200)
    hh = pd.concat([_month(df).assign(attribution=n, segment=segments(df["period"]))
                    for n, df in (("direct", direct), ("root", root)) if not df.empty]) if not (
        direct.empty and root.empty) else pd.DataFrame(columns=["month", "period", "hhi",
                                                                 "attribution", "segment"])
    hhi = alt.Chart(hh, title="Herfindahl-Hirschman index across organisations").mark_line(
        point=True, color="#444").encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("hhi:Q", title="HHI (0-10,000)"),
        strokeDash=alt.StrokeDash("attribution:N"),
        detail="segment:N",
        tooltip=["period:N", "attribution:N", alt.Tooltip("hhi:Q", format=",.0f")],
    ).properties(width=WIDTH, height=160)
    return alt.vconcat(shares, hhi)


def licence_bars(df: pd.DataFrame, title: str) -> alt.Chart:
    """Licence mix of new models per region over time (normalised stacked bars)."""
    d = _others(df, "licence")
    d = d.assign(region=d["region"].map(lambda g: REGION_NAME.get(g, g)))
    d = _month(d.groupby(["period", "region", "licence"], as_index=False)["value"].sum())
    chart: alt.Chart = alt.Chart(d, title=title).mark_bar().encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("value:Q", stack="normalize", axis=alt.Axis(format="%"), title="share"),
        color=alt.Color("licence:N", scale=_category_scale(d["licence"]),
                        legend=alt.Legend(orient="right", title="licence")),
        row=alt.Row("region:N", title=None, sort=REGIONS),
        tooltip=["period:N", "region:N", "licence:N", alt.Tooltip("value:Q", format=",.0f")],
    ).properties(width=WIDTH - 200, height=90)
    return chart


def ram_bars(df: pd.DataFrame, title: str) -> alt.Chart:
    """RAM leaders: ratio to the 10th model of the size class at the same age."""
    d = df.assign(label=df["model_id"] + " (" + df["size_class"].astype(str) + ")")
    chart: alt.Chart = alt.Chart(d, title=title).mark_bar(color="#dd8452").encode(
        x=alt.X("ram:Q", title="RAM (1 = 10th of its size class)"),
        y=alt.Y("label:N", sort="-x", title=None),
        tooltip=["model_id:N", "size_class:N", alt.Tooltip("ram:Q", format=".2f"),
                 alt.Tooltip("cumulative_downloads:Q", format=",.0f")],
    ).properties(width=WIDTH - 320, height=max(120, 18 * len(d)))
    return chart


def spec(chart: Any) -> dict[str, Any]:
    """The Vega-Lite JSON spec of a chart (data inlined)."""
    d: dict[str, Any] = chart.to_dict()
    return d
