"""Benchmark: every dashboard page in Chromium, and every ``/api/*`` call the pages
make, on a large SIMULATED store.

Builds a store (the report benchmark's :func:`bench_report.build_store`: DuckDB
SQL, no Python loop over models; 3M models x 24 month-end snapshots by default)
or reuses one READ-ONLY (``--keep``; e.g. the ingest benchmark's
``/tmp/big/store/hub.duckdb``: the server opens it read-only, this script never
writes to it), then runs ``modelatlas serve`` on it twice:

1. **pages** (fresh server): once its start-up warm-up is done (``/api/ready``;
   ``--no-wait-ready`` visits at once), each page opened in Debian's Chromium
   (Playwright, ``tests/browser.py``), first **cold** (the first view by a user:
   a default view was built by the warm-up, any other page pays for the queries
   it runs on this store, minus what an earlier page already computed), then
   ``--repeat`` **warm** views (answers and pages from the per-generation caches,
   static files from the browser cache). The
   browser's own clock gives first contentful paint, DOMContentLoaded
   ("interactive": the page's script has run, links and forms work) and
   "drawn" (every chart drawn and, on a model page, the check shown); the
   server's access log gives the server time of the page and of the calls the
   page's script makes (``/api/check``).
   The intermediate cache beside the store (``<store>.cache``) is removed first, so
   this is the first server of this store state (as after an ingest).
2. **restart** (``--skip-restart`` to skip): a second fresh server over the same
   store state, warm-up on, with the intermediates the first one left in
   ``<store>.cache``: seconds to ``/api/ready`` and each page's first view, as a
   user meets them after a restart.
3. **API calls** (a third fresh server, warm-up off and ``MODELATLAS_QUERY_CACHE=0``,
   so nothing is cached): every
   ``/api/...`` answer the pages read (each page lists them in its footer, plus
   the check its script fetches), fetched over loopback with httpx, each one
   **cold** once, then after that warm-up ``--repeat`` times for p50/p95 (as
   ``bench_api.py`` measures p95).

The baseline, in the same run, is each page's data floor: its API answers
fetched raw and warm in sequence; ``drawn_over_floor`` says what HTML, charts
and the browser add.

    nice .venv/bin/python bench/bench_pages.py --db /tmp/big/store/hub.duckdb --keep \
        [--repeat 5] [--workdir /tmp/dashboard] [--shots DIR] [--out FILE]

Target (issue 15): every page interactive in < 1 s, every API call p95 < 150 ms.
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


def deepest_model(db: Path) -> str | None:
    """The derivative with the longest chain to its root (its page walks every
    ancestor), read before the server starts; the store is opened read-only."""
    from modelatlas.store import open_store

    with open_store(db, read_only=True) as st:
        row = st.con.execute("SELECT model_id FROM roots ORDER BY depth DESC, model_id "
                             "LIMIT 1").fetchone()
    return str(row[0]) if row else None


def pages_for(base: str, deep: str | None) -> dict[str, str]:
    """Every page, with ids taken from the store (the largest org, tree and model, and
    the deepest derivative)."""
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
        **({"model-deep": "/model?id=" + quote(deep, safe="")} if deep else {}),
        "licences": "/licences",
        "changes": "/changes",
        "openness": "/openness",
        "search": "/search?q=" + quote(org[:6], safe=""),
    }


def page_calls(html: str) -> list[str]:
    """The API answers a page read, as its footer lists them."""
    return [u.replace("&amp;", "&") for u in re.findall(r'<li><a href="(/api/[^"]+)">', html)]


def check_call(url: str) -> str | None:
    """The ``/api/check`` URL a model page's script fetches."""
    if not url.startswith("/model?id="):
        return None
    return "/api/check/" + url.split("=", 1)[1].replace("%2F", "/")


def script_calls(url: str) -> list[str]:
    """The answers a model page's script fetches after it is shown: its check and its
    RAM."""
    check = check_call(url)
    if check is None:
        return []
    return [check, check.replace("/api/check/", "/api/ram/", 1)]


def wait_ready(base: str, t0: float, budget: float = 3600) -> dict[str, Any]:
    """Wait until ``serve``'s warm-up has built the default views (``/api/ready``);
    its answer, with the seconds from process start."""
    deadline = time.monotonic() + budget
    while True:
        doc: dict[str, Any] = httpx.get(base + "/api/ready", timeout=60).json()
        if doc["ready"] or doc["state"] in ("off", "failed") or time.monotonic() > deadline:
            doc["since_start_s"] = time.perf_counter() - t0
            for v in doc["views"]:
                print(f"  warm-up {v['ms'] or 0:9.0f} ms  {v['status']}  {v['url'][:100]}",
                      flush=True)
            return doc
        time.sleep(1)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def server_times(log: Path) -> dict[str, list[float]]:
    """Server milliseconds per request path (with query) from ``serve``'s access log."""
    out: dict[str, list[float]] = {}
    for line in log.read_text(errors="replace").splitlines():
        m = re.match(r"^GET (\S+) \d{3} ([0-9.]+)ms$", line)
        if m:
            out.setdefault(m.group(1), []).append(float(m.group(2)))
    return out


def server_rss_mb(pid: int) -> float:
    import psutil

    return float(psutil.Process(pid).memory_info().rss) / 2**20


def visit_pages(srv: browser.Server, urls: dict[str, str], repeat: int,
                shots: Path | None) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Phase 1: every page cold, then warm, in Chromium; the API calls each page made."""
    from playwright.sync_api import sync_playwright

    pages: dict[str, Any] = {}
    calls: dict[str, list[str]] = {}
    with sync_playwright() as pw:
        b = browser.launch(pw)
        page = browser.new_page(b)
        page.set_default_timeout(600_000)
        for name, url in urls.items():
            try:
                cold, computing = visit_until_built(page, srv.base + url)
                warm = [browser.timed_visit(page, srv.base + url) for _ in range(repeat)]
            except Exception as exc:  # one failing page is a result, not the end of the run
                pages[name] = {"url": url, "error": f"{type(exc).__name__}: {str(exc)[:300]}"}
                calls[name] = []
                print(f"{name:20s} FAILED {pages[name]['error']}", flush=True)
                continue
            html = page.content()
            calls[name] = page_calls(html) + script_calls(url)
            if shots:
                shots.mkdir(parents=True, exist_ok=True)
                height = min(SHOT_MAX_HEIGHT, int(page.evaluate(
                    "() => document.documentElement.scrollHeight")))
                page.screenshot(path=str(shots / f"{name}.png"), full_page=True,
                                clip={"x": 0, "y": 0, "width": 1200, "height": height})
            pages[name] = {
                "url": url, "charts": cold.charts, **computing,
                "cold_first_paint_ms": cold.first_paint_ms,
                "cold_interactive_ms": cold.interactive_ms, "cold_drawn_ms": cold.drawn_ms,
                "warm_first_paint_ms": statistics.median(w.first_paint_ms for w in warm),
                "warm_interactive_ms": statistics.median(w.interactive_ms for w in warm),
                "warm_interactive_max_ms": max(w.interactive_ms for w in warm),
                "warm_drawn_ms": statistics.median(w.drawn_ms for w in warm),
                "warm_drawn_max_ms": max(w.drawn_ms for w in warm),
            }
            first = computing.get("computing_interactive_ms")
            note = f" (computing page {first:.0f} ms)" if first is not None else ""
            print(f"{name:20s} cold {cold.interactive_ms:8.0f} / {cold.drawn_ms:8.0f} ms{note}"
                  f"   warm {pages[name]['warm_interactive_ms']:6.0f} /"
                  f" {pages[name]['warm_drawn_ms']:6.0f} ms", flush=True)
        b.close()
    return pages, calls


def visit_until_built(page: Any, url: str) -> tuple[browser.Timing, dict[str, Any]]:
    """The first view of ``url``: when serve answers with its "computing" page (the
    view is not built within the page budget), that page's timings, then the built
    view's, its ``interactive_ms`` and ``drawn_ms`` counted from the first request."""
    page.goto("about:blank")   # no earlier computing page may reload into this one
    t0 = time.perf_counter()
    first = browser.timed_visit(page, url)
    if not page.query_selector("#pending"):
        return first, {}
    while True:
        time.sleep(1)
        start = (time.perf_counter() - t0) * 1000
        try:
            view = browser.timed_visit(page, url)
        except Exception as exc:  # the computing page's own reload cut this navigation
            if "ERR_ABORTED" not in str(exc) and "navigat" not in str(exc).lower():
                raise
            continue
        if not page.query_selector("#pending"):
            break
    built = browser.Timing(view.url, start + view.first_paint_ms, start + view.interactive_ms,
                           start + view.drawn_ms, view.charts)
    return built, {"computing_interactive_ms": first.interactive_ms,
                   "computing_drawn_ms": first.drawn_ms}


def time_calls(base: str, calls: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """Phase 2: each call once cold (nothing cached), then ``repeat`` times warm."""
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(base_url=base, timeout=3600) as c:
        for url in calls:
            t0 = time.perf_counter()
            r = c.get(url)
            cold = (time.perf_counter() - t0) * 1000
            warm = []
            for _ in range(repeat):
                t1 = time.perf_counter()
                c.get(url)
                warm.append((time.perf_counter() - t1) * 1000)
            out[url] = {"status": r.status_code, "bytes": len(r.content), "cold_ms": cold,
                        "warm_p50_ms": statistics.median(warm),
                        "warm_p95_ms": percentile(warm, 95)}
            print(f"  {cold:9.1f} ms cold  {out[url]['warm_p95_ms']:6.1f} ms p95  "
                  f"{r.status_code} {len(r.content):>9,d} B  {url[:110]}", flush=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--snapshots", type=int, default=24)
    ap.add_argument("--db", type=Path, default=Path("/tmp/bench_pages.duckdb"))
    ap.add_argument("--keep", action="store_true",
                    help="Reuse an existing store at --db (opened read-only).")
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/bench_pages"),
                    help="Server logs go here (never beside a reused store).")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--shots", type=Path, help="Save a full-page screenshot of each page here.")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--no-wait-ready", dest="wait_ready", action="store_false",
                    help="Visit pages at once, while serve's warm-up still runs (default: "
                         "wait for /api/ready, as a user arriving after start-up would).")
    ap.add_argument("--only", default="", metavar="NAME,...",
                    help="Visit only these pages (names as printed).")
    ap.add_argument("--skip-api", action="store_true",
                    help="Skip phase 3 (the API calls on a third server, caches off).")
    ap.add_argument("--skip-restart", action="store_true",
                    help="Skip phase 2 (a restarted server reading the cache file).")
    ap.add_argument("--page", action="append", default=[], metavar="NAME=URL",
                    help="One more page to visit (e.g. a hostile model for a screenshot).")
    args = ap.parse_args()
    if not browser.available():
        raise SystemExit("needs /usr/bin/chromium (apt-get install chromium)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    res: dict[str, Any] = {"db": str(args.db), "load_before": os.getloadavg()}
    if not (args.keep and args.db.exists()):
        res.update({"models": args.models, "snapshots": args.snapshots})
        res.update(build_store(args.db, args.models, args.snapshots))
    log1, log2 = args.workdir / "serve-pages.log", args.workdir / "serve-api.log"

    deep = deepest_model(args.db)
    # serve's own page budget (tests/browser.py raises it for the tests)
    from modelatlas.settings import SETTINGS

    os.environ.setdefault("MODELATLAS_PAGE_BUDGET", SETTINGS["page_budget"].default)
    res["page_budget_s"] = float(os.environ["MODELATLAS_PAGE_BUDGET"])
    from modelatlas.queries._engine import cache_path

    for stale in (cache_path(args.db), cache_path(args.db).with_name(
            cache_path(args.db).name + ".wal")):
        stale.unlink(missing_ok=True)
    t0 = time.perf_counter()
    srv = browser.Server(args.db, log1).start(timeout=3600)
    res["serve_start_s"] = time.perf_counter() - t0
    try:
        res["stats"] = httpx.get(srv.base + "/api/stats", timeout=3600).json()
        if args.wait_ready:
            res["ready"] = wait_ready(srv.base, t0)
        urls = pages_for(srv.base, deep)
        urls.update(dict(p.split("=", 1) for p in args.page))
        if args.only:
            keep = set(args.only.split(","))
            urls = {k: v for k, v in urls.items() if k in keep}
        pages, calls = visit_pages(srv, urls, args.repeat, args.shots)
        assert srv.proc is not None
        res["server_rss_mb_pages"] = server_rss_mb(srv.proc.pid)
    finally:
        srv.stop()
    seen = server_times(log1)
    for p in pages.values():
        if "error" in p:
            continue
        p["server_cold_ms"] = (seen.get(p["url"]) or [float("nan")])[0]
        check = check_call(p["url"])
        if check:
            p["check_server_cold_ms"] = (seen.get(check) or [float("nan")])[0]

    if not args.skip_restart:
        print("restart: a fresh server over the same store state, with its cache file:",
              flush=True)
        res["load_restart"] = os.getloadavg()
        t0 = time.perf_counter()
        srv = browser.Server(args.db, args.workdir / "serve-restart.log").start(timeout=3600)
        try:
            res["restart_serve_start_s"] = time.perf_counter() - t0
            res["restart_ready"] = wait_ready(srv.base, t0)
            again, _ = visit_pages(srv, urls, 1, None)
            res["restart_pages"] = {k: {"cold_interactive_ms": v.get("cold_interactive_ms"),
                                        "cold_drawn_ms": v.get("cold_drawn_ms"),
                                        "computing_interactive_ms":
                                            v.get("computing_interactive_ms"),
                                        "error": v.get("error")}
                                    for k, v in again.items()}
            res["cache_file_mb"] = cache_path(args.db).stat().st_size / 2**20 \
                if cache_path(args.db).exists() else None
        finally:
            srv.stop()

    if args.skip_api:
        res["pages"] = pages
        res["load_after"] = os.getloadavg()
        text = json.dumps(res, indent=2, default=str)
        if args.out:
            args.out.write_text(text + "\n")
        print(text)
        return 0
    print("API calls, fresh server:", flush=True)
    res["load_api"] = os.getloadavg()
    # no warm-up here: the cold calls time the queries themselves
    os.environ["MODELATLAS_SERVE_WARMUP"] = "0"
    os.environ["MODELATLAS_QUERY_CACHE"] = "0"
    srv = browser.Server(args.db, log2).start(timeout=3600)
    try:
        unique = list(dict.fromkeys(u for cs in calls.values() for u in cs))
        api = time_calls(srv.base, unique, args.repeat)
        assert srv.proc is not None
        res["server_rss_mb_api"] = server_rss_mb(srv.proc.pid)
    finally:
        srv.stop()
    for name, p in pages.items():
        if "error" in p:
            continue
        mine = calls[name]
        p["api_calls"] = len(mine)
        # the data floor: the page's answers in sequence, warm
        p["api_floor_ms"] = sum(api[u]["warm_p50_ms"] for u in mine)
        p["api_cold_sum_ms"] = sum(api[u]["cold_ms"] for u in mine)
        slow = max(mine, key=lambda u: api[u]["cold_ms"], default=None)
        p["slowest_call"] = {"url": slow, **api[slow]} if slow else None
        p["drawn_over_floor"] = (p["warm_drawn_ms"] / p["api_floor_ms"]
                                 if p["api_floor_ms"] else None)
    res["pages"] = pages
    res["api"] = api
    res["load_after"] = os.getloadavg()
    res["ok_warm_pages"] = all("error" not in p and p["warm_interactive_max_ms"] < 1000
                               for p in pages.values())
    res["ok_cold_pages"] = all("error" not in p and p["cold_interactive_ms"] < 1000
                               for p in pages.values())
    res["ok_api_p95"] = all(c["warm_p95_ms"] < 150 for c in api.values())
    text = json.dumps(res, indent=2, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if res["ok_warm_pages"] and res["ok_api_p95"] else 1


if __name__ == "__main__":
    sys.exit(main())
