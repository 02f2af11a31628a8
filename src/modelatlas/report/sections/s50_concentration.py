"""Concentration of downloads across organisations."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.text import month_name, pct


def build(ctx: ReportContext) -> list[Section]:
    cd = ctx.table("concentration_direct", "concentration", {"attribution": "direct"})
    cr = ctx.table("concentration_root", "concentration", {"attribution": "root"})
    lead = "How concentrated downloads are across organisations."
    if not cr.empty:
        r = cr.iloc[-1]
        lead += (f" In {month_name(str(r['period']))} the ten largest organisations drew "
                 f"{pct(r['top10_share'])} of downloads (root attribution), HHI "
                 f"{r['hhi']:,.0f}.")
    return [Section(
        "concentration", "Concentration", lead,
        charts.spec(charts.concentration_lines(cd, cr)) if not (cd.empty and cr.empty)
        else None, cr if not cr.empty else None,
        ["HHI = sum of squared org shares x 10,000 (above 1,800: highly concentrated, U.S. "
         "DOJ/FTC merger guidelines).",
         "Community share = orgs of kind 'community' in the catalog; 'unknown' namespaces "
         "(not in the catalog) are mostly individuals, so community share is a lower bound.",
         "For comparison, Economies of Open Intelligence (2025) reports community developers "
         "growing from about 30% to over 60% of the ecosystem."],
        "No download observations in this range.",
        data=["concentration_direct", "concentration_root"])]


SECTION = ReportSection(50, build)
