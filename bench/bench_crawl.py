"""Benchmark: crawl a fake Hub (and a fake ModelScope) on loopback, against a baseline.

    .venv/bin/python bench/bench_crawl.py [--models N] [--page-size S] [--modelscope M]

In the same run, on the same fake server:

* **baseline**: a bare ``httpx`` loop that follows ``Link`` with the same query
  (page size, ``expand`` fields) and parses each page with ``json.loads``; it
  stores nothing, so it is the floor of any client's listing cost here;
* **modelatlas**: ``ingest_hub`` into a fresh on-disk store: listing (fetch,
  checkpoint each page), one commit for the snapshot, derived tables.

Prints seconds, models/s, the ratio to the baseline, peak RSS of this process
(the fake server runs in it too) and the store size. With ``--modelscope M`` it
also crawls M ModelScope models through the 3,000-deep openapi listing and
reports the requests used against the floor of ``ceil(M / 50)``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakehub import FakeHub, make_models, make_ms_models, running

from modelatlas import derive
from modelatlas.crawl import commit, run
from modelatlas.sources.hub_api import LIST_EXPAND, HubClient, RetryPolicy, next_link
from modelatlas.store import open_store


def baseline(base: str, page_size: int) -> tuple[float, int]:
    """Seconds and models for a bare httpx + json listing of the whole fake Hub."""
    import json

    t = time.perf_counter()
    n = 0
    params = [("sort", "downloads"), ("limit", str(page_size))]
    params += [("expand", e) for e in LIST_EXPAND]
    url: str | None = str(httpx.URL(f"{base}/api/models", params=params))
    with httpx.Client(timeout=60) as cl:
        while url:
            r = cl.get(url)
            n += len(json.loads(r.text))
            url = next_link(r.headers, url)
    return time.perf_counter() - t, n


def hub_bench(n: int, page_size: int) -> None:
    os.environ["MODELATLAS_PAGE_SIZE"] = str(page_size)
    t0 = time.perf_counter()
    hub = FakeHub(make_models(n))
    print(f"fake hub of {n:,} models built in {time.perf_counter() - t0:.1f}s")
    timings: dict[str, float] = {}
    real_commit, real_refresh = commit.commit_job, derive.refresh

    def timed_commit(*a: object, **k: object) -> int:
        t = time.perf_counter()
        timings["listing"] = t - timings["start"]
        out = real_commit(*a, **k)  # type: ignore[arg-type]
        timings["commit"] = time.perf_counter() - t
        return out

    def timed_refresh(*a: object, **k: object) -> list[str]:
        t = time.perf_counter()
        out = real_refresh(*a, **k)  # type: ignore[arg-type]
        timings["derive"] = time.perf_counter() - t
        return out

    run.commit_job = timed_commit  # type: ignore[assignment]
    run.derive.refresh = timed_refresh  # type: ignore[assignment]
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as d, running(hub):
        hub.order("downloads")  # sort once, outside both timings
        base_s, base_n = baseline(hub.base, page_size)
        path = Path(d) / "bench.duckdb"
        st = open_store(path)
        cl = HubClient(hub.base, policy=RetryPolicy(), sleep=lambda s: None, token=False)
        timings["start"] = time.perf_counter()
        s = run.ingest_hub(st, client=cl)
        total = time.perf_counter() - timings["start"]
        st.close()
        size = path.stat().st_size
    rss = psutil.Process().memory_info().rss
    listing = timings["listing"]
    print(f"baseline (httpx + json, no store): {base_s:.1f}s for {base_n:,} records"
          f" ({base_n / base_s:,.0f}/s)")
    print(f"modelatlas: {s.ingest.models:,} models, {s.pages} pages, {s.requests} requests;"
          f" listing {listing:.1f}s ({listing / base_s:.2f}x baseline), commit"
          f" {timings['commit']:.1f}s, derive {timings.get('derive', 0):.1f}s,"
          f" total {total:.1f}s ({total / base_s:.2f}x baseline)")
    print(f"rss {rss / 2**20:.0f} MiB (fake server included)  store {size / 2**20:.0f} MiB")


def modelscope_bench(m: int) -> None:
    hub = FakeHub(ms_models=make_ms_models(m, owners=max(1, m // 120)), ms_malformed=[])
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as d, running(hub):
        st = open_store(Path(d) / "ms.duckdb")
        t = time.perf_counter()
        cl = HubClient(hub.base, policy=RetryPolicy(), sleep=lambda s: None, token=False)
        s = run.ingest_modelscope(st, client=cl)
        secs = time.perf_counter() - t
        st.close()
    doc = s.as_dict()
    floor = math.ceil(m / 50)
    print(f"modelscope: {doc['listed_distinct']:,} of {doc['expected_total']:,} models"
          f" (partial={doc['partial']}) in {secs:.1f}s, {s.requests} requests"
          f" = {s.requests / floor:.2f}x the floor of {floor} (one listing 50 per page)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=100_000)
    ap.add_argument("--page-size", type=int, default=500)
    ap.add_argument("--modelscope", type=int, default=0)
    a = ap.parse_args()
    hub_bench(a.models, a.page_size)
    if a.modelscope:
        modelscope_bench(a.modelscope)


if __name__ == "__main__":
    main()
