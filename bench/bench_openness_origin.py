"""Benchmark: openness by origin (profile framework) on a 1M-model SIMULATED store.

The store is generated with DuckDB SQL into the real schema: N models (gating,
dataset tags, licence ids drawn from the catalog's ids), 2,000 orgs with
regions, and S month-end snapshots of 30-day downloads (every model observed in
every snapshot: N x S rows). Then, in this process:

- **modelatlas**: ``by_origin(store, "profile", "region")`` (one statement:
  latest counter per model, criteria, groups, coverage);
- **raw DuckDB baseline**: the smallest query giving systems and downloads per
  region (latest counter per model joined to orgs), without the criteria;

and, in a child process (its own peak RSS), a **pandas baseline** computing the
same table as modelatlas (latest counter, three criteria, counts and download
sums per region). Ratios are printed against both baselines with the load
average.

    nice .venv/bin/python bench/bench_openness_origin.py [--models 1000000]
        [--snapshots 6] [--db /tmp/openness/bench.duckdb]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BUILD_SQL = """
CREATE OR REPLACE TEMP TABLE _m AS
SELECT i, 'sim-org-' || CAST(CAST(pow((hash(i * 7 + 1) % 1000003) / 1000003.0, 3) * 2000
                                  AS INTEGER) AS VARCHAR) AS org,
       (hash(i * 13 + 5) % 1000003) / 1000003.0 AS u
FROM range($n) t(i);

INSERT INTO models (id, org, name, source, gated, datasets, license_id, first_seen, last_seen,
                    meta_snapshot)
SELECT org || '/model-' || CAST(i AS VARCHAR), org, 'model-' || CAST(i AS VARCHAR), 'hf',
       ['false', 'false', 'false', 'manual', 'auto', NULL][1 + i % 6],
       CASE WHEN i % 5 = 0 THEN ['sim/data'] WHEN i % 11 = 0 THEN NULL ELSE [] END,
       ['apache-2.0', 'mit', 'llama3.1', 'other', 'cc-by-nc-4.0', 'gemma', 'unknown'][1 + i % 7],
       DATE '2026-01-01', DATE '2026-06-30', DATE '2026-06-30'
FROM _m;

INSERT INTO observations (source, snapshot, model_id, downloads_30d, carried_over)
SELECT 'hf', CAST(last_day(DATE '2026-01-01' + INTERVAL (k) MONTH) AS DATE),
       m.org || '/model-' || CAST(m.i AS VARCHAR),
       CAST(exp(m.u * 14) * (1 + (hash(m.i + k) % 100) / 200.0) AS BIGINT), FALSE
FROM _m m CROSS JOIN range($s) t(k);

INSERT INTO orgs (org, namespace, country, region, kind, origin)
SELECT 'sim-org-' || CAST(k AS VARCHAR), 'sim-org-' || CAST(k AS VARCHAR),
       ['US', 'CN', 'FR', 'IN', NULL][1 + k % 5],
       ['us', 'china', 'eu', 'other', 'unknown'][1 + k % 5],
       'lab', 'heuristic'
FROM range(2000) t(k) WHERE k % 7 <> 6;
"""

RAW_SQL = """
WITH dl AS (SELECT model_id, arg_max(downloads_30d, snapshot) AS downloads FROM observations
            WHERE NOT carried_over AND downloads_30d IS NOT NULL GROUP BY model_id)
SELECT coalesce(og.region, 'unknown') AS region, count(*) AS systems,
       sum(coalesce(dl.downloads, 0)) AS downloads
FROM models m LEFT JOIN orgs og ON og.org = lower(m.org) LEFT JOIN dl ON dl.model_id = m.id
GROUP BY 1
"""

PANDAS_CHILD = """
import json, resource, sys, time, duckdb, pandas as pd
con = duckdb.connect(sys.argv[1], read_only=True)
t0 = time.perf_counter()
m = con.execute("SELECT id, org, gated, datasets, license_id FROM models").df()
o = con.execute("SELECT model_id, snapshot, downloads_30d FROM observations"
                " WHERE NOT carried_over AND downloads_30d IS NOT NULL").df()
orgs = con.execute("SELECT org, region FROM orgs").df()
lic = con.execute("SELECT license_id, osi_approved FROM licenses").df()
o = o.sort_values("snapshot").drop_duplicates("model_id", keep="last")
m["k"] = m["org"].str.lower()
m = m.merge(orgs, left_on="k", right_on="org", how="left", suffixes=("", "_o"))
m = m.merge(o[["model_id", "downloads_30d"]], left_on="id", right_on="model_id", how="left")
m = m.merge(lic, on="license_id", how="left")
m["region"] = m["region"].fillna("unknown")
m["dls"] = m["downloads_30d"].fillna(0)
m["w"] = m["gated"] == "false"
m["d"] = m["datasets"].map(lambda x: hasattr(x, "__len__") and len(x) > 0)
m["l"] = m["osi_approved"].fillna(False) & ~m["license_id"].isin(["unknown", "other"])
for c in ("w", "d", "l"):
    m["dl_" + c] = m["dls"].where(m[c], 0)
out = m.groupby("region").agg(systems=("id", "size"), w=("w", "sum"), d=("d", "sum"),
                              l=("l", "sum"), downloads=("dls", "sum"), dl_w=("dl_w", "sum"),
                              dl_d=("dl_d", "sum"), dl_l=("dl_l", "sum"))
secs = time.perf_counter() - t0
print(json.dumps({"seconds": secs, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                  / 1024, "rows": len(out), "systems": int(out["systems"].sum()),
                  "table": {r: [int(v) for v in out.loc[r, ["systems", "w", "d", "l", "dl_w"]]]
                            for r in out.index}}))
"""


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=1_000_000)
    ap.add_argument("--snapshots", type=int, default=6)
    ap.add_argument("--db", default="/tmp/openness/bench_origin.duckdb")
    args = ap.parse_args()
    from modelatlas.derive_steps.licenses import load_catalog
    from modelatlas.openness.by_origin import by_origin
    from modelatlas.store import open_store

    db = Path(args.db)
    db.parent.mkdir(parents=True, exist_ok=True)
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    st = open_store(db)
    t0 = time.perf_counter()
    for stmt in BUILD_SQL.split(";"):
        if stmt.strip():
            st.con.execute(stmt, {k: v for k, v in (("n", args.models), ("s", args.snapshots))
                                  if f"${k}" in stmt})
    load_catalog(st)
    st.con.execute("CHECKPOINT")
    print(f"built {args.models:,} models x {args.snapshots} snapshots in "
          f"{time.perf_counter() - t0:.1f}s (load {_load()})")

    t0 = time.perf_counter()
    raw = st.con.execute(RAW_SQL).fetchall()
    raw_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = by_origin(st, "profile", "region")
    ours_s = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    assert sum(r["systems"] for r in rows) == args.models == sum(r[1] for r in raw)
    st.close()
    child = subprocess.run([sys.executable, "-c", PANDAS_CHILD, str(db)], capture_output=True,
                           text=True, check=False)
    if child.returncode:
        raise SystemExit(f"pandas baseline failed: {child.stderr.strip().splitlines()[-1]}")
    pd_res = json.loads(child.stdout)
    assert pd_res["systems"] == args.models
    ours = {r["group"]: [r["systems"], r["weights_open"], r["data_open"], r["license_osi"],
                         r["downloads_weights_open"]] for r in rows}
    assert ours == pd_res["table"], (ours, pd_res["table"])   # same answer both ways
    print(json.dumps({
        "load_average": _load(),
        "raw_duckdb_s": round(raw_s, 2), "modelatlas_s": round(ours_s, 2),
        "pandas_s": round(pd_res["seconds"], 2),
        "vs_raw_duckdb": round(ours_s / raw_s, 2),
        "pandas_vs_modelatlas": round(pd_res["seconds"] / ours_s, 2),
        "modelatlas_peak_rss_mb": round(rss), "pandas_peak_rss_mb": round(pd_res["rss_mb"]),
    }, indent=1))
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
