"""Benchmark: reading stated parent ids as Hub ids at ingest (``tagsql.parent_id``).

Every lineage edge's parent goes through :func:`modelatlas.store.tagsql.parent_id`
(quotes, white space, Hub URLs, cache paths, trailing slashes). Times it against
the baseline the ingest used before, ``trim(parent)``, over N synthetic parent ids
(one in a thousand malformed, as on the real lists: 2 of 762), in one in-memory
DuckDB run, best of three each; prints one JSON line with both times, the ratio and
the load average. Run under ``nice``.

    nice .venv/bin/python bench/bench_parent_ids.py [--ids 2000000]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import duckdb

from modelatlas.store.tagsql import parent_id


def _best(con: duckdb.DuckDBPyConnection, expr: str) -> float:
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        con.execute(f"SELECT count(DISTINCT {expr}) FROM ids").fetchall()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ids", type=int, default=2_000_000)
    args = ap.parse_args()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute("""
        CREATE TABLE ids AS SELECT 'org' || (i % 50000) || '/model-' || i
            || CASE WHEN i % 1000 = 0 THEN '/' WHEN i % 1001 = 0 THEN '"' ELSE '' END AS v
        FROM range($n) r(i)""", {"n": args.ids})
    base = _best(con, "trim(v)")
    ours = _best(con, parent_id("v"))
    print(json.dumps({"ids": args.ids, "trim_s": round(base, 3), "parent_id_s": round(ours, 3),
                      "ratio": round(ours / base, 2), "loadavg": os.getloadavg()}))


if __name__ == "__main__":
    main()
