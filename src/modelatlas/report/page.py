"""Assemble the self-contained index.html: text, tables and inlined Vega-Lite charts.

Everything shown that came from data (model ids, org names, licence tags) is
escaped with :func:`html.escape`; chart specs are JSON inside ``<script>`` with
``<``, ``>`` and ``&`` written as ``\\u003c``-style escapes, so no data can
close the script element. The Vega/Vega-Lite/vega-embed runtime is inlined from
vl-convert, so the page opens offline with no CDN.
"""

from __future__ import annotations

import functools
import html
import json
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd
import platformdirs


@dataclass
class Section:
    """One block of the report: a heading, words, an optional chart and table."""

    key: str
    title: str
    lead: str = ""
    chart: dict[str, Any] | None = None
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    empty: str = ""
    #: Data files (``data/<name>.csv``) behind the chart and table.
    data: list[str] = field(default_factory=list)


def script_json(doc: Any) -> str:
    """JSON safe inside a <script> element."""
    text = json.dumps(doc, default=str, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@functools.lru_cache(maxsize=1)
def vega_runtime() -> str:
    """The vega + vega-lite + vega-embed bundle, from vl-convert (no network).

    Bundling takes seconds, so the bundle is cached in the user cache dir, keyed
    by the vl-convert and Vega-Lite versions.
    """
    import vl_convert as vlc

    try:
        from altair.utils._importers import vl_version_for_vl_convert

        vl_version: str | None = vl_version_for_vl_convert()
    except ImportError:
        vl_version = None
    cache = Path(platformdirs.user_cache_dir("modelatlas")) / (
        f"vega-embed-{metadata.version('vl-convert-python')}-{vl_version or 'default'}.js")
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = str(vlc.javascript_bundle(vl_version=vl_version) if vl_version  # type: ignore[call-arg]
                 else vlc.javascript_bundle())  # type: ignore[call-arg]
    bundle = bundle.replace("</script", "<\\/script")
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(bundle, encoding="utf-8")
        tmp.replace(cache)
    except OSError:
        pass
    return bundle


def _fmt(v: Any, col: str) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA or v is pd.NaT:
        return "–"
    if isinstance(v, pd.Timestamp):
        return str(v.strftime("%Y-%m-%d") if v == v.normalize() else v.isoformat())
    if isinstance(v, float):
        if "share" in col:
            return f"{100 * v:.1f}%"
        if col in ("ram",):
            return f"{v:.2f}"
        return f"{v:,.0f}" if abs(v) >= 100 or v == int(v) else f"{v:,.2f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


def table_html(df: pd.DataFrame, max_rows: int = 15) -> str:
    """A compact, escaped HTML table of the first ``max_rows`` rows."""
    cols = list(df.columns)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = []
    for rec in df.head(max_rows).astype(object).to_dict("records"):
        cells = "".join(
            f"<td class=\"{'num' if isinstance(rec[c], int | float) else 'txt'}\">"
            f"{html.escape(_fmt(rec[c], str(c)))}</td>" for c in cols)
        body.append(f"<tr>{cells}</tr>")
    more = (f"<p class=\"more\">{len(df) - max_rows:,} more rows in the CSV/Parquet file.</p>"
            if len(df) > max_rows else "")
    return (f"<div class=\"tablewrap\"><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table></div>{more}")


CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#e3e6ec; --accent:#b3261e; }
* { box-sizing: border-box; }
body { margin:0; font:16px/1.55 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
       sans-serif; color:var(--ink); background:#f6f7f9; }
main { max-width: 980px; margin: 0 auto; padding: 28px 28px 60px; background:#fff;
       min-height:100vh; box-shadow: 0 0 0 1px var(--line); }
header h1 { font-size: 30px; margin: 0 0 4px; letter-spacing:-0.01em; }
header .sub { color: var(--muted); margin: 0 0 18px; }
.sim { background: var(--accent); color:#fff; font-weight:700; padding:10px 14px;
       border-radius:6px; letter-spacing:.04em; margin: 0 0 18px; }
.headline { font-size: 22px; line-height:1.4; font-weight:600; border-left: 5px solid #1f77b4;
            padding: 6px 0 6px 16px; margin: 8px 0 18px; }
.kpis { display:flex; gap:14px; flex-wrap:wrap; margin: 0 0 10px; }
.kpi { flex:1 1 150px; border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
.kpi b { display:block; font-size:24px; }
.kpi span { color:var(--muted); font-size:13px; }
section { border-top: 1px solid var(--line); padding-top: 14px; margin-top: 26px; }
h2 { font-size: 21px; margin: 0 0 6px; }
.lead { margin: 0 0 10px; }
.chart { margin: 8px 0 6px; min-height: 60px; }
.notes { color: var(--muted); font-size: 14px; margin: 6px 0 0; padding-left: 18px; }
.empty { color: var(--muted); font-style: italic; }
.tablewrap { overflow-x:auto; }
table { border-collapse: collapse; font-size: 13.5px; margin: 8px 0; min-width: 60%; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align:left; }
th { background: #f0f2f5; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.more { color: var(--muted); font-size: 13px; margin: 0; }
footer { color: var(--muted); font-size: 13px; margin-top: 34px; border-top:1px solid var(--line);
         padding-top: 10px; }
nav { font-size: 14px; margin: 0 0 6px; }
nav a { color: #1f5fa8; margin-right: 12px; text-decoration: none; }
"""


def render(
    *, title: str, subtitle: str, headline: str, kpis: list[tuple[str, str]],
    sections: list[Section], simulated: bool, footer: str, runtime: str,
) -> str:
    """The whole page as one string."""
    e = html.escape
    charts: list[tuple[str, dict[str, Any]]] = []
    parts = []
    for s in sections:
        block = [f"<section id=\"{e(s.key)}\"><h2>{e(s.title)}</h2>"]
        if s.lead:
            block.append(f"<p class=\"lead\">{e(s.lead)}</p>")
        has_data = s.chart is not None and not (s.table is not None and s.table.empty)
        if has_data and s.chart is not None:
            cid = f"chart-{len(charts)}"
            charts.append((cid, s.chart))
            block.append(f"<div class=\"chart\" id=\"{cid}\" role=\"img\""
                         f" aria-label=\"{e(s.title)}\"></div>")
        if s.table is not None and not s.table.empty:
            block.append(table_html(s.table))
        elif s.empty and not has_data:
            block.append(f"<p class=\"empty\">{e(s.empty)}</p>")
        if s.notes:
            block.append("<ul class=\"notes\">" + "".join(f"<li>{e(n)}</li>" for n in s.notes)
                         + "</ul>")
        block.append("</section>")
        parts.append("".join(block))
    sim = ("<div class=\"sim\">SIMULATED DATA — every number below comes from a synthetic "
           "Hub generated by modelatlas, not from real Hugging Face data.</div>"
           if simulated else "")
    kpi_html = "".join(f"<div class=\"kpi\"><b>{e(v)}</b><span>{e(k)}</span></div>"
                       for k, v in kpis)
    nav = "".join(f"<a href=\"#{e(s.key)}\">{e(s.title)}</a>" for s in sections)
    embeds = "\n".join(
        f"vegaEmbed({script_json('#' + cid)}, {script_json(spec)}, opts)"
        ".catch(function (err) { console.error(err); });" for cid, spec in charts)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(title)}</title>
<style>{CSS}</style>
<script>{runtime}</script>
</head><body><main>
<header><h1>{e(title)}</h1><p class="sub">{e(subtitle)}</p></header>
{sim}
<p class="headline">{e(headline)}</p>
<div class="kpis">{kpi_html}</div>
<nav>{nav}</nav>
{''.join(parts)}
<footer>{e(footer)}</footer>
</main>
<script>
var opts = {{"actions": false, "renderer": "svg"}};
{embeds}
</script>
</body></html>
"""
