"""ATOM's Relative Adoption Metric leaders, in both definitions."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import TOP


def _why_empty(ctx: ReportContext) -> str:
    """Which of RAM's inputs the store lacks, in numbers."""
    row = ctx.atlas.ram_inputs()
    models, dated, sized, aged = (int(row[k] or 0) for k in ("models", "dated", "sized",
                                                             "aged"))
    return (f"RAM needs a release date, a parameter count and a snapshot near an age of "
            f"7-365 days, with ten models of the size class at that age. Of {models:,} "
            f"models, {dated:,} have a release date, {sized:,} a parameter count, and "
            f"{aged:,} with a parameter count were observed 6-401 days after release: not "
            "enough for a reference model in any class.")


def build(ctx: ReportContext) -> list[Section]:
    ram30 = ctx.table("ram_leaders_30d", "ram-leaders", {"days": 30, "top": TOP}, ranged=False)
    ctx.table("ram_leaders_90d", "ram-leaders", {"days": 90, "top": TOP}, ranged=False)
    atom30 = ctx.table("ram_atom_leaders_30d", "ram-leaders",
                       {"days": 30, "top": TOP, "definition": "atom"}, ranged=False)
    facts = []
    if not ram30.empty:
        facts = [f"{len(ram30)} models ranked by modelatlas' RAM; {len(atom30)} have ATOM's "
                 "RAM (its cohort is fixed to the baseline quarter 2025Q4 and ATOM's "
                 "tracked models)."]
    return [Section(
        "ram", "Relative Adoption Metric leaders (30 days)",
        "ATOM Project's RAM: cumulative downloads 30 days after release divided by the 10th "
        "most-downloaded model of the same size class at the same age. Two definitions side "
        "by side: modelatlas' (every model observed at that age) and ATOM's (its size "
        "buckets, a cohort fixed to a baseline quarter, a monotonic top-10 cutoff).",
        charts.spec(charts.ram_bars(ram30, "RAM at 30 days")) if not ram30.empty else None,
        ram30[["model_id", "size_class", "age_days", "cumulative_downloads",
               "reference_downloads", "ram", "size_class_atom", "ram_atom"]]
        if not ram30.empty else None,
        ["Size classes from parameter counts (<1B, 1-5B, 5-10B, 10-50B, 50-100B, 100-250B, "
         "250B+; ATOM labels 5-10B as 7-9B); defined only where a snapshot falls near the age "
         "and the class has ten models observed at that age; otherwise missing, never "
         "estimated.", "Method and which published ATOM figures this data can recompute: "
         "docs/metrics.md."],
        _why_empty(ctx), data=["ram_leaders_30d", "ram_leaders_90d", "ram_atom_leaders_30d"],
        facts=facts)]


SECTION = ReportSection(70, build)
