"""report.md: the same sections as the HTML page, as Markdown text and tables."""

from __future__ import annotations

import pandas as pd

from modelatlas.report.page import Section, _fmt


def md_escape(text: str) -> str:
    """Neutralise Markdown/HTML control characters in data values."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    out = out.replace("<", "&lt;").replace(">", "&gt;")
    for ch in "`*_[]":
        out = out.replace(ch, "\\" + ch)
    return out


def md_table(df: pd.DataFrame, max_rows: int = 15) -> str:
    cols = [str(c) for c in df.columns]
    lines = ["| " + " | ".join(md_escape(c) for c in cols) + " |",
             "|" + "|".join("---" for _ in cols) + "|"]
    for rec in df.head(max_rows).astype(object).to_dict("records"):
        lines.append("| " + " | ".join(md_escape(_fmt(rec[c], c)) for c in cols) + " |")
    if len(df) > max_rows:
        lines.append(f"\n_{len(df) - max_rows:,} more rows in the data files._")
    return "\n".join(lines)


def render_md(*, title: str, subtitle: str, headline: str, sections: list[Section],
              simulated: bool, files: list[str], footer: str) -> str:
    out = [f"# {md_escape(title)}", "", md_escape(subtitle), ""]
    if simulated:
        out += ["> **SIMULATED DATA** — every number comes from a synthetic Hub, "
                "not from real Hugging Face data.", ""]
    out += [f"**{md_escape(headline)}**", ""]
    for s in sections:
        out += [f"## {md_escape(s.title)}", ""]
        if s.lead:
            out += [md_escape(s.lead), ""]
        if s.table is not None and not s.table.empty:
            out += [md_table(s.table), ""]
        elif s.chart is None and s.empty:
            out += [f"_{md_escape(s.empty)}_", ""]
        if s.chart is not None:
            where = ", ".join(f"`data/{d}.csv`" for d in s.data) or "the data files"
            out += [f"_Chart in index.html; its numbers are in {where}._", ""]
        out += [f"- {md_escape(n)}" for n in s.notes]
        out.append("")
    out += ["## Data files", ""] + [f"- `{md_escape(f)}`" for f in files] + ["", footer, ""]
    return "\n".join(out)
