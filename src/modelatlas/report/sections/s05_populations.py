"""What the report reads: the store's populations, and the one the download sections use."""

from __future__ import annotations

import pandas as pd

from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection

_KIND = {"full": "full listing", "filtered": "filtered list", "sample": "sample",
         "curated": "curated list"}


def build(ctx: ReportContext) -> list[Section]:
    rows = list(ctx.populations.values())
    table = ctx.keep("populations", pd.DataFrame(rows)) if rows else pd.DataFrame()
    shown = None
    if not table.empty:
        shown = table[["population", "kind", "snapshots", "first_snapshot", "last_snapshot",
                       "months", "models", "top_pipeline", "description"]]
    facts = []
    if ctx.population:
        pop = ctx.populations.get(ctx.population, {})
        facts.append(f"Download sections read population \u201c{ctx.population}\u201d "
                     f"({_KIND.get(str(pop.get('kind')), str(pop.get('kind')))}: "
                     f"{pop.get('description', '')}).")
        others = [p for p in ctx.populations if p != ctx.population]
        if others:
            facts.append("Not mixed in: " + ", ".join(f"\u201c{p}\u201d" for p in others)
                         + " (rebuild with --population NAME to read another).")
    return [Section(
        "populations", "What this report reads",
        "A store holds snapshots of different things: full Hub listings, filtered lists "
        "(a trending list, one pipeline), samples (new uploads), curated lists. Each "
        "chart reads one population, named beside it; none mixes them.",
        None, shown, [
            "Population of a snapshot: recorded at ingest, as its source declares it "
            "(hub dump: full; trending list: filtered; hourly new-model list: sample; "
            "ModelInfo file: filtered; a crawl: full only when complete) or as set with "
            "`ingest --population`; inferred from the format only for snapshots "
            "ingested before populations were recorded (store migration 0351).",
            "Default population: a full listing when one covers the range, else the one "
            "with the most (model, month) values. The ATOM population (curated) is only "
            "read when asked for."],
        "No snapshots in this store yet.", data=["populations"], facts=facts)]


SECTION = ReportSection(5, build)
