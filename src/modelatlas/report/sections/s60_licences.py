"""Licence mix of new models by region."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.text import month_name, pct


def build(ctx: ReportContext) -> list[Section]:
    lm = ctx.table("licence_mix", "license-mix", {"weight": "models", "regions": ctx.regions})
    facts: list[str] = []
    table = None
    if not lm.empty:
        pop = str(lm["population"].dropna().iloc[0]) if lm["population"].notna().any() else "?"
        known = float(lm.loc[lm["licence"] != "unknown", "value"].sum())
        total = float(lm["value"].sum())
        last = str(lm["period"].max())
        facts = [f"Population \u201c{pop}\u201d (the one with the most dated models; "
                 "trending lists carry no creation date or licence tags).",
                 f"Licence known for {pct(known / total if total else None)} of "
                 f"{total:,.0f} new models; latest month {month_name(last)}."]
        t = lm.groupby(["region", "licence"], as_index=False)["value"].sum()
        t["share"] = t["value"] / t.groupby("region")["value"].transform("sum")
        table = t.sort_values(["region", "value"], ascending=[True, False]).groupby(
            "region").head(4).reset_index(drop=True)
    return [Section(
        "licences", "Licence mix by region",
        "Licences of new models per month, by the uploader's region.",
        charts.spec(charts.licence_bars(lm, "Licence mix of new models")) if not lm.empty
        else None, table,
        ["Licence family from the licence catalog where it has mapped the model's licence, "
         "else the raw license tag, else 'unknown'.",
         "Table: the four most common licences of each region over the range."],
        "No dated models in any population, so no monthly licence mix (trending lists "
        "carry no creation date).", data=["licence_mix"], facts=facts)]


SECTION = ReportSection(60, build)
