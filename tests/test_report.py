"""The report: files written, headline in words, untrusted strings escaped, and the page
renders in headless Chromium with every chart drawn (skipped without /usr/bin/chromium)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.report import build_report
from modelatlas.store.db import Store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.clirunner import run_cli

CHROMIUM = Path("/usr/bin/chromium")
EVIL = '<script>alert("pwned")</script>'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small SIMULATED store with one hostile org name, and its report."""
    from modelatlas.store import open_store

    tmp = tmp_path_factory.mktemp("report")
    files = write_snapshots(SynthConfig(models=400, snapshots=6, seed=3), tmp / "sim")
    db = tmp / "atlas.duckdb"
    with open_store(db) as st:
        ingest_files(st, files)
        _inject_hostile(st)
        build_report(Atlas(st), tmp / "out")
    return tmp


def _inject_hostile(st: Store) -> None:
    snap = st.scalar("SELECT max(snapshot) FROM observations")
    st.sql("INSERT INTO models (id, org, name, source, first_seen, last_seen, meta_snapshot,"
           " license_raw, created_at) VALUES (?, ?, ?, 'hf', ?, ?, ?, ?, ?)",
           [f"{EVIL}/m", EVIL, "m", snap, snap, snap, EVIL, snap])
    st.sql("INSERT INTO observations (source, snapshot, model_id, downloads_30d, likes)"
           " VALUES ('hf', ?, ?, 10000000000, 1)", [snap, f"{EVIL}/m"])


def test_files_written(built: Path) -> None:
    out = built / "out"
    assert (out / "index.html").stat().st_size > 100_000   # runtime inlined
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# Who is winning open AI (SIMULATED)")
    assert "**SIMULATED DATA**" in md
    for name in ("share_region_root", "share_region_direct", "top_orgs_root", "concentration_root",
                 "licence_mix", "releases_monthly", "ram_leaders_30d"):
        csv = pd.read_csv(out / "data" / f"{name}.csv")
        pq = pd.read_parquet(out / "data" / f"{name}.parquet")
        assert len(csv) == len(pq)
    assert len(pd.read_csv(out / "data" / "share_region_root.csv")) > 0


def test_headline_and_labels(built: Path) -> None:
    page = (built / "out" / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<p class="headline">In (\w+ \d{4}), models from China drew ([\d.]+)% of '
                  r'downloads, the U\.S\. ([\d.]+)% \(root attribution\)', page)
    assert m, "headline missing"
    assert 'class="sim"' in page and "SIMULATED DATA" in page
    assert "30-day download counter at the last snapshot" in page
    assert "https://cdn" not in page and "<script src=" not in page   # no CDN, opens offline


def test_untrusted_strings_are_escaped(built: Path) -> None:
    page = (built / "out" / "index.html").read_text(encoding="utf-8")
    md = (built / "out" / "report.md").read_text(encoding="utf-8")
    assert EVIL not in page and EVIL not in md
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page   # escaped in a table
    assert "\\u003cscript\\u003ealert" in page                              # escaped in chart JSON
    assert page.count("<script") == 2   # the runtime and the embed calls, nothing else


def test_cli_report(built: Path) -> None:
    r = run_cli("--db", str(built / "atlas.duckdb"), "report", "--out", str(built / "cli"),
                "--since", "2026-07", "--json")
    assert r.code == 0, r.err
    assert (built / "cli" / "index.html").exists()
    share = pd.read_csv(built / "cli" / "data" / "share_region_root.csv")
    assert share["period"].min() >= "2026-07"
    bad = run_cli("--db", str(built / "atlas.duckdb"), "report", "--out", str(built / "x"),
                  "--since", "yesterday")
    assert bad.code == 2 and "--since" in bad.err


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_renders_in_chromium_with_all_charts(built: Path) -> None:
    html = built / "out" / "index.html"
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
             "--virtual-time-budget=20000", "--window-size=1100,7000"]
    dom = subprocess.run([str(CHROMIUM), *flags, "--dump-dom", html.as_uri()],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    divs = re.findall(r'id="(chart-\d+)"', dom)
    assert len(divs) >= 8
    for cid in divs:   # vega-embed drew an SVG with marks into every chart container
        block = dom.split(f'id="{cid}"', 1)[1].split('id="chart-', 1)[0]
        assert "<svg" in block and "mark-" in block, f"{cid} not rendered"
    png = built / "report.png"
    subprocess.run([str(CHROMIUM), *flags, f"--screenshot={png}", html.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 100_000


def test_headline_skips_a_thin_last_month() -> None:
    import pandas as pd

    from modelatlas.report.text import headline

    df = pd.DataFrame({
        "period": ["2026-04", "2026-04", "2026-05", "2026-05"],
        "group": ["china", "us", "china", "unknown"],
        "value": [600.0, 400.0, 0.0, 5.0],
        "share": [0.6, 0.4, 0.0, 1.0],
    })
    text, facts = headline(df)
    assert facts["period"] == "2026-04" and "China drew 60.0%" in text
    assert "May 2026 has too few observed downloads" in text
    df2 = df.assign(value=[600.0, 400.0, 300.0, 200.0])
    assert headline(df2)[1]["period"] == "2026-05"
