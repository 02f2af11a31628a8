"""How open is "open"? Openness by region of origin, per framework (docs/openness.md)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from modelatlas.report import charts
from modelatlas.report.context import ReportContext
from modelatlas.report.page import Section
from modelatlas.report.sections import ReportSection

SHARES = {"share_weights_open": "open weights", "share_data_open": "open data",
          "share_license_osi": "OSI-approved licence", "share_meets_osaid": "meets OSAID 1.0"}
DOWNLOAD_SHARES = {"share_downloads_weights_open": "open weights",
                   "share_downloads_data_open": "open data",
                   "share_downloads_license_osi": "OSI-approved licence"}
TABLE_COLUMNS = ["group", "systems", "share_weights_open", "share_data_open",
                 "share_license_osi", "weights_unknown", "data_unknown", "license_unknown"]

FRAMEWORKS = (
    ("osai", "European Open Source AI Index",
     "Systems the index rates (newest edition imported): end-model weights class open, every "
     "rated training-data class open, end-model licence OSI-approved."),
    ("osaid", "Open Source AI Definition 1.0",
     "OSAID verdicts: from MOF components where a MOF file exists, else best effort from the "
     "index classes."),
    ("mof", "Model Openness Framework",
     "MOF model files: final parameters and datasets under open licences, weights licence "
     "OSI-approved."),
)


def _bars(df: pd.DataFrame, shares: dict[str, str], title: str) -> alt.Chart:
    cols = [c for c in shares if c in df and df[c].notna().any()]
    long = df.melt(id_vars=["group"], value_vars=cols, var_name="criterion", value_name="share")
    long["criterion"] = long["criterion"].map(shares)
    chart: alt.Chart = alt.Chart(long, title=title).mark_bar().encode(
        x=alt.X("group:N", title="origin", sort=list(df["group"])),
        xOffset="criterion:N",
        y=alt.Y("share:Q", title="share", axis=alt.Axis(format="%"), scale=alt.Scale(
            domain=[0, 1])),
        color=alt.Color("criterion:N", title=None),
        tooltip=["group", "criterion", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=charts.WIDTH - 200, height=220)
    return chart


def _coverage(df: pd.DataFrame, what: str) -> str:
    row = df.iloc[0]
    return (f"Coverage: {int(row['systems_known_origin'])} of {int(row['systems_total'])} "
            f"{what} have a known origin; unknown criteria are counted apart "
            "(the *_unknown columns), never as not open.")


def build(ctx: ReportContext) -> list[Section]:
    out: list[Section] = []
    for fw, name, lead in FRAMEWORKS:
        df = ctx.table(f"openness_{fw}_region", "openness", {"framework": fw, "by": "region"},
                       ranged=False)
        if df.empty:
            continue
        shares = {k: v for k, v in SHARES.items() if k != "share_meets_osaid" or fw == "osaid"}
        out.append(Section(
            f"openness-{fw}", f"How open is open? {name}, by region of origin", lead,
            charts.spec(_bars(df, shares, f"{name}: share of systems by region")),
            df[[c for c in TABLE_COLUMNS if c in df]],
            [_coverage(df, "entries"), "Method and sources: docs/openness.md."],
            data=[f"openness_{fw}_region"]))
    prof = ctx.table("openness_profile_region", "openness",
                     {"framework": "profile", "by": "region"}, ranged=False)
    out.append(Section(
        "openness-profile", "How open is open? Hub models by region of origin",
        "Every Hub model in the store by its uploader's region: share of latest 30-day "
        "downloads going to models that are not gated, declare a dataset, and carry an "
        "OSI-approved licence.",
        charts.spec(_bars(prof, DOWNLOAD_SHARES, "Share of downloads by region"))
        if not prof.empty and prof["downloads"].sum() > 0 else None,
        prof[["group", "systems", "downloads", *DOWNLOAD_SHARES]] if not prof.empty else None,
        [_coverage(prof, "models") if not prof.empty else "",
         "Declared metadata, not verified: a dataset tag does not prove the data is "
         "available (docs/openness.md)."],
        "No models in this store.", data=["openness_profile_region"]))
    return out


SECTION = ReportSection(80, build)
