"""Licence mix of new models by region."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection


def build(ctx: ReportContext) -> list[Section]:
    lm = ctx.table("licence_mix", "license-mix", {"weight": "models"})
    return [Section(
        "licences", "Licence mix by region",
        "Licences of new models per month, by the uploader's region.",
        charts.spec(charts.licence_bars(lm, "Licence mix of new models")) if not lm.empty
        else None, None,
        ["Licence family from the licence catalog where it has mapped the model's licence, "
         "else the raw license tag, else 'unknown'."],
        "No creation dates in this store, so no monthly licence mix.", data=["licence_mix"])]


SECTION = ReportSection(60, build)
