"""Derivative share by root family."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import share_pivot
from modelatlas.report.text import coverage_line


def build(ctx: ReportContext) -> list[Section]:
    der = ctx.table("derivative_share_family", "derivatives",
                    {"metric": "share", "by": "family", "freq": "month"})
    facts = []
    if not der.empty:
        line = coverage_line(der.assign(partial=False), "the root's family")
        n = float(der["value"].sum())
        facts = [line, f"{n:,.0f} derivatives (models naming a base model) in this population "
                       "and range."]
    table = share_pivot(der, top=8).drop(columns=["partial"]) if not der.empty else None
    return [Section(
        "derivatives", "Derivative share by root family",
        "Which families new fine-tunes, adapters, quantizations and merges build on, by "
        "month of creation.",
        charts.spec(charts.family_bars(der, "Share of new derivatives by root family"))
        if not der.empty else None, None,
        ["Counted from base_model tags and model cards; a merge counts for each of its roots "
         "with equal weight.",
         "The population read is the one with the most derivatives (trending lists state no "
         "lineage, so they hold none)."],
        "No derivatives in this range: no model of any population names a base model "
        "(trending lists carry no base_model tags).",
        data=["derivative_share_family"], facts=facts, chart_table=table)]


SECTION = ReportSection(30, build)
