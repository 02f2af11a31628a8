"""Top organisations and top families in the latest period."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import top_groups
from modelatlas.report.text import GGUF_COUNTING, ROOT_ATTRIBUTION, month_name


def build(ctx: ReportContext) -> list[Section]:
    orgs_d = ctx.keep("top_orgs_direct", top_groups(ctx.query(
        "share", {"by": "org", "attribution": "direct"})))
    orgs_r = ctx.keep("top_orgs_root", top_groups(ctx.query(
        "share", {"by": "org", "attribution": "root"})))
    fam = ctx.keep("top_families", top_groups(ctx.query(
        "share", {"by": "family", "attribution": "root"})))
    last_period = str(orgs_r["period"].max()) if not orgs_r.empty else ""
    both = None
    if not orgs_d.empty:
        import altair as alt

        both = charts.spec(alt.hconcat(
            charts.top_bars(orgs_r, "Root attribution"),
            charts.top_bars(orgs_d, "Direct attribution")))
    return [
        Section("orgs", f"Top organisations, {month_name(last_period)}" if last_period
                else "Top organisations",
                "Share of the month's downloads credited to each organisation.", both,
                orgs_r[["rank", "group", "value", "share"]].rename(
                    columns={"group": "organisation"}) if not orgs_r.empty else None,
                ["Table: root attribution. " + ROOT_ATTRIBUTION, GGUF_COUNTING],
                "No download observations in this range.",
                data=["top_orgs_root", "top_orgs_direct"]),
        Section("families", "Top model families (root attribution)",
                "Downloads of every model credited to the family of its root model (Qwen, "
                "Llama, ...).",
                charts.spec(charts.top_bars(fam, "Share of downloads by root family",
                                            charts.WIDTH - 220)) if not fam.empty else None,
                fam[["rank", "group", "value", "share"]].rename(columns={"group": "family"})
                if not fam.empty else None,
                ["Models whose root has no known family are 'unknown'."],
                "No download observations in this range.", data=["top_families"]),
    ]


SECTION = ReportSection(20, build)
