"""Benchmark ``ingest file`` and derive at 250k, 1M and 3M models, with baselines in the same run.

For each size N (SIMULATED hub dumps written by ``modelatlas synth``, two monthly
snapshots, plus a third one derived from the second with 1% of the models given
another parent), every case runs in its own fresh child process, so its peak RSS
(``ru_maxrss``) is its own:

* ``limit``   — the one-statement DuckDB lower bound: on an empty store with the same
  schema, ``INSERT INTO models|observations|edges SELECT ... FROM read_parquet(...)``
  with the tags parsed by the same SQL (:mod:`modelatlas.store.tagsql`); no
  staging, validation, quarantine, history, latest observations or bookkeeping;
* ``pandas``  — ``pd.read_parquet`` and the same tag parsing with vectorised pandas
  string operations (writes nothing);
* ``first``   — ``modelatlas ingest file`` of snapshot 1 into an empty store
  (``MODELATLAS_SKIP_DERIVE=1``);
* ``second``  — snapshot 2 (same models and more, new counters) into that store;
* ``derive``  — the first (full) derive of that store;
* ``change``  — snapshot 3 (1% of the derivatives that are leaves, as most Hub
  derivatives are, given another parent) ingested, then ``incremental``:
  the derive after it, against ``full``: a forced full derive of the same store;
* ``current`` — ``derive.is_current`` on the unchanged store (read-only).

``--csv-lines`` adds a tag-list CSV of that many lines (the new-models layout).
Load average is read before and after every case. Results: one JSON document.

    python bench/bench_ingest.py --sizes 250000,1000000,3000000 --keep /tmp/bench-ingest \\
        [--csv-lines 5000000] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

PY = sys.executable

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

LIMIT = r'''
import sys
from modelatlas.store.db import open_store
from modelatlas.store import tagsql
src, db = sys.argv[1], sys.argv[2]
raw = (f"(SELECT *, NULL::VARCHAR[] AS truncated_tags, NULL::VARCHAR[] AS card_base_models,"
       f" NULL::VARCHAR AS card_base_relation,"
       f" NULL::STRUCT(id VARCHAR, relation VARCHAR)[] AS base_models,"
       f" tags AS utags FROM read_parquet('{src}'))")
con = open_store(db).con
con.execute("BEGIN")
con.execute(f"""
INSERT INTO models (id, org, name, source, created_at, last_modified, release_date,
    pipeline_tag, library, license_raw, gated, params_total, tags, arxiv, datasets, formats,
    regions, truncated_tags, first_seen, last_seen, meta_snapshot)
SELECT id, author, split_part(id, '/', 2), 'hf', createdAt, lastModified,
    CAST(createdAt AS DATE), pipeline_tag, library_name, {tagsql.prefixed('license')}[1],
    gated, safetensors.total, tags, {tagsql.prefixed('arxiv')}, {tagsql.prefixed('dataset')},
    {tagsql.formats()}, {tagsql.prefixed('region')}, [], DATE '2026-01-01',
    DATE '2026-01-01', DATE '2026-01-01'
FROM {raw}""")
con.execute(f"""INSERT INTO observations (source, snapshot, model_id, downloads_30d,
    downloads_all_time, likes) SELECT 'hf', DATE '2026-01-01', id, downloads,
    downloadsAllTime, likes FROM read_parquet('{src}')""")
con.execute(f"INSERT INTO edges SELECT child, parent, relation, origin FROM"
            f" ({tagsql.edges_query(raw)})")
con.execute("COMMIT")
'''

DERIVE = r'''
import sys, time, json
from modelatlas.store.db import open_store
from modelatlas import derive
st = open_store(sys.argv[1])
derive.steps()  # import the steps (and their catalogs) before the clock starts
t = time.perf_counter()
ran = derive.refresh(st, force=sys.argv[2] == "full")
print(json.dumps({"inner_seconds": time.perf_counter() - t, "ran": ran}), file=sys.stderr)
'''

CURRENT = r'''
import sys, time, json
from modelatlas.store.db import open_store
from modelatlas import derive
st = open_store(sys.argv[1], read_only=True)
t = time.perf_counter()
ok = derive.is_current(st)
g = derive.generation(st)
print(json.dumps({"inner_seconds": time.perf_counter() - t, "current": ok}), file=sys.stderr)
'''

CHANGE = r'''
import sys, duckdb
src, out, share = sys.argv[1], sys.argv[2], float(sys.argv[3])
con = duckdb.connect()
# `share` of the derivatives that no model names as its parent (leaves, as most Hub
# derivatives are) get another parent: the most downloaded model.
con.execute(f"""
COPY (
  WITH parents AS (
      SELECT DISTINCT substr(t, 12) AS p FROM (SELECT unnest(tags) AS t FROM read_parquet('{src}'))
      WHERE starts_with(t, 'base_model:') AND strpos(substr(t, 12), ':') = 0),
  top AS (SELECT id FROM read_parquet('{src}') ORDER BY downloadsAllTime DESC LIMIT 1),
  s AS (SELECT r.*, hash(r.id) % 10000 < {share} * 10000
                    AND len(list_filter(r.tags, lambda t: starts_with(t, 'base_model:'))) > 0
                    AND r.id NOT IN (SELECT p FROM parents) AS pick
        FROM read_parquet('{src}') r)
  SELECT * EXCLUDE (pick) REPLACE (
    CASE WHEN pick
         THEN list_concat(list_filter(tags, lambda t: NOT starts_with(t, 'base_model:')),
                          ['base_model:' || (SELECT id FROM top)])
         ELSE tags END AS tags)
  FROM s
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)""")
'''

CSV = r'''
import sys, duckdb
n, out = int(sys.argv[1]), sys.argv[2]
duckdb.connect().execute(f"""
COPY (SELECT '2026-09-' || lpad(CAST(1 + i % 28 AS VARCHAR), 2, '0') || 'T10:00:00Z'
             AS created_at, 'user' || (i % 200000) || '/model-' || i AS model,
             'user' || (i % 200000) AS author, i % 1000 AS downloads, i % 7 AS likes,
             'transformers; safetensors; text-generation; license:apache-2.0; '
             || 'base_model:org' || (i % 97) || '/base-' || (i % 13) || '; '
             || 'base_model:finetune:org' || (i % 97) || '/base-' || (i % 13) || '; region:us'
             AS tags
      FROM range({n}) t(i))
TO '{out}' (HEADER, DELIMITER ',')""")
'''


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` in a child of a fresh process; wall seconds, CPU seconds, peak RSS."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "w = time.perf_counter() - t\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps({'seconds': w, 'cpu_seconds': r.ru_utime + r.ru_stime,"
        " 'peak_rss_mb': r.ru_maxrss / 1024, 'rc': p.returncode, 'err': p.stderr[-3000:]}))\n"
    )
    before = loadavg()
    out = subprocess.run([PY, "-c", probe, *cmd], env=env, capture_output=True, text=True,
                         check=True)
    res: dict[str, Any] = json.loads(out.stdout)
    res["load_before"], res["load_after"] = before, loadavg()
    if res["rc"] != 0:  # recorded, and the other cases still run
        res["error"] = res.pop("err").strip().splitlines()[-1:]
        return res
    for line in res.pop("err").splitlines():
        if line.startswith("{"):
            res.update(json.loads(line))
    res.pop("rc")
    return res


def cli(db: Path, *args: str) -> list[str]:
    return [PY, "-m", "modelatlas", "--db", str(db), *args]


def files_for(n: int, work: Path) -> list[Path]:
    folder = work / f"synth-{n}"
    files = sorted(folder.glob("SIMULATED-hub-*.parquet"))
    if len(files) < 2:
        subprocess.run(cli(work / "unused.duckdb", "synth", "--models", str(n), "--snapshots",
                           "2", "--out", str(folder)), check=True, capture_output=True)
        files = sorted(folder.glob("SIMULATED-hub-*.parquet"))
    third = folder / "changed" / "SIMULATED-hub-2026-11-30.parquet"
    if not third.exists():
        third.parent.mkdir(exist_ok=True)
        subprocess.run([PY, "-c", CHANGE, str(files[-1]), str(third), "0.01"], check=True,
                       capture_output=True)
    return [*files[:2], third]


def run_size(n: int, work: Path, skip_pandas: bool) -> dict[str, Any]:
    s1, s2, s3 = files_for(n, work)
    env = dict(os.environ, MODELATLAS_SKIP_DERIVE="1")
    db = work / f"store-{n}.duckdb"
    out: dict[str, Any] = {"models_snapshot_1": _rows(s1), "models_snapshot_2": _rows(s2)}

    def fresh(p: Path) -> None:
        for f in (p, Path(str(p) + ".wal")):
            f.unlink(missing_ok=True)
        shutil.rmtree(str(p) + ".tmp", ignore_errors=True)

    fresh(work / "limit.duckdb")
    out["limit"] = measure([PY, "-c", LIMIT, str(s1), str(work / "limit.duckdb")])
    fresh(work / "limit.duckdb")
    if not skip_pandas:
        out["pandas"] = measure([PY, "-c", PANDAS_BASELINE, str(s1)])
    fresh(db)
    out["first"] = measure(cli(db, "ingest", "file", str(s1)), env)
    out["second"] = measure(cli(db, "ingest", "file", str(s2)), env)
    out["derive"] = measure([PY, "-c", DERIVE, str(db), "incremental"])
    out["change"] = measure(cli(db, "ingest", "file", str(s3)), env)
    out["incremental"] = measure([PY, "-c", DERIVE, str(db), "incremental"])
    out["full"] = measure([PY, "-c", DERIVE, str(db), "full"])
    out["current"] = measure([PY, "-c", CURRENT, str(db)])
    fresh(db)
    def ratio(a: str, b: str, key: str = "seconds") -> float | None:
        if a not in out or b not in out or key not in out[a] or key not in out[b]:
            return None
        return round(out[a][key] / out[b][key], 3)

    out["ratios"] = {
        "first_vs_limit": ratio("first", "limit"),
        "pandas_vs_first": ratio("pandas", "first"),
        "second_vs_first": ratio("second", "first"),
        "first_cpu_vs_limit_cpu": ratio("first", "limit", "cpu_seconds"),
        "incremental_vs_full_derive": ratio("incremental", "full", "inner_seconds"),
        "first_us_per_model": round(out["first"]["seconds"] / out["models_snapshot_1"] * 1e6, 2),
    }
    return out


def _rows(p: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.read_metadata(p).num_rows)


def run_csv(lines: int, work: Path) -> dict[str, Any]:
    path = work / f"new-models-{lines}.csv"
    if not path.exists():
        subprocess.run([PY, "-c", CSV, str(lines), str(path)], check=True, capture_output=True)
    db = work / "csv.duckdb"
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    env = dict(os.environ, MODELATLAS_SKIP_DERIVE="1")
    res = measure(cli(db, "ingest", "file", "--snapshot", "2026-09-30", str(path)), env)
    res["lines"] = lines
    for f in (db, Path(str(db) + ".wal")):
        f.unlink(missing_ok=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="250000,1000000,3000000")
    ap.add_argument("--keep", type=Path, default=Path("/tmp/bench-ingest"))
    ap.add_argument("--csv-lines", type=int, default=0)
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    args.keep.mkdir(parents=True, exist_ok=True)
    import duckdb

    result: dict[str, Any] = {"machine": {
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "duckdb": duckdb.__version__, "platform": platform.platform(),
        "memory_limit": os.environ.get("MODELATLAS_MEMORY_LIMIT", "default")}}
    for n in (int(x) for x in args.sizes.split(",") if x):
        result[str(n)] = run_size(n, args.keep, args.skip_pandas)
        print(json.dumps({str(n): result[str(n)]["ratios"]}), file=sys.stderr, flush=True)
    if args.csv_lines:
        result["csv"] = run_csv(args.csv_lines, args.keep)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
