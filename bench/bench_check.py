"""Benchmark: one ``check`` on a Hub-size store, vs the raw lineage query in the same run.

Builds (or reuses) a store of synthetic Hub-like models (default 3 M models, 2 M
base-model edges with the heavy-tailed shape of ``bench_roots.py``; every model has
a licence), derives the roots once, then times

- baseline: the raw lineage query a check cannot do without, one recursive
  ancestor walk over ``edges`` from the model plus the ``models`` rows of what
  it reaches (DuckDB, parameterised);
- modelatlas: :func:`modelatlas.check.check` on the same ids (store subject,
  lineage, licences, duties, conflicts, verdict; no files, no network);

over a sample of ids that have the deepest chains, and prints one JSON line with
the medians, the ratio and the load average. ``--cli N`` also times N whole
``modelatlas check ID --json`` processes (what a user or a CI gate runs: import,
open, catalogs, check, JSON) against N processes that import DuckDB, open the
store read-only and run the same raw lineage query; wall and CPU time, medians,
after one unmeasured run of each (bytecode compiled, page cache warm). Run under
``nice`` (one Hub-size benchmark at a time on a shared machine).

    nice .venv/bin/python bench/bench_check.py [--models 3000000] [--edges 2000000]
                                                [--db /tmp/check/bench.duckdb] [--sample 20]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_roots import synth_edges
from modelatlas import derive
from modelatlas.check import check
from modelatlas.store import Store, open_store

LICENCES = ["apache-2.0", "mit", "llama3.1", "gemma", "cc-by-nc-4.0", "qwen", "other"]

ANCESTORS = """
    WITH RECURSIVE up(id, depth) AS (
        SELECT ?::VARCHAR, 0
        UNION
        SELECT e.parent, up.depth + 1 FROM up JOIN edges e ON e.child = up.id
        WHERE up.depth < 32
    )
    SELECT m.id, m.license_id, m.gated, min(up.depth) AS depth
    FROM up JOIN models m ON m.id = up.id GROUP BY ALL
"""


def build(db: Path, models: int, edges: int) -> Store:
    store = open_store(db)
    if store.scalar("SELECT count(*) FROM models") == models:
        return store
    child, parent = synth_edges(models, edges, 0)
    ids = np.array([f"org{i % 50_000}/model-{i}" for i in range(models)], dtype=object)
    lic = np.array(LICENCES, dtype=object)[np.arange(models) % len(LICENCES)]
    tbl = pa.table({"id": ids, "org": [s.split("/")[0] for s in ids],
                    "name": [s.split("/")[1] for s in ids], "license_raw": lic,
                    "license_id": lic})
    store.con.register("_b_models", tbl)
    store.sql("DELETE FROM edges")
    store.sql("DELETE FROM models")
    store.sql("INSERT INTO models (id, org, name, source, license_raw, license_id, first_seen,"
              " last_seen, meta_snapshot) SELECT id, org, name, 'hf', license_raw, license_id,"
              " DATE '2026-01-01', DATE '2026-01-01', DATE '2026-01-01' FROM _b_models")
    etbl = pa.table({"child": ids[child], "parent": ids[parent]})
    store.con.register("_b_edges", etbl)
    store.sql("INSERT INTO edges (child, parent, relation, origin) SELECT DISTINCT child,"
              " parent, 'finetune', 'tag' FROM _b_edges")
    derive.refresh(store, force=True)
    return store


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--edges", type=int, default=2_000_000)
    ap.add_argument("--db", type=Path, default=Path("/tmp/check/bench.duckdb"))
    ap.add_argument("--sample", type=int, default=20)
    ap.add_argument("--cli", type=int, default=0, help="whole-process runs to time")
    a = ap.parse_args()
    a.db.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    store = build(a.db, a.models, a.edges)
    built = time.perf_counter() - t0
    sample = [r["model_id"] for r in store.rows(
        "SELECT model_id FROM roots GROUP BY model_id ORDER BY max(depth) DESC, model_id"
        " LIMIT ?", [a.sample])]
    base, ours = [], []
    for mid in sample:
        t = time.perf_counter()
        store.rows(ANCESTORS, [mid])
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        check(mid, store=store, use="commercial")
        ours.append(time.perf_counter() - t)
    out = {
        "bench": "check", "models": a.models, "edges": a.edges, "sample": len(sample),
        "build_s": round(built, 1),
        "baseline_raw_lineage_query_median_s": round(statistics.median(base), 4),
        "check_median_s": round(statistics.median(ours), 4),
        "check_max_s": round(max(ours), 4),
        "ratio": round(statistics.median(ours) / statistics.median(base), 2),
        "loadavg": os.getloadavg(),
    }
    store.close()
    if a.cli:
        out.update(cli_times(a.db, sample[0], a.cli))
    print(json.dumps(out))


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one child process (its output discarded)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cli_times(db: Path, model_id: str, runs: int) -> dict[str, float]:
    """Median wall/CPU of ``modelatlas check`` processes vs raw-query processes."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    ours = [sys.executable, "-m", "modelatlas", "--db", str(db), "check", model_id, "--json"]
    raw = [sys.executable, "-c",
           "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True);"
           " con.execute(sys.argv[3], [sys.argv[2]]).fetchall()",
           str(db), model_id, ANCESTORS]
    res: dict[str, list[float]] = {"cli_wall": [], "cli_cpu": [], "raw_wall": [], "raw_cpu": []}
    for i in range(runs + 1):
        for name, cmd in (("raw", raw), ("cli", ours)):
            wall, cpu = _run(cmd, env)
            if i:  # the first run of each compiles bytecode and warms the page cache
                res[f"{name}_wall"].append(wall)
                res[f"{name}_cpu"].append(cpu)
    med = {f"{k}_median_s": round(statistics.median(v), 3) for k, v in res.items()}
    med["cli_ratio_wall"] = round(med["cli_wall_median_s"] / med["raw_wall_median_s"], 2)
    return med


if __name__ == "__main__":
    main()
