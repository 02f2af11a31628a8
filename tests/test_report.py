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
    # the hostile model's 10 billion downloads in the last month have no known region:
    # below the coverage threshold there is no headline, and the page says why
    m = re.search(r'<p class="headline">No headline: in (\w+ \d{4}), the developer&#x27;s '
                  r'region is known for only ([\d.]+)% of the downloads of population '
                  '\u201chub\u201d \\(a headline needs 90.0%\\)', page)
    assert m, "coverage refusal missing"
    assert float(m.group(2)) < 90
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


def _share(rows: list[tuple[str, str, float]], coverage: dict[str, float],
           partial: dict[str, bool] | None = None) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["period", "group", "value"])
    df["share"] = df["value"] / df.groupby("period")["value"].transform("sum")
    df["population"] = "trending"
    df["coverage"] = df["period"].map(coverage)
    df["lineage_coverage"] = 1.0
    df["partial"] = df["period"].map(lambda p: bool((partial or {}).get(p, False)))
    return df


POP = {"kind": "filtered", "description": "models on the Hub's daily trending lists",
       "models": 343, "top_pipeline": "feature-extraction", "top_pipeline_share": 0.638}


def test_headline_names_population_coverage_and_attribution() -> None:
    from modelatlas.report.text import headline

    df = _share([("2026-04", "china", 600.0), ("2026-04", "us", 390.0),
                 ("2026-04", "unknown", 10.0), ("2026-05", "china", 0.0),
                 ("2026-05", "unknown", 5.0)], {"2026-04": 0.99, "2026-05": 0.0})
    text, facts = headline(df, POP)
    assert facts["period"] == "2026-04" and facts["population"] == "trending"
    assert text.startswith("In April 2026, among the models on the Hub's daily trending lists"
                           " (population \u201ctrending\u201d, a filtered list; 343 models,"
                           " 63.8% feature-extraction), models from China drew 60.0% of "
                           "downloads, the U.S. 39.0%")
    assert "(root attribution; the developer's region is known for 99.0%" in text
    assert "May 2026 has too few observed downloads" in text


def test_no_headline_below_the_coverage_threshold() -> None:
    from modelatlas.report.text import HEADLINE_MIN_COVERAGE, headline

    df = _share([("2026-04", "us", 60.0), ("2026-04", "unknown", 40.0)], {"2026-04": 0.6})
    text, facts = headline(df, POP)
    assert HEADLINE_MIN_COVERAGE == 0.9
    assert text.startswith("No headline: in April 2026, the developer's region is known for "
                           "only 60.0%") and facts["coverage"] == 0.6


def test_no_headline_from_a_partial_month() -> None:
    from modelatlas.report.text import headline

    df = _share([("2026-05", "us", 60.0), ("2026-05", "china", 40.0)], {"2026-05": 1.0},
                {"2026-05": True})
    text, _ = headline(df, POP)
    assert text.startswith("No headline") and "May 2026 is partial" in text
    ok = _share([("2026-04", "us", 50.0), ("2026-05", "us", 60.0), ("2026-05", "china", 40.0)],
                {"2026-04": 1.0, "2026-05": 1.0}, {"2026-05": True})
    text, facts = headline(ok, POP)
    assert facts["period"] == "2026-04" and "May 2026 is partial" in text
