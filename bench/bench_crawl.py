"""Benchmark: crawl a fake Hub of N models on loopback into a fresh on-disk store.

    .venv/bin/python bench/bench_crawl.py [N] [PAGE_SIZE]

Prints listing time (fetch + checkpoint per page), commit time (one transaction
for the whole snapshot), derive time, peak RSS and store size. The fake server
runs in-process, so listing time is an upper bound of client-side cost.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fakehub import FakeHub, make_models, running

from modelatlas import derive
from modelatlas.crawl import commit, run
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.store import open_store


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    os.environ["MODELATLAS_PAGE_SIZE"] = sys.argv[2] if len(sys.argv) > 2 else "1000"
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
    with tempfile.TemporaryDirectory() as d, running(hub):
        path = Path(d) / "bench.duckdb"
        st = open_store(path)
        cl = HubClient(hub.base, policy=RetryPolicy(), sleep=lambda s: None)
        timings["start"] = time.perf_counter()
        s = run.ingest_hub(st, client=cl)
        total = time.perf_counter() - timings["start"]
        st.close()
        size = path.stat().st_size
    rss = psutil.Process().memory_info().rss
    print(f"models {s.ingest.models:,} pages {s.pages} requests {s.requests}")
    print(f"listing {timings['listing']:.1f}s  commit {timings['commit']:.1f}s  "
          f"derive {timings.get('derive', 0):.1f}s  total {total:.1f}s")
    print(f"rss {rss / 2**20:.0f} MiB  store {size / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
