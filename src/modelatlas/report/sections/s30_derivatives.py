"""Derivative share by root family."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection


def build(ctx: ReportContext) -> list[Section]:
    der = ctx.table("derivative_share_family", "derivatives",
                    {"metric": "share", "by": "family", "freq": "month"})
    return [Section(
        "derivatives", "Derivative share by root family",
        "Which families new fine-tunes, adapters, quantizations and merges build on.",
        charts.spec(charts.family_area(der, "Share of new derivatives by root family"))
        if not der.empty else None, None,
        ["Counted from base_model tags and model cards; a merge counts for each of its roots "
         "with equal weight."],
        "No derivatives in this range: no model in the store names a base model.",
        data=["derivative_share_family"])]


SECTION = ReportSection(30, build)
