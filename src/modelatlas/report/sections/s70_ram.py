"""ATOM's Relative Adoption Metric leaders."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import TOP


def build(ctx: ReportContext) -> list[Section]:
    ram30 = ctx.table("ram_leaders_30d", "ram-leaders", {"days": 30, "top": TOP}, ranged=False)
    ctx.table("ram_leaders_90d", "ram-leaders", {"days": 90, "top": TOP}, ranged=False)
    return [Section(
        "ram", "Relative Adoption Metric leaders (30 days)",
        "ATOM Project's RAM: cumulative downloads 30 days after release divided by the 10th "
        "most-downloaded model of the same size class at the same age.",
        charts.spec(charts.ram_bars(ram30, "RAM at 30 days")) if not ram30.empty else None,
        ram30[["model_id", "size_class", "age_days", "cumulative_downloads",
               "reference_downloads", "ram"]] if not ram30.empty else None,
        ["Size classes from parameter counts (<1B, 1-5B, 5-10B, 10-50B, 50-100B, 100-250B, "
         "250B+); defined only where a snapshot falls near the age and the class has ten "
         "models observed at that age; otherwise missing, never estimated."],
        "RAM needs release dates, parameter counts and snapshots near the model's age; this "
        "store does not have enough of them.", data=["ram_leaders_30d", "ram_leaders_90d"])]


SECTION = ReportSection(70, build)
