"""Benchmark: the same pipeline on DuckDB and on Spark (local mode), same files, same run.

Writes (or reuses, ``--keep DIR``) a SIMULATED Hub of ``--models`` models and
``--snapshots`` monthly dumps with ``modelatlas synth``, then, each side in its
own fresh process (peak RSS per side: for Spark that of the Python driver only,
its JVM is not counted; read it with ``ps`` during the run), times:

- **duckdb** (the baseline): ``ingest file`` of every dump with derive skipped,
  then ``derive`` once, then the report's queries (``build_report``);
- **spark**: ``--engine spark ingest file`` of the same dumps into a table folder
  (ingest and every derived table, one commit), then the report's queries on
  Spark (``Atlas.open(engine="spark")``).

Prints one JSON line per side and the ratios spark/duckdb, with the load
average before and after each side (the machine is shared: read the ratio, not
the seconds). Run under ``nice``; one whole-Hub size at a time.

    nice .venv/bin/python bench/bench_spark.py --models 250000 --snapshots 12 \\
        --keep /tmp/spark-bench --master 'local[2]' --driver-memory 3g
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def side_duckdb(work: Path, files: list[str]) -> dict[str, Any]:
    """Ingest (derive skipped), derive once, report queries; seconds per phase."""
    from modelatlas import derive
    from modelatlas.atlas import Atlas
    from modelatlas.pipeline import ingest_files
    from modelatlas.report import build_report
    from modelatlas.store.db import open_store

    db = work / "atlas.duckdb"
    for p in (db, Path(str(db) + ".wal")):
        p.unlink(missing_ok=True)
    os.environ["MODELATLAS_SKIP_DERIVE"] = "1"
    t0 = time.perf_counter()
    with open_store(db) as st:
        summary = ingest_files(st, files)
        t1 = time.perf_counter()
        del os.environ["MODELATLAS_SKIP_DERIVE"]
        derive.refresh(st)
        t2 = time.perf_counter()
    with Atlas.open(db) as atlas:
        t3 = time.perf_counter()
        build_report(atlas, work / "report-duckdb")
        t4 = time.perf_counter()
    return {"ingest_s": round(t1 - t0, 1), "derive_s": round(t2 - t1, 1),
            "report_s": round(t4 - t3, 1), "records": summary.records,
            "observations": summary.observations}


def side_spark(work: Path, files: list[str], master: str, driver_memory: str
               ) -> dict[str, Any]:
    """Spark ingest + derive into a table folder, then the report's queries on Spark."""
    from modelatlas.report import build_report
    from modelatlas.spark import session
    from modelatlas.spark.atlas import open_spark
    from modelatlas.spark.ingest import ingest_files

    root = work / "tables"
    shutil.rmtree(root, ignore_errors=True)
    t0 = time.perf_counter()
    spark = session.start(session.Target(master=master),
                          {"spark.driver.memory": driver_memory,
                           "spark.local.dir": str(work / "spark-tmp")})
    t1 = time.perf_counter()
    summary = ingest_files(spark, str(root), files)
    t2 = time.perf_counter()
    atlas = open_spark(str(root), spark=spark)
    try:
        t3 = time.perf_counter()
        build_report(atlas, work / "report-spark")
        t4 = time.perf_counter()
    finally:
        atlas.close()
        session.stop(spark)
    return {"start_s": round(t1 - t0, 1), "ingest_derive_s": round(t2 - t1, 1),
            "report_s": round(t4 - t3, 1), "records": summary.records,
            "observations": summary.observations}


def _child(args: argparse.Namespace) -> None:
    work = Path(args.keep)
    files = sorted(str(p) for p in (work / "sim").glob("*.parquet"))
    if args.side == "duckdb":
        out = side_duckdb(work, files)
    else:
        out = side_spark(work, files, args.master, args.driver_memory)
    print(json.dumps(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=250_000)
    ap.add_argument("--snapshots", type=int, default=12)
    ap.add_argument("--keep", default="/tmp/spark-bench")
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--driver-memory", default="3g")
    ap.add_argument("--sides", default="duckdb,spark")
    ap.add_argument("--side", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        _child(args)
        return
    work = Path(args.keep)
    sim = work / "sim"
    if not sim.is_dir() or not any(sim.glob("*.parquet")):
        from modelatlas.synth import SynthConfig, write_snapshots

        write_snapshots(SynthConfig(models=args.models, snapshots=args.snapshots, seed=0), sim)
    results: dict[str, Any] = {"models": args.models, "snapshots": args.snapshots,
                               "cpus": os.cpu_count()}
    for side in args.sides.split(","):
        before = _load()
        t = time.perf_counter()
        out_file = work / f"{side}.out"
        with out_file.open("w") as out, (work / f"{side}.err").open("w") as err:
            proc = subprocess.Popen(
                [sys.executable, __file__, "--side", side, "--keep", str(work), "--master",
                 args.master, "--driver-memory", args.driver_memory], stdout=out, stderr=err)
            # wait4: this side's own peak RSS (not the JVM it starts), not the run's maximum
            _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        if os.waitstatus_to_exitcode(status) != 0:
            print((work / f"{side}.err").read_text()[-3000:], file=sys.stderr)
            raise SystemExit(f"{side} side failed")
        res = json.loads(out_file.read_text().strip().splitlines()[-1])
        res.update(wall_s=round(wall, 1), load_before=before, load_after=_load(),
                   peak_rss_gb=round(usage.ru_maxrss / 1024 / 1024, 2))
        results[side] = res
        print(json.dumps({side: res}), flush=True)
    if "duckdb" in results and "spark" in results:
        d, s = results["duckdb"], results["spark"]
        results["ratio_spark_over_duckdb"] = {
            "ingest+derive": round(s["ingest_derive_s"] / max(d["ingest_s"] + d["derive_s"],
                                                              0.1), 1),
            "report": round(s["report_s"] / max(d["report_s"], 0.1), 1),
            "wall": round(s["wall_s"] / max(d["wall_s"], 0.1), 1)}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
