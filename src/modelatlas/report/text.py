"""The words of the report: headline, method notes and caveats (plain text, escaped later)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

REGION_LABEL = {"us": "the U.S.", "china": "China", "eu": "the EU", "other": "other countries",
                "unknown": "unattributed"}
REGION_NAME = {"us": "U.S.", "china": "China", "eu": "EU", "other": "Other",
               "unknown": "Unknown"}

DOWNLOADS_DEFINITION = (
    "Downloads per month: for each model, its 30-day download counter at the last snapshot "
    "of that month in which it appears; summed per group; share = group sum / all groups' "
    "sum that month.")
ROOT_ATTRIBUTION = (
    "Root attribution credits the developer of the model's root (base) model; a merge's "
    "downloads are split equally among its roots. Direct attribution credits the uploader.")
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


def headline(share_root: pd.DataFrame) -> tuple[str, dict[str, object]]:
    """'In <month>, models from China drew X% of downloads, the U.S. Y% (root attribution)'."""
    if share_root.empty:
        return ("No download observations in the selected range yet: ingest snapshots "
                "(`modelatlas ingest ...`) and rebuild the report.", {})
    # The latest month whose downloads are at least 1% of the busiest month's: a
    # thin tail (e.g. a few days of brand-new repos ingested after the snapshots)
    # would otherwise make a headline out of almost nothing.
    totals = share_root.groupby("period")["value"].sum()
    substantial = totals[totals >= 0.01 * float(totals.max())] if totals.max() > 0 else totals
    period = str(substantial.index.max())
    latest = str(totals.index.max())
    last = share_root[share_root["period"] == period]
    s = dict(zip(last["group"], last["share"], strict=True))
    china, us, unknown = s.get("china", 0.0), s.get("us", 0.0), s.get("unknown", 0.0)
    text = (f"In {month_name(period)}, models from China drew {pct(china)} of downloads, "
            f"the U.S. {pct(us)} (root attribution).")
    named = {k: v for k, v in s.items() if k not in ("china", "us", "unknown")}
    if named:
        parts = [f"{REGION_LABEL.get(k, k)} {pct(v)}"
                 for k, v in sorted(named.items(), key=lambda kv: -kv[1])]
        text += " Elsewhere: " + ", ".join(parts) + "."
    if unknown > 0:
        text += f" {pct(unknown)} of downloads could not be attributed to a known developer."
    if period != latest:
        text += (f" ({month_name(latest)} has too few observed downloads to lead with:"
                 f" {totals[latest]:,.0f} against {totals[period]:,.0f}.)")
    total = float(last["value"].sum())
    return text, {"period": period, "china": china, "us": us, "unknown": unknown,
                  "total_downloads": total}
