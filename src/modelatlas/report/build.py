"""Build the report from the store: tables -> charts and words -> files.

Sections, in order: headline; adoption share by region (root and direct
attribution); top organisations and families; derivative share by root family;
release cadence; concentration; licence mix; RAM leaders. Each carries its
method and caveats. The whole report is a handful of set-based queries, so it
scales with the store, not with Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from modelatlas import __version__
from modelatlas.metrics.common import as_date
from modelatlas.report import charts
from modelatlas.report.markdown import render_md
from modelatlas.report.page import Section, render, vega_runtime
from modelatlas.report.tables import ReportData, collect
from modelatlas.report.text import (
    DOWNLOADS_DEFINITION,
    GGUF_COUNTING,
    HUB_COUNTING,
    ROOT_ATTRIBUTION,
    UNKNOWN_CAVEAT,
    headline,
    month_name,
    pct,
)
from modelatlas.store.db import Store

#: DuckDB memory bound while the report's queries run: large joins spill to disk
#: instead of growing the process past a laptop's memory (peak RSS target 4 GB).
REPORT_MEMORY_BYTES = 2_500_000_000
_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _bytes(setting: str) -> float | None:
    """'18.8 GiB' -> bytes (None when DuckDB reports something else)."""
    parts = setting.strip().lower().split()
    try:
        return float(parts[0]) * _UNITS[parts[1]] if len(parts) == 2 else None
    except (ValueError, KeyError):
        return None


@contextlib.contextmanager
def bounded_memory(store: Store) -> Iterator[None]:
    """Lower DuckDB's memory limit (never raise it) for the duration of the block."""
    con = store.con
    before = str(con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
    current = _bytes(before)
    lowered = current is None or current > REPORT_MEMORY_BYTES
    if lowered:
        con.execute(f"SET memory_limit = '{REPORT_MEMORY_BYTES // 10**6}MB'").fetchall()
    try:
        yield
    finally:
        if lowered and current is not None:
            con.execute(f"SET memory_limit = '{int(current // 10**6)}MB'").fetchall()


@dataclass
class ReportResult:
    """Where the report was written."""

    out: Path
    html: Path
    markdown: Path
    files: list[Path] = field(default_factory=list)


def _int(v: object) -> int:
    return int(v) if isinstance(v, int | float) else 0


def _unknown_share(df: pd.DataFrame) -> str:
    if df.empty:
        return "n/a"
    last = df[df["period"] == df["period"].max()]
    return pct(float(last.loc[last["group"] == "unknown", "share"].sum()))


def sections(data: ReportData) -> list[Section]:
    """The report's sections from its tables (charts only where there is data)."""
    t, f = data.tables, data.facts
    root, direct = t["share_region_root"], t["share_region_direct"]
    last_period = str(root["period"].max()) if not root.empty else ""
    unknown_note = (f"Unknown attribution in {month_name(last_period)}: "
                    f"{_unknown_share(root)} of downloads (root), {_unknown_share(direct)}"
                    " (direct). " + UNKNOWN_CAVEAT)
    common = [DOWNLOADS_DEFINITION, HUB_COUNTING, GGUF_COUNTING, unknown_note]
    out = [
        Section("regions", "Adoption share by region (root attribution)",
                "Whose models the world downloads: each model's downloads credited to the "
                "developer of its root model, by the developer's home region.",
                charts.spec(charts.region_area(root, "Share of monthly downloads, root "
                                                     "attribution")) if not root.empty else None,
                None, [*common, ROOT_ATTRIBUTION],
                "No download observations in this range."),
        Section("regions-direct", "Adoption share by region (direct attribution)",
                "The same downloads credited to the uploader's organisation. Quantizers and "
                "fine-tuners upload much of what people download, so this differs from root "
                "attribution.",
                charts.spec(charts.region_area(direct, "Share of monthly downloads, direct "
                                                       "attribution"))
                if not direct.empty else None, None, [DOWNLOADS_DEFINITION, GGUF_COUNTING],
                "No download observations in this range."),
    ]
    orgs_d, orgs_r = t["top_orgs_direct"], t["top_orgs_root"]
    both = None
    if not orgs_d.empty:
        import altair as alt

        both = charts.spec(alt.hconcat(
            charts.top_bars(orgs_r, "Root attribution"),
            charts.top_bars(orgs_d, "Direct attribution")))
    out.append(Section(
        "orgs", f"Top organisations, {month_name(last_period)}" if last_period
        else "Top organisations",
        "Share of the month's downloads credited to each organisation.", both,
        orgs_r[["rank", "group", "value", "share"]].rename(columns={"group": "organisation"})
        if not orgs_r.empty else orgs_r,
        ["Table: root attribution. " + ROOT_ATTRIBUTION, GGUF_COUNTING],
        "No download observations in this range."))
    fam = t["top_families"]
    out.append(Section(
        "families", "Top model families (root attribution)",
        "Downloads of every model credited to the family of its root model (Qwen, Llama, ...).",
        charts.spec(charts.top_bars(fam, "Share of downloads by root family", charts.WIDTH - 220))
        if not fam.empty else None,
        fam[["rank", "group", "value", "share"]].rename(columns={"group": "family"})
        if not fam.empty else fam,
        ["Models whose root has no known family are 'unknown'."],
        "No download observations in this range."))
    der = t["derivative_share_family"]
    out.append(Section(
        "derivatives", "Derivative share by root family",
        "Which families new fine-tunes, adapters, quantizations and merges build on.",
        charts.spec(charts.family_area(der, "Share of new derivatives by root family"))
        if not der.empty else None, None,
        ["Counted from base_model tags and model cards; a merge counts for each of its roots "
         "with equal weight."],
        "Derivative metrics are not available for this store (no lineage data or the "
        "lineage module is not installed)."))
    rel, iv = t["releases_monthly"], t["release_intervals"]
    out.append(Section(
        "cadence", "Release cadence",
        "New models per month by organisation, and how often each organisation ships a "
        "mainline (non-derivative) model.",
        charts.spec(charts.releases_bars(rel, "New models per month")) if not rel.empty
        else None, iv,
        ["Release date: ATOM's corrected date when imported, else the Hub creation date; "
         "models without either are left out.",
         "Mainline = no base model in the lineage graph; median days between consecutive "
         "mainline releases."],
        "No creation dates in this store (e.g. trending lists carry none)."))
    cd, cr = t["concentration_direct"], t["concentration_root"]
    last_c = cr.tail(1) if not cr.empty else cr
    lead = "How concentrated downloads are across organisations."
    if not last_c.empty:
        r = last_c.iloc[0]
        lead += (f" In {month_name(str(r['period']))} the ten largest organisations drew "
                 f"{pct(r['top10_share'])} of downloads (root attribution), HHI "
                 f"{r['hhi']:,.0f}.")
    out.append(Section(
        "concentration", "Concentration", lead,
        charts.spec(charts.concentration_lines(cd, cr)) if not (cd.empty and cr.empty)
        else None, cr,
        ["HHI = sum of squared org shares x 10,000 (above 1,800: highly concentrated, U.S. "
         "DOJ/FTC merger guidelines).",
         "Community share = orgs of kind 'community' in the catalog; 'unknown' namespaces "
         "(not in the catalog) are mostly individuals, so community share is a lower bound.",
         "For comparison, Economies of Open Intelligence (2025) reports community developers "
         "growing from about 30% to over 60% of the ecosystem."],
        "No download observations in this range."))
    lm = t["licence_mix"]
    out.append(Section(
        "licences", "Licence mix by region",
        "Licences of new models per month, by the uploader's region.",
        charts.spec(charts.licence_bars(lm, "Licence mix of new models")) if not lm.empty
        else None, None,
        ["Licence family from the licence catalog where it has mapped the model's licence, "
         "else the raw license tag, else 'unknown'."],
        "No creation dates in this store, so no monthly licence mix."))
    ram30 = t["ram_leaders_30d"]
    out.append(Section(
        "ram", "Relative Adoption Metric leaders (30 days)",
        "ATOM Project's RAM: cumulative downloads 30 days after release divided by the 10th "
        "most-downloaded model of the same size class at the same age.",
        charts.spec(charts.ram_bars(ram30, "RAM at 30 days")) if not ram30.empty else None,
        ram30[["model_id", "size_class", "age_days", "cumulative_downloads",
               "reference_downloads", "ram"]] if not ram30.empty else ram30,
        ["Size classes from parameter counts (<1B, 1-5B, 5-10B, 10-50B, 50-100B, 100-250B, "
         "250B+); defined only where a snapshot falls near the age and the class has ten "
         "models observed at that age; otherwise missing, never estimated."],
        "RAM needs release dates, parameter counts and snapshots near the model's age; this "
        "store does not have enough of them."))
    _ = f
    return out


def build_report(
    store: Store,
    out: Path,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> ReportResult:
    """Compute every table, write index.html, report.md and data/<table>.csv|.parquet."""
    lo, hi = as_date(since, "since"), as_date(until, "until")
    with bounded_memory(store):
        data = collect(store, lo, hi)
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name, df in data.tables.items():
        for ext in ("csv", "parquet"):
            p = out / "data" / f"{name}.{ext}"
            if ext == "csv":
                df.to_csv(p, index=False)
            else:
                df.to_parquet(p, index=False)
            files.append(p)
    f = data.facts
    head, _h = headline(data.tables["share_region_root"])
    simulated = bool(f.get("simulated"))
    title = "Who is winning open AI" + (" (SIMULATED)" if simulated else "")
    rng = f"{f.get('first_snapshot') or '–'} to {f.get('last_snapshot') or '–'}"
    subtitle = (f"modelatlas report · {f.get('snapshots', 0)} snapshots, {rng}"
                + (f" · range {lo or '…'} to {hi or '…'}" if (lo or hi) else ""))
    kpis = [("models in the store", f"{_int(f.get('models')):,}"),
            ("snapshots", f"{_int(f.get('snapshots')):,}"),
            ("observations", f"{_int(f.get('observations')):,}"),
            ("organisations in the catalog", f"{_int(f.get('orgs_known')):,}")]
    secs = sections(data)
    footer = (f"Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC by modelatlas "
              f"{__version__}. Method and caveats: docs/metrics.md. Data files: data/.")
    html_path = out / "index.html"
    html_path.write_text(render(title=title, subtitle=subtitle, headline=head, kpis=kpis,
                                sections=secs, simulated=simulated, footer=footer,
                                runtime=vega_runtime()), encoding="utf-8")
    md_path = out / "report.md"
    md_path.write_text(render_md(title=title, subtitle=subtitle, headline=head, sections=secs,
                                 simulated=simulated,
                                 files=[str(p.relative_to(out)) for p in files],
                                 footer=footer), encoding="utf-8")
    return ReportResult(out, html_path, md_path, files)
