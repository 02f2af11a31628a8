"""Top organisations and top families of the latest complete, substantial month."""

from __future__ import annotations

import pandas as pd

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.text import GGUF_COUNTING, ROOT_ATTRIBUTION, month_name, pct


def _facts(df: pd.DataFrame, ctx: ReportContext) -> list[str]:
    if df.empty:
        return []
    r = df.iloc[0]
    out = [f"Population \u201c{r['population']}\u201d, {month_name(str(r['period']))}"
           f" (the latest complete month with substantial downloads)."]
    if pd.notna(r.get("coverage")):
        out.append(f"Coverage (group known): {pct(float(r['coverage']))} of the month's "
                   "downloads.")
    out.append(f"Listed: {r['rule']}.")
    return out


def _empty(ctx: ReportContext) -> str:
    return ("No complete month with substantial downloads"
            + (f" in population \u201c{ctx.population}\u201d" if ctx.population else "")
            + " (a partial last month is not ranked), or no organisation passes the "
            "substantial rule.")


def build(ctx: ReportContext) -> list[Section]:
    orgs_d = ctx.table("top_orgs_direct", "top", ctx.adoption(
        {"by": "org", "attribution": "direct"}))
    orgs_r = ctx.table("top_orgs_root", "top", ctx.adoption(
        {"by": "org", "attribution": "root"}))
    fam = ctx.table("top_families", "top", ctx.adoption(
        {"by": "family", "attribution": "root"}))
    last_period = str(orgs_r["period"].iloc[0]) if not orgs_r.empty else ""
    both = None
    if not orgs_d.empty and not orgs_r.empty:
        import altair as alt

        both = charts.spec(alt.hconcat(
            charts.top_bars(orgs_r, "Root attribution"),
            charts.top_bars(orgs_d, "Direct attribution")))
    cols = ["rank", "group", "value", "share", "models"]
    return [
        Section("orgs", f"Top organisations, {month_name(last_period)}" if last_period
                else "Top organisations",
                "Share of the month's downloads credited to each organisation.", both,
                orgs_r[cols].rename(columns={"group": "organisation"})
                if not orgs_r.empty else None,
                ["Table: root attribution. " + ROOT_ATTRIBUTION, GGUF_COUNTING],
                _empty(ctx), data=["top_orgs_root", "top_orgs_direct"],
                facts=_facts(orgs_r, ctx)),
        Section("families", "Top model families (root attribution)",
                "Downloads of every model credited to the family of its root model (Qwen, "
                "Llama, BERT, E5, ...).",
                charts.spec(charts.top_bars(fam, "Share of downloads by root family",
                                            charts.WIDTH - 220)) if not fam.empty else None,
                fam[cols].rename(columns={"group": "family"}) if not fam.empty else None,
                ["Models whose root matches no family rule (catalog/data/families.yaml) are "
                 "'unknown' and not ranked; coverage says how much that is."],
                _empty(ctx), data=["top_families"], facts=_facts(fam, ctx)),
    ]


SECTION = ReportSection(20, build)
