"""Benchmark: the whole report on a 3M-model, 24-snapshot SIMULATED store.

The store is generated directly with DuckDB SQL (``range()`` + hashing, no Python
loop over models) into the real schema: 3,000,000 models created over 36
months, 24 month-end snapshots (a model is observed from its creation on:
~49M observation rows), 2,000 orgs with regions and kinds, roots for every
model (30% derivatives of popular models, 1% two-root merges) and edges.
Derived tables are written directly, so the timing is the report alone
(``build_report``: every metric query + charts + files), in this process, with
peak RSS from ``resource.getrusage``. A pandas baseline of the adoption-share
metric (monthly download share by region, direct attribution) runs on the same
store in a child process (its own peak RSS), and the ratio is printed.

    .venv/bin/python bench/bench_report.py [--models 3000000] [--snapshots 24]
        [--db /tmp/bench_report.duckdb] [--keep]

Targets (issue 5): report < 60 s, peak RSS < 4 GB.
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
SELECT i,
       'sim-org-' || CAST(CAST(pow((hash(i * 7 + 1) % 1000003) / 1000003.0, 3) * $orgs AS INTEGER)
                          AS VARCHAR) AS org,
       (hash(i * 13 + 5) % 1000003) / 1000003.0 AS u,
       DATE '2026-10-31' - INTERVAL ($history_days - CAST(i * $history_days / $n AS INTEGER)) DAY
           AS created
FROM range($n) t(i);

INSERT INTO models (id, org, name, source, created_at, release_date, pipeline_tag, license_raw,
                    params_total, tags, formats, first_seen, last_seen, meta_snapshot)
SELECT org || '/model-' || CAST(i AS VARCHAR), org, 'model-' || CAST(i AS VARCHAR), 'hf',
       CAST(created AS TIMESTAMPTZ), CAST(created AS DATE), 'text-generation',
       ['apache-2.0', 'mit', 'llama3.1', 'other', 'cc-by-nc-4.0', 'gemma', NULL][1 + i % 7],
       CASE WHEN i % 2 = 0 THEN CAST(exp(18 + u * 8) AS BIGINT) END, [], [],
       CAST(created AS DATE), DATE '2026-10-31', DATE '2026-10-31'
FROM _m;

CREATE OR REPLACE TEMP TABLE _s AS
SELECT k, CAST(last_day(DATE '2024-11-01' + INTERVAL (k) MONTH) AS DATE) AS snapshot
FROM range($snapshots) t(k);

INSERT INTO observations (source, snapshot, model_id, downloads_30d, downloads_all_time, likes,
                          carried_over)
SELECT 'hf', s.snapshot, m.org || '/model-' || CAST(m.i AS VARCHAR),
       CAST(exp(m.u * 14) * (1 + (hash(m.i + s.k) % 100) / 200.0) AS BIGINT),
       CAST(exp(m.u * 14) * (1 + date_diff('day', CAST(m.created AS DATE), s.snapshot)) AS BIGINT),
       CAST(exp(m.u * 6) AS BIGINT), FALSE
FROM _m m JOIN _s s ON CAST(m.created AS DATE) <= s.snapshot;

INSERT INTO snapshots (source, snapshot, models, committed_at, run_id, simulated)
SELECT 'hf', snapshot, 0, now(), 'bench', TRUE FROM _s;

INSERT INTO orgs (org, namespace, display_name, country, region, kind, origin)
SELECT 'sim-org-' || CAST(k AS VARCHAR), 'sim-org-' || CAST(k AS VARCHAR), NULL,
       ['US', 'CN', 'FR', 'IN', NULL][1 + k % 5],
       ['us', 'china', 'eu', 'other', 'unknown'][1 + k % 5],
       ['big-tech', 'lab', 'academic', 'community', 'unknown'][1 + k % 5], 'heuristic'
FROM range($orgs) t(k) WHERE k % 7 <> 6;

INSERT INTO roots (model_id, root_id, depth, weight, family)
SELECT org || '/model-' || CAST(i AS VARCHAR),
       CASE WHEN i % 10 < 3 AND i >= 1000 THEN 'sim-root/model-' || CAST(i % 1000 AS VARCHAR)
            ELSE org || '/model-' || CAST(i AS VARCHAR) END,
       CASE WHEN i % 10 < 3 AND i >= 1000 THEN 1 ELSE 0 END,
       CASE WHEN i % 100 = 0 AND i >= 1000 THEN 0.5 ELSE 1.0 END,
       'Family-' || CAST(i % 40 AS VARCHAR)
FROM _m
UNION ALL
SELECT org || '/model-' || CAST(i AS VARCHAR), 'sim-root/model-' || CAST((i + 1) % 1000 AS VARCHAR),
       1, 0.5, 'Family-' || CAST((i + 1) % 40 AS VARCHAR)
FROM _m WHERE i % 100 = 0 AND i >= 1000;

INSERT INTO edges (child, parent, relation, origin)
SELECT model_id, root_id, 'finetune', 'tag' FROM roots WHERE depth = 1;
"""

PANDAS_BASELINE = r"""
import json, resource, sys, time
import duckdb
import pyarrow.compute as pc
t0 = time.perf_counter()
con = duckdb.connect(sys.argv[1], read_only=True)
tbl = con.sql("SELECT model_id, snapshot, downloads_30d FROM observations"
              " WHERE NOT carried_over AND downloads_30d IS NOT NULL").to_arrow_table()
# model ids as a categorical (dictionary) so pandas does not hold 49M Python strings
tbl = tbl.set_column(0, "model_id", pc.dictionary_encode(tbl.column("model_id")))
obs = tbl.to_pandas(date_as_object=False)
del tbl
models = con.execute("SELECT id, org FROM models").df()
orgs = con.execute("SELECT org, region FROM orgs").df()
obs["period"] = obs["snapshot"].dt.strftime("%Y-%m")
last = obs.sort_values("snapshot").drop_duplicates(["model_id", "period"], keep="last")
del obs
region = models.assign(k=models["org"].str.lower()).merge(
    orgs, left_on="k", right_on="org", how="left", suffixes=("", "_o"))
region["region"] = region["region"].fillna("unknown")
codes = dict(zip(region["id"], region["region"]))
last["region"] = last["model_id"].map(codes).astype(str)
df = last
g = df.groupby(["period", "region"], as_index=False)["downloads_30d"].sum()
g["share"] = g["downloads_30d"] / g.groupby("period")["downloads_30d"].transform("sum")
secs = time.perf_counter() - t0
g.to_parquet(sys.argv[2])
ru = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": secs, "rows": len(g), "cpu_seconds": ru.ru_utime + ru.ru_stime,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def build_store(db: Path, n: int, snapshots: int) -> dict[str, float]:
    from modelatlas.store import open_store

    t0 = time.perf_counter()
    for p in (db, db.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    with open_store(db) as st:
        params = {"n": n, "orgs": 2000, "history_days": 1096, "snapshots": snapshots}
        for stmt in [s.strip() for s in BUILD_SQL.split(";\n") if s.strip()]:
            used = {k: v for k, v in params.items() if f"${k}" in stmt}
            st.con.execute(stmt, used).fetchall()
        obs = int(st.con.execute("SELECT count(*) FROM observations").fetchall()[0][0])
        st.con.execute("CHECKPOINT").fetchall()
    return {"build_seconds": time.perf_counter() - t0, "observations": obs}


def run_report(db: Path, out: Path) -> dict[str, float]:
    from modelatlas.atlas import Atlas
    from modelatlas.report import build_report
    from modelatlas.store import open_store

    def cpu() -> float:
        ru = resource.getrusage(resource.RUSAGE_SELF)
        return ru.ru_utime + ru.ru_stime

    # Atlas(store), not Atlas.open: the derived tables were written directly and must
    # not be re-derived (that would time derive, not the report)
    with Atlas(open_store(db, read_only=True)) as atlas:
        t0, c0 = time.perf_counter(), cpu()
        build_report(atlas, out)
        report_s, report_cpu = time.perf_counter() - t0, cpu() - c0
    with Atlas(open_store(db, read_only=True)) as atlas:   # the share statement on its own
        t1 = time.perf_counter()
        df = atlas.share(by="region", metric="downloads", attribution="direct")
        share_s = time.perf_counter() - t1
        df[["period", "group", "value", "share"]].to_parquet(out / "_bench_share_sql.parquet")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"report_seconds": report_s, "report_cpu_seconds": report_cpu,
            "share_seconds": share_s, "peak_rss_mb": rss,
            "load_average_1m": os.getloadavg()[0]}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=3_000_000)
    ap.add_argument("--snapshots", type=int, default=24)
    ap.add_argument("--db", type=Path, default=Path("/tmp/bench_report.duckdb"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench_report_out"))
    ap.add_argument("--keep", action="store_true", help="Reuse an existing store at --db.")
    args = ap.parse_args()
    res: dict[str, object] = {"models": args.models, "snapshots": args.snapshots}
    if not (args.keep and args.db.exists()):
        res.update(build_store(args.db, args.models, args.snapshots))
    # the report runs in a fresh process so its peak RSS is the report's own
    child = subprocess.run(
        [sys.executable, __file__, "--report-only", str(args.db), str(args.out)],
        capture_output=True, text=True, check=True)
    res.update(json.loads(child.stdout.strip().splitlines()[-1]))
    base = subprocess.run([sys.executable, "-c", PANDAS_BASELINE, str(args.db),
                           str(args.out / "_bench_share_pandas.parquet")],
                          capture_output=True, text=True, check=True)
    pandas_res = json.loads(base.stdout.strip().splitlines()[-1])
    res["pandas_share_seconds"] = pandas_res["seconds"]
    res["pandas_cpu_seconds"] = pandas_res["cpu_seconds"]
    res["pandas_peak_rss_mb"] = pandas_res["peak_rss_mb"]
    import pandas as pd

    sql_df = pd.read_parquet(args.out / "_bench_share_sql.parquet")
    pd_df = pd.read_parquet(args.out / "_bench_share_pandas.parquet")
    both = sql_df.merge(pd_df, left_on=["period", "group"], right_on=["period", "region"])
    res["baseline_rows_matched"] = f"{len(both)}/{len(sql_df)}"
    res["baseline_max_share_diff"] = float((both["share_x"] - both["share_y"]).abs().max())
    res["pandas_over_sql"] = pandas_res["seconds"] / float(res["share_seconds"])  # type: ignore[arg-type]
    res["ok"] = float(res["report_seconds"]) < 60 and float(res["peak_rss_mb"]) < 4096  # type: ignore[arg-type]
    print(json.dumps(res, indent=2))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--report-only":
        print(json.dumps(run_report(Path(sys.argv[2]), Path(sys.argv[3]))))
        sys.exit(0)
    sys.exit(main())
