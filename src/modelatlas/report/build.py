"""Build the report: registered queries -> sections (charts and words) -> files.

Sections live one per module in :mod:`modelatlas.report.sections` and ask the
:class:`~modelatlas.atlas.Atlas` for queries by name; the report has no metric
code of its own. Each section carries its method and caveats. The whole report
is a handful of set-based queries (the downloads cubes are computed once and
shared), so it scales with the store, not with Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from modelatlas import __version__
from modelatlas.dates import parse_date
from modelatlas.report.context import ReportContext
from modelatlas.report.markdown import render_md
from modelatlas.report.page import Section, render, vega_runtime
from modelatlas.report.sections import all_sections
from modelatlas.report.text import headline
from modelatlas.store.db import Store

if TYPE_CHECKING:
    from modelatlas.atlas import Atlas

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


def build_report(
    atlas: Atlas,
    out: Path,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> ReportResult:
    """Run every section's queries, write index.html, report.md and data/<table>.csv|.parquet."""
    lo = parse_date(since, "--since", bound="start")
    hi = parse_date(until, "--until", bound="end")
    ctx = ReportContext(atlas, lo, hi)
    with bounded_memory(atlas.store):
        f = atlas.stats()
        secs: list[Section] = []
        for spec in all_sections():
            secs.extend(spec.build(ctx))
    out = Path(out)
    (out / "data").mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for name, df in ctx.tables.items():
        for ext in ("csv", "parquet"):
            p = out / "data" / f"{name}.{ext}"
            if ext == "csv":
                df.to_csv(p, index=False)
            else:
                df.to_parquet(p, index=False)
            files.append(p)
    head, _h = headline(ctx.tables.get("share_region_root", ctx.query(
        "share", {"by": "region", "attribution": "root"})))
    simulated = bool(f.get("simulated"))
    title = "Who is winning open AI" + (" (SIMULATED)" if simulated else "")
    rng = f"{f.get('first_snapshot') or '–'} to {f.get('last_snapshot') or '–'}"
    subtitle = (f"modelatlas report · {f.get('snapshots', 0)} snapshots, {rng}"
                + (f" · range {lo or '…'} to {hi or '…'}" if (lo or hi) else ""))
    kpis = [("models in the store", f"{_int(f.get('models')):,}"),
            ("snapshots", f"{_int(f.get('snapshots')):,}"),
            ("observations", f"{_int(f.get('observations')):,}"),
            ("organisations in the catalog", f"{_int(f.get('orgs')):,}")]
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
