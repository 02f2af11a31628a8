"""Adoption share by region, root and direct attribution."""

from __future__ import annotations

import pandas as pd

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import share_pivot
from modelatlas.report.text import (
    CHURN,
    DOWNLOADS_DEFINITION,
    GAPS,
    GGUF_COUNTING,
    HUB_COUNTING,
    ROOT_ATTRIBUTION,
    UNKNOWN_CAVEAT,
    coverage_line,
    month_name,
    pct,
)


def _lineage_fact(root: pd.DataFrame) -> str:
    if root.empty or "lineage_coverage" not in root.columns:
        return ""
    lin = root.groupby("period")["lineage_coverage"].first().dropna()
    if lin.empty:
        return ""
    last = str(lin.index.max())
    return (f"Lineage known (stated, or a re-upload's original) for {pct(float(lin[last]))}"
            f" of {month_name(last)}'s downloads"
            + (": root attribution equals direct attribution for the rest."
               if float(lin[last]) < 0.999 else "."))


def build(ctx: ReportContext) -> list[Section]:
    p = {"by": "region", "regions": ctx.regions}
    root = ctx.table("share_region_root", "share", ctx.adoption({**p, "attribution": "root"}))
    direct = ctx.table("share_region_direct", "share",
                       ctx.adoption({**p, "attribution": "direct"}))
    atom = " (ATOM's region scheme: eu includes the UK and Switzerland)" \
        if ctx.regions == "atom" else ""
    empty = ("No download observations in this range"
             + (f" for population \u201c{ctx.population}\u201d." if ctx.population else
                ": ingest snapshots with download counters."))
    common = [DOWNLOADS_DEFINITION, GAPS, CHURN, HUB_COUNTING, GGUF_COUNTING, UNKNOWN_CAVEAT]
    root_facts = [f for f in (coverage_line(root, "the developer's region"),
                              _lineage_fact(root)) if f]
    direct_facts = [f for f in (coverage_line(direct, "the uploader's region"),) if f]
    return [
        Section("regions", "Adoption share by region (root attribution)" + atom,
                "Whose models the world downloads: each model's downloads credited to the "
                "developer of its root model, by the developer's home region.",
                charts.spec(charts.region_bars(root, "Share of monthly downloads, root "
                                                     "attribution")) if not root.empty else None,
                None, [*common, ROOT_ATTRIBUTION], empty, data=["share_region_root"],
                facts=root_facts, chart_table=share_pivot(root)),
        Section("regions-direct", "Adoption share by region (direct attribution)" + atom,
                "The same downloads credited to the uploader's organisation. Quantizers and "
                "fine-tuners upload much of what people download, so this differs from root "
                "attribution where lineage is known.",
                charts.spec(charts.region_bars(direct, "Share of monthly downloads, direct "
                                                       "attribution"))
                if not direct.empty else None, None, [DOWNLOADS_DEFINITION, GGUF_COUNTING],
                empty, data=["share_region_direct"], facts=direct_facts,
                chart_table=share_pivot(direct)),
    ]


SECTION = ReportSection(10, build)
