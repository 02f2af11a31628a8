"""Benchmark: every dashboard page in Chromium on a large SIMULATED store.

Builds (or reuses, ``--keep``) the report benchmark's store
(:func:`bench_report.build_store`: DuckDB SQL, no Python loop over models; 3M
models x 24 month-end snapshots by default), starts ``modelatlas serve`` on it
and opens every page in Debian's Chromium (Playwright, ``tests/browser.py``):

- **cold**: the first view of each page after the server started, so it pays
  for the queries it runs (and the downloads cubes they share) on this store;
- **warm**: ``--repeat`` more views (a browser tab revisiting the page; the
  server answers from its per-generation caches, static files from the
  browser cache);

and for each view the browser's own clock: first contentful paint,
DOMContentLoaded ("interactive": the page's script has run, links and forms
work) and "drawn" (every chart drawn and, on a model page, the check shown).
The baseline, in the same run, is the data floor of each page: the API
answers the page reads (it lists them in its footer) fetched raw over loopback
with httpx, warm; the ratio says what HTML, charts and the browser add.

    .venv/bin/python bench/bench_pages.py [--models 3000000] [--snapshots 24]
        [--db /tmp/bench_pages.duckdb] [--keep] [--repeat 5] [--shots DIR] [--out FILE]

Target (issue 15): every page interactive in < 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from tests import browser  # noqa: E402

from bench_report import build_store  # noqa: E402

#: Screenshots for the docs stop here (a long table need not be shown whole).
SHOT_MAX_HEIGHT = 2600


def pages_for(base: str) -> dict[str, str]:
    """Every page, with ids taken from the store (the largest org, tree and model)."""
    with httpx.Client(base_url=base, timeout=600) as c:
        top = c.get("/api/models", params={"limit": 1}).json()
        model = top[0]["id"] if top else "none/none"
        trees = c.get("/api/derivatives", params={"metric": "trees", "limit": 1}).json()
        root = trees[0]["root"] if trees else model
    org = model.split("/", 1)[0]
    return {
        "overview": "/",
        "overview-org-root": "/?by=org&attribution=root",
        "organisations": "/orgs",
        "organisation": "/org?name=" + quote(org, safe=""),
        "families": "/families",
        "tree": "/tree?root=" + quote(root, safe=""),
        "model": "/model?id=" + quote(model, safe=""),
        "licences": "/licences",
        "changes": "/changes",
        "openness": "/openness",
        "search": "/search?q=" + quote(org[:6], safe=""),
    }


def api_floor(base: str, html: str, repeat: int) -> float:
    """Median ms to fetch, warm and in sequence, the API answers a page lists."""
    calls = re.findall(r'<li><a href="(/api/[^"]+)">', html)
    if not calls:
        return float("nan")
    times = []
    with httpx.Client(base_url=base, timeout=600) as c:
        for url in calls:
            c.get(url.replace("&amp;", "&"))
        for _ in range(repeat):
            t0 = time.perf_counter()
            for url in calls:
                c.get(url.replace("&amp;", "&")).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def server_rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 2**20


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--snapshots", type=int, default=24)
    ap.add_argument("--db", type=Path, default=Path("/tmp/bench_pages.duckdb"))
    ap.add_argument("--keep", action="store_true", help="Reuse an existing store at --db.")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shots", type=Path, help="Save a full-page screenshot of each page here.")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--page", action="append", default=[], metavar="NAME=URL",
                    help="One more page to visit (e.g. a hostile model for a screenshot).")
    args = ap.parse_args()
    if not browser.available():
        raise SystemExit("needs /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    res: dict[str, Any] = {"models": args.models, "snapshots": args.snapshots,
                           "load_before": os.getloadavg()}
    if not (args.keep and args.db.exists()):
        res.update(build_store(args.db, args.models, args.snapshots))
    t0 = time.perf_counter()
    srv = browser.Server(args.db, args.db.with_suffix(".serve.log")).start(timeout=3600)
    res["serve_start_s"] = time.perf_counter() - t0    # includes a first derive if stale
    pages: dict[str, Any] = {}
    try:
        urls = pages_for(srv.base)
        urls.update(dict(p.split("=", 1) for p in args.page))
        with sync_playwright() as pw:
            b = browser.launch(pw)
            page = browser.new_page(b)
            page.set_default_timeout(600_000)
            for name, url in urls.items():
                cold = browser.timed_visit(page, srv.base + url)
                warm = [browser.timed_visit(page, srv.base + url) for _ in range(args.repeat)]
                html = page.content()
                if args.shots:
                    args.shots.mkdir(parents=True, exist_ok=True)
                    height = min(SHOT_MAX_HEIGHT, int(page.evaluate(
                        "() => document.documentElement.scrollHeight")))
                    page.screenshot(path=str(args.shots / f"{name}.png"), full_page=True,
                                    clip={"x": 0, "y": 0, "width": 1200, "height": height})
                floor = api_floor(srv.base, html, args.repeat)
                drawn = statistics.median(w.drawn_ms for w in warm)
                pages[name] = {
                    "url": url, "charts": cold.charts,
                    "cold_interactive_ms": cold.interactive_ms, "cold_drawn_ms": cold.drawn_ms,
                    "warm_first_paint_ms": statistics.median(w.first_paint_ms for w in warm),
                    "warm_interactive_ms": statistics.median(w.interactive_ms for w in warm),
                    "warm_interactive_max_ms": max(w.interactive_ms for w in warm),
                    "warm_drawn_ms": drawn,
                    "warm_drawn_max_ms": max(w.drawn_ms for w in warm),
                    "api_floor_ms": floor, "drawn_over_floor": drawn / floor if floor else None,
                }
                print(f"{name:18s} cold {cold.interactive_ms:8.0f} / {cold.drawn_ms:8.0f} ms"
                      f"   warm {pages[name]['warm_interactive_ms']:6.0f} / {drawn:6.0f} ms"
                      f"   api floor {floor:7.1f} ms", flush=True)
            b.close()
        assert srv.proc is not None
        res["server_rss_mb"] = server_rss_mb(srv.proc.pid)
    finally:
        srv.stop()
    res["pages"] = pages
    res["load_after"] = os.getloadavg()
    res["ok"] = all(p["warm_interactive_max_ms"] < 1000 for p in pages.values())
    text = json.dumps(res, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
