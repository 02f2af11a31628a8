"""Benchmark `ingest file` on a 1M-model SIMULATED snapshot against a pandas baseline.

Both run in the same invocation, on the same file, each in its own process so
peak RSS is measured per side (``ru_maxrss`` of the child). The pandas baseline
reads the same Parquet file and does the same tag parsing (licence, base-model
edges with relation, arxiv, dataset, region, format markers) with vectorised
pandas string operations; it writes nothing to a database, so it is a lower
bound on the work `modelatlas` does. Results are printed as JSON and a ratio.

    python bench/bench_ingest.py [--models 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PANDAS_BASELINE = r'''
import sys, pandas as pd
RELS = {"finetune", "adapter", "quantized", "merge"}
FORMATS = {"gguf", "mlx", "onnx", "awq", "gptq", "exl2", "safetensors", "pytorch"}
df = pd.read_parquet(sys.argv[1])
tags = df[["id", "tags"]].explode("tags").dropna()
t = tags["tags"]
lic = tags[t.str.startswith("license:")].groupby("id")["tags"].first().str[8:]
bm = tags[t.str.startswith("base_model:")].copy()
rest = bm["tags"].str[11:]
head = rest.str.split(":", n=1).str[0]
specific = head.isin(RELS) & rest.str.contains(":")
bm["relation"] = head.where(specific, "unknown")
bm["parent"] = rest.where(~specific, rest.str.split(":", n=1).str[1])
bm["pri"] = (bm["relation"] == "unknown").astype(int)
edges = bm.sort_values("pri").drop_duplicates(["id", "parent"])[["id", "parent", "relation"]]
arxiv = tags[t.str.startswith("arxiv:")].groupby("id")["tags"].agg(list)
ds = tags[t.str.startswith("dataset:")].groupby("id")["tags"].agg(list)
reg = tags[t.str.startswith("region:")].groupby("id")["tags"].agg(list)
fmt = tags[t.isin(FORMATS)].groupby("id")["tags"].agg(list)
models = df.drop(columns=["tags"]).set_index("id")
models["license"] = lic
print(len(models), len(edges), file=sys.stderr)
'''


def run(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    t0 = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        sys.exit(f"command failed: {' '.join(cmd)}\n{proc.stderr}")
    # ru_maxrss of children is the max over all children so far: run the biggest last
    # or in a fresh process; here each measurement runs in its own bench process.
    return {"seconds": wall, "peak_rss_mb": max(peak, before) / 1024}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path)
    ap.add_argument("--side", choices=["modelatlas", "modelatlas-noderive", "pandas"])
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    work.mkdir(parents=True, exist_ok=True)
    files = sorted(work.glob("SIMULATED-hub-*.parquet"))
    if not files:
        subprocess.run([sys.executable, "-m", "modelatlas", "synth", "--models",
                        str(args.models), "--snapshots", "1", "--out", str(work)], check=True)
        files = sorted(work.glob("SIMULATED-hub-*.parquet"))
    src = files[-1]
    if args.side:  # one measured side, in this (fresh) process's child
        if args.side == "pandas":
            res = run([sys.executable, "-c", PANDAS_BASELINE, str(src)])
        else:
            db = work / f"bench-{os.getpid()}.duckdb"
            env = dict(os.environ)
            if args.side == "modelatlas-noderive":
                env["MODELATLAS_SKIP_DERIVE"] = "1"
            res = run([sys.executable, "-m", "modelatlas", "--db", str(db), "ingest", "file",
                       str(src)], env)
            db.unlink(missing_ok=True)
        print(json.dumps(res))
        return
    import pyarrow.parquet as pq

    rows = pq.read_metadata(src).num_rows
    out: dict[str, object] = {"file": str(src), "rows": rows, "machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "platform": platform.platform()}}
    for side in ("pandas", "modelatlas-noderive", "modelatlas"):
        r = json.loads(subprocess.run(
            [sys.executable, __file__, "--keep", str(work), "--side", side],
            capture_output=True, text=True, check=True).stdout)
        r["records_per_s"] = rows / r["seconds"]
        out[side] = r
    pd_s = out["pandas"]["seconds"]  # type: ignore[index]
    for side in ("modelatlas-noderive", "modelatlas"):
        out[side]["ratio_vs_pandas"] = pd_s / out[side]["seconds"]  # type: ignore[index]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
