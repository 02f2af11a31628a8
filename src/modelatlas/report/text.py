"""The words of the report: headline, method notes and caveats (plain text, escaped later).

The headline is a sentence someone can quote: it names the month, the population
read, the attribution and the coverage, and there is none when the numbers
cannot carry one (docs/report.md, "Headline").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from modelatlas.metrics.share import latest_substantial

REGION_LABEL = {"us": "the U.S.", "china": "China", "eu": "the EU", "other": "other countries",
                "unknown": "unattributed"}
REGION_NAME = {"us": "U.S.", "china": "China", "eu": "EU", "other": "Other",
               "unknown": "Unknown"}

#: No headline from a month whose downloads are attributed to a region below this
#: fraction: a share of 60% of the attributed 50% is not a share of the whole.
HEADLINE_MIN_COVERAGE = 0.90
#: Below this lineage coverage, root attribution mostly credits uploaders: say so.
LINEAGE_WARN = 0.5

DOWNLOADS_DEFINITION = (
    "Downloads per month: for each model, its 30-day download counter at the last snapshot "
    "of that month in which it appears; summed per group; share = group sum / all groups' "
    "sum that month. One population is read at a time, never a mix of listings.")
ROOT_ATTRIBUTION = (
    "Root attribution credits the developer of the model's root (base) model; a merge's "
    "downloads are split equally among its roots. Direct attribution credits the uploader. "
    "A re-upload (a re-packager's copy, a -GGUF/-ONNX/-bnb-4bit name) resolves to the "
    "original the re-upload rule names; any other model whose lineage the source did not "
    "state is its own root.")
HUB_COUNTING = (
    "How the Hub counts: every HTTP GET or HEAD request for a repository's query file "
    "(config.json by default, library-specific files otherwise) counts as a download, "
    "from any client, CI and mirrors included; it is not a count of users "
    "(huggingface.co/docs/hub/models-download-stats). The 30-day counter is a moving "
    "window, not a calendar month.")
GGUF_COUNTING = (
    "GGUF repositories count every request for a .gguf file, so fetching several "
    "quantizations or sharded parts counts several times: GGUF uploads can be over-counted "
    "relative to other formats.")
UNKNOWN_CAVEAT = (
    "Namespaces missing from the organisation catalog are 'unknown': their downloads count "
    "in every total but in no named region.")
GAPS = (
    "Months without a snapshot of the population are gaps: nothing is drawn there, nothing "
    "is interpolated. A partial month (no snapshot in its last 7 days) is drawn lighter and "
    "marked; its counters mostly cover the month before.")
CHURN = (
    "A model that left a list before the month's last snapshot still counts with the "
    "counter it had when last seen; --present-at-end counts only models present at the "
    "last snapshot (docs/metrics.md, Churn).")


def month_name(period: str) -> str:
    """'2026-05' -> 'May 2026' (other labels pass through)."""
    try:
        return dt.date.fromisoformat(period + "-01").strftime("%B %Y")
    except ValueError:
        return period


def pct(x: float | None) -> str:
    if x is None or pd.isna(x):
        return "n/a"
    return f"{100 * x:.1f}%"


def population_phrase(pop: Mapping[str, Any] | None, name: str) -> str:
    """'the models on the Hub's daily trending lists of one pipeline (population
    "trending", a filtered list; 343 models, 62% feature-extraction)'."""
    if not pop:
        return f"population \u201c{name}\u201d"
    kind = {"full": "a full listing", "filtered": "a filtered list", "sample": "a sample",
            "curated": "a curated list"}.get(str(pop.get("kind")), str(pop.get("kind")))
    desc = str(pop.get("description") or "")
    extra = ""
    models = pop.get("models")
    if isinstance(models, int | float) and models:
        extra = f"; {int(models):,} models"
        tp, tps = pop.get("top_pipeline"), pop.get("top_pipeline_share")
        if tp and tp != "unknown" and isinstance(tps, float) and not pd.isna(tps):
            extra += f", {pct(tps)} {tp}"
    return f"{desc} (population \u201c{name}\u201d, {kind}{extra})"


def _totals(df: pd.DataFrame) -> tuple[dict[str, float], dict[str, bool]]:
    totals = {str(k): float(v) for k, v in df.groupby("period")["value"].sum().items()}
    if "partial" in df.columns:
        partial = {str(k): bool(pd.notna(v) and v) for k, v in
                   df.groupby("period")["partial"].max().items()}
    else:
        partial = {}
    return totals, partial


def headline(share_root: pd.DataFrame, pop: Mapping[str, Any] | None = None
             ) -> tuple[str, dict[str, object]]:
    """The quotable sentence for the region shares of one population (root
    attribution): its latest complete, substantial month, with population, coverage
    and attribution named; or why there is none."""
    if share_root.empty:
        return ("No headline: no download observations in the selected range yet (ingest "
                "snapshots with `modelatlas ingest ...` and rebuild the report).", {})
    name = str(share_root["population"].iloc[0]) if "population" in share_root else "?"
    totals, partial = _totals(share_root)
    period = latest_substantial(totals, partial)
    latest = max(totals)
    if period is None:
        why = (f"{month_name(latest)} is partial" if partial.get(latest)
               else "no month has substantial downloads")
        return (f"No headline: no complete month with substantial downloads in "
                f"population \u201c{name}\u201d ({why}).", {"population": name})
    last = share_root[share_root["period"] == period]
    s = dict(zip(last["group"], last["share"], strict=True))
    cov = float(last["coverage"].iloc[0]) if "coverage" in last else 1.0 - s.get("unknown", 0)
    facts: dict[str, object] = {"period": period, "population": name, "coverage": cov,
                                "china": s.get("china", 0.0), "us": s.get("us", 0.0),
                                "unknown": s.get("unknown", 0.0),
                                "total_downloads": float(last["value"].sum())}
    if cov < HEADLINE_MIN_COVERAGE:
        return (f"No headline: in {month_name(period)}, the developer's region is known for "
                f"only {pct(cov)} of the downloads of population \u201c{name}\u201d (a "
                f"headline needs {pct(HEADLINE_MIN_COVERAGE)}); see the coverage notes "
                "below.", facts)
    named = sorted(((k, v) for k, v in s.items() if k != "unknown" and v > 0),
                   key=lambda kv: -kv[1])
    if not named:
        return (f"No headline: no download in {month_name(period)} is attributed to a "
                "region.", facts)
    lead = named[0]
    parts = [f"models from {REGION_LABEL.get(lead[0], lead[0])} drew {pct(lead[1])} of "
             "downloads"]
    for k in ("us", "china"):
        if k != lead[0]:
            parts.append(f"{REGION_LABEL[k]} {pct(s.get(k, 0.0))}")
    others = [f"{REGION_LABEL.get(k, k)} {pct(v)}" for k, v in named[1:]
              if k not in ("us", "china")]
    text = (f"In {month_name(period)}, among the {population_phrase(pop, name)}, "
            + ", ".join(parts) + (", " + ", ".join(others) if others else "")
            + f" (root attribution; the developer's region is known for {pct(cov)} of "
            "these downloads).")
    lin = last["lineage_coverage"].iloc[0] if "lineage_coverage" in last else None
    if lin is not None and not pd.isna(lin) and float(lin) < LINEAGE_WARN:
        text += (f" A lineage is known (stated by the source, or a re-upload's original "
                 f"named by the re-upload rule) for only {pct(float(lin))} of them, so root "
                 "attribution mostly credits the uploader.")
    if period != latest:
        reason = ("is partial (no snapshot in its last days)" if partial.get(latest)
                  else "has too few observed downloads")
        text += f" ({month_name(latest)} {reason}, so it does not lead.)"
    return text, facts


def coverage_line(df: pd.DataFrame, what: str = "the group") -> str:
    """'Population "trending"; coverage (downloads whose region is known): 99.6% in April
    2026, lowest 99.1% (2025-07); May 2026 partial.'"""
    if df.empty or "population" not in df.columns:
        return ""
    name = str(df["population"].dropna().iloc[0]) if df["population"].notna().any() else "?"
    per = df.groupby("period").agg(coverage=("coverage", "first"),
                                   partial=("partial", "first"))
    out = f"Population \u201c{name}\u201d."
    cov = per["coverage"].dropna()
    if not cov.empty:
        last = str(cov.index.max())
        low = str(cov.idxmin())
        out += f" Coverage ({what} known): {pct(float(cov[last]))} in {month_name(last)}"
        out += (f", lowest {pct(float(cov[low]))} in {month_name(low)}." if low != last
                else ".")
    parts = [month_name(str(p)) for p, v in per["partial"].items() if pd.notna(v) and bool(v)]
    if parts:
        out += " Partial: " + ", ".join(parts) + "."
    return out
