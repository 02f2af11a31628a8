"""Vega-Lite specs for the views only the dashboard has, in the report's style.

The report's charts (:mod:`modelatlas.report.charts`) draw share over time,
top groups, licence mix per region and RAM; pages use them as they are. The
views here belong to one organisation or one tree: a count of an
organisation's listed models per creation month or licence (the listed rows
counted per month or licence, so the chart covers exactly the rows shown and its
data stays a few hundred values however many models an organisation has),
tree sizes, and a tree's descendants by relation and generation. They take
API answers (lists of dicts) and return specs; no store access, no metric.
"""

from __future__ import annotations

from typing import Any

import altair as alt
import pandas as pd

from modelatlas.report import charts

WIDTH = charts.WIDTH - 120
RELATIONS = ["finetune", "adapter", "quantized", "merge", "unknown"]
RELATION_COLORS = ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#bdbdbd"]


def region_series(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """The report's region share over time: bars with gaps and partial months where the
    report has them (``region_bars``, issue 12), its stacked area before."""
    draw = getattr(charts, "region_bars", None) or getattr(charts, "region_area")  # noqa: B009
    return charts.spec(draw(df, title))


def family_series(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """The report's share over time of any other grouping (top groups + other), as
    :func:`region_series` picks it."""
    draw = getattr(charts, "family_bars", None) or getattr(charts, "family_area")  # noqa: B009
    return charts.spec(draw(df, title))


def releases(models: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Listed models per month of creation on the Hub."""
    months = pd.Series([str(m["created_at"])[:7] for m in models if m.get("created_at")],
                       dtype="string")
    if months.empty:
        return None
    df = months.value_counts().sort_index().rename_axis("period").reset_index(name="models")
    df["month"] = df["period"] + "-01"
    chart = alt.Chart(df, title="Models created per month").mark_bar(
        color="#4c72b0").encode(
        x=alt.X("yearmonth(month):T", title=None),
        y=alt.Y("models:Q", title="models"),
        tooltip=[alt.Tooltip("period:N", title="month"),
                 alt.Tooltip("models:Q", title="models", format=",")],
    ).properties(width=WIDTH, height=180)
    return charts.spec(chart)


def licence_mix(models: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Listed models per canonical licence id (unknown when none resolved)."""
    if not models:
        return None
    df = (pd.Series([str(m.get("license_id") or "unknown") for m in models], dtype="string")
          .value_counts().rename_axis("licence").reset_index(name="models"))
    chart = alt.Chart(df, title="Licences of the listed models").mark_bar(
        color="#72b7b2").encode(
        x=alt.X("models:Q", title="models"),
        y=alt.Y("licence:N", sort="-x", title=None),
        tooltip=["licence:N", alt.Tooltip("models:Q", title="models", format=",")],
    ).properties(width=WIDTH // 2, height=max(80, 18 * len(df)))
    return charts.spec(chart)


def tree_sizes(trees: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Derivatives under each root (largest first)."""
    if not trees:
        return None
    df = pd.DataFrame([{"root": t["root"], "size": t["size"], "depth": t["max_depth"]}
                       for t in trees])
    chart = alt.Chart(df, title="Derivatives per root model").mark_bar(
        color="#f58518").encode(
        x=alt.X("size:Q", title="derivatives (all generations)"),
        y=alt.Y("root:N", sort="-x", title=None),
        tooltip=["root:N", alt.Tooltip("size:Q", format=","),
                 alt.Tooltip("depth:Q", title="deepest generation")],
    ).properties(width=WIDTH // 2, height=max(80, 18 * len(df)))
    return charts.spec(chart)


def descendants(by_relation: dict[str, int], by_generation: dict[str, int]
                ) -> dict[str, Any] | None:
    """A tree's descendants by relation and by generation, side by side."""
    if not sum(by_relation.values()):
        return None
    rel = pd.DataFrame([{"relation": k, "models": v} for k, v in by_relation.items()])
    gen = pd.DataFrame([{"generation": int(k), "models": v} for k, v in by_generation.items()])
    left = alt.Chart(rel, title="by relation").mark_bar().encode(
        x=alt.X("models:Q"), y=alt.Y("relation:N", sort=RELATIONS, title=None),
        color=alt.Color("relation:N", scale=alt.Scale(domain=RELATIONS,
                                                      range=RELATION_COLORS), legend=None),
        tooltip=["relation:N", alt.Tooltip("models:Q", format=",")],
    ).properties(width=WIDTH // 2 - 60, height=120)
    right = alt.Chart(gen, title="by generation (1 = direct children)").mark_bar(
        color="#4c72b0").encode(
        x=alt.X("generation:O"), y=alt.Y("models:Q"),
        tooltip=["generation:O", alt.Tooltip("models:Q", format=",")],
    ).properties(width=WIDTH // 2 - 60, height=120)
    return charts.spec(alt.hconcat(left, right))


def openness_by_origin(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Shares of systems with open weights, open data, an OSI licence (and meeting OSAID)
    per origin group, as the ``openness --by`` answer gives them."""
    measures = [(k, k.removeprefix("share_").replace("_", " ")) for k in
                ("share_weights_open", "share_data_open", "share_license_osi",
                 "share_meets_osaid")]
    long = [{"group": r["group"], "measure": label, "share": r[k], "systems": r.get("systems")}
            for r in rows for k, label in measures if r.get(k) is not None]
    if not long:
        return None
    chart = alt.Chart(pd.DataFrame(long), title="Share of systems, by origin").mark_bar().encode(
        x=alt.X("share:Q", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]),
                title=None),
        y=alt.Y("measure:N", title=None),
        color=alt.Color("measure:N", legend=None),
        row=alt.Row("group:N", title=None),
        tooltip=["group:N", "measure:N", alt.Tooltip("share:Q", format=".1%"),
                 alt.Tooltip("systems:Q", title="systems rated")],
    ).properties(width=WIDTH // 2, height=70)
    return charts.spec(chart)
