"""Release cadence: new models per month and mainline rhythm per organisation."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import TOP
from modelatlas.report.text import pct


def build(ctx: ReportContext) -> list[Section]:
    every = ctx.query("cadence", {"monthly": True})
    rel = ctx.table("releases_monthly", "cadence", {"monthly": True, "catalogued": True})
    iv = ctx.table("release_intervals", "cadence",
                   {"monthly": False, "limit": TOP, "catalogued": True})
    facts: list[str] = []
    if not every.empty:
        pop = str(every["population"].dropna().iloc[0]) if every["population"].notna().any() \
            else "?"
        total = int(every["new_models"].sum())
        known = int(rel["new_models"].sum()) if not rel.empty else 0
        facts = [f"Population \u201c{pop}\u201d (the one with the most dated models).",
                 f"{known:,} of its {total:,} dated new models ({pct(known / total)}) come "
                 "from catalogued organisations; only those are shown (a release rhythm is "
                 "a developer's, not a bulk uploader's)."]
    return [Section(
        "cadence", "Release cadence",
        "New models per month by organisation, and how often each organisation ships a "
        "mainline (non-derivative) model.",
        charts.spec(charts.releases_bars(rel, "New models per month (catalogued "
                                              "organisations)")) if not rel.empty
        else None, iv if not iv.empty else None,
        ["Release date: ATOM's corrected date when imported, else the Hub creation date; "
         "models without either are left out.",
         "Mainline = no base model in the lineage graph; median days between consecutive "
         "mainline releases."],
        "No dated models from catalogued organisations in any population (trending lists "
        "carry no creation date).",
        data=["releases_monthly", "release_intervals"], facts=facts)]


SECTION = ReportSection(40, build)
