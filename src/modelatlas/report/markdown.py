"""report.md: the same sections as the HTML page, as Markdown text and tables.

Both renderers walk :func:`modelatlas.report.page.blocks`, so a section says the
same thing in both (tests/test_report_markdown.py compares them section by
section); a chart becomes a pointer to index.html and the table of its numbers.
"""

from __future__ import annotations

import pandas as pd

from modelatlas.report.page import Section, _fmt, blocks


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
        for kind, payload in blocks(s):
            if kind == "lead":
                out += [md_escape(payload), ""]
            elif kind == "facts":
                out += [f"> {md_escape(f)}" for f in payload] + [""]
            elif kind == "chart":
                where = ", ".join(f"`data/{d}.csv`" for d in s.data) or "the data files"
                out += [f"_Chart in index.html; its numbers are in {where}._", ""]
            elif kind in ("chart_table", "table"):
                out += [md_table(payload), ""]
            elif kind == "empty":
                out += [f"_{md_escape(payload)}_", ""]
            elif kind == "notes":
                out += [f"- {md_escape(n)}" for n in payload] + [""]
    out += ["## Data files", ""] + [f"- `{md_escape(f)}`" for f in files] + ["", footer, ""]
    return "\n".join(out)
