"""Adoption share by region, root and direct attribution."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import unknown_share
from modelatlas.report.text import (
    DOWNLOADS_DEFINITION,
    GGUF_COUNTING,
    HUB_COUNTING,
    ROOT_ATTRIBUTION,
    UNKNOWN_CAVEAT,
    month_name,
)


def build(ctx: ReportContext) -> list[Section]:
    root = ctx.table("share_region_root", "share", {"by": "region", "attribution": "root"})
    direct = ctx.table("share_region_direct", "share",
                       {"by": "region", "attribution": "direct"})
    last_period = str(root["period"].max()) if not root.empty else ""
    unknown_note = (f"Unknown attribution in {month_name(last_period)}: "
                    f"{unknown_share(root)} of downloads (root), {unknown_share(direct)}"
                    " (direct). " + UNKNOWN_CAVEAT)
    common = [DOWNLOADS_DEFINITION, HUB_COUNTING, GGUF_COUNTING, unknown_note]
    return [
        Section("regions", "Adoption share by region (root attribution)",
                "Whose models the world downloads: each model's downloads credited to the "
                "developer of its root model, by the developer's home region.",
                charts.spec(charts.region_area(root, "Share of monthly downloads, root "
                                                     "attribution")) if not root.empty else None,
                None, [*common, ROOT_ATTRIBUTION],
                "No download observations in this range.", data=["share_region_root"]),
        Section("regions-direct", "Adoption share by region (direct attribution)",
                "The same downloads credited to the uploader's organisation. Quantizers and "
                "fine-tuners upload much of what people download, so this differs from root "
                "attribution.",
                charts.spec(charts.region_area(direct, "Share of monthly downloads, direct "
                                                       "attribution"))
                if not direct.empty else None, None, [DOWNLOADS_DEFINITION, GGUF_COUNTING],
                "No download observations in this range.", data=["share_region_direct"]),
    ]


SECTION = ReportSection(10, build)
