"""Release cadence: new models per month and mainline rhythm per organisation."""

from __future__ import annotations

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection
from modelatlas.report.sections._shared import TOP


def build(ctx: ReportContext) -> list[Section]:
    rel = ctx.table("releases_monthly", "cadence", {"monthly": True})
    iv = ctx.table("release_intervals", "cadence", {"monthly": False, "limit": TOP})
    return [Section(
        "cadence", "Release cadence",
        "New models per month by organisation, and how often each organisation ships a "
        "mainline (non-derivative) model.",
        charts.spec(charts.releases_bars(rel, "New models per month")) if not rel.empty
        else None, iv if not iv.empty else None,
        ["Release date: ATOM's corrected date when imported, else the Hub creation date; "
         "models without either are left out.",
         "Mainline = no base model in the lineage graph; median days between consecutive "
         "mainline releases."],
        "No creation dates in this store (e.g. trending lists carry none).",
        data=["releases_monthly", "release_intervals"])]


SECTION = ReportSection(40, build)
