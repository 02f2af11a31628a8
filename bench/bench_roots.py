"""Benchmark: root resolution on a synthetic Hub-like graph, vs a networkx baseline.

Generates a heavy-tailed base-model graph inside the run (default 3 M nodes, 2 M
edges: ~1 M parentless models, single-parent derivatives whose parent is drawn
with a strong bias towards early, popular models, 1.25 % merges with two parents,
plus a few self-loops and small cycles), then times

- modelatlas: :func:`modelatlas.lineage.graph.resolve` + the weight column, in DuckDB;
- networkx: the straightforward equivalent (condensation to find source
  components, then one shortest-path BFS per root), on the same graph;

checks that both agree on a sample of nodes and prints one JSON line.

    .venv/bin/python bench/bench_roots.py [--nodes 3000000] [--edges 2000000]
                                          [--seed 0] [--skip-networkx]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import time
from typing import Any

import duckdb
import networkx as nx
import numpy as np
import pyarrow as pa

from modelatlas.lineage import graph

MERGE_SHARE = 0.0125
SELF_LOOPS = 200
CYCLES = 50


def synth_edges(nodes: int, edges: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(child, parent) integer arrays: heavy-tailed preferential choice of parents."""
    rng = np.random.default_rng(seed)
    merges = int(edges * MERGE_SHARE / 2)
    singles = edges - 2 * merges - SELF_LOOPS - 2 * CYCLES
    n_children = singles + merges
    first_child = nodes - n_children
    children = np.arange(first_child, nodes, dtype=np.int64)
    # parent index = floor(i * u^3): most parents are early (popular) nodes, but
    # derivatives of derivatives occur too, giving depth like the Hub's.
    u = rng.random(n_children)
    parents = np.floor(children * u ** 3).astype(np.int64)
    merge_kids = rng.choice(children, size=merges, replace=False)
    merge_par = np.floor(merge_kids * rng.random(merges) ** 3).astype(np.int64)
    loops = rng.choice(nodes, size=SELF_LOOPS, replace=False)
    a = rng.choice(children, size=CYCLES, replace=False)
    b = rng.choice(children, size=CYCLES, replace=False)
    child = np.concatenate([children, merge_kids, loops, a, b])
    parent = np.concatenate([parents, merge_par, loops, b, a])
    keep = child != parent
    keep[len(children) + merges: len(children) + merges + SELF_LOOPS] = True
    return child[keep], parent[keep]


def cpu_seconds() -> float:
    """CPU time of this process (all threads): robust to other load on the machine."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_modelatlas(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), cpu_seconds()
    res = graph.resolve(con, "SELECT child, parent FROM e", "SELECT id FROM n")
    con.execute("""
        CREATE OR REPLACE TABLE roots AS
        SELECT model_id, root_id, depth, 1.0 / count(*) OVER (PARTITION BY model_id) AS weight
        FROM _lin_roots
    """)
    secs, cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return {"seconds": round(secs, 2), "cpu_seconds": round(cpu, 2), "pairs": res.pairs,
            "generations": res.generations,
            "self_loops": res.self_loops, "cycle_nodes": res.cycle_nodes,
            "cycle_roots": res.cycle_roots, "nodes": res.nodes}


def run_networkx(child: list[str], parent: list[str], ids: list[str]) -> tuple[
        dict[str, Any], dict[str, dict[str, int]]]:
    t0 = time.perf_counter()
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    g.add_edges_from((p, c) for c, p in zip(child, parent, strict=True) if c != p)
    built = time.perf_counter() - t0
    t1, c1 = time.perf_counter(), cpu_seconds()
    cond = nx.condensation(g)
    reps = [min(cond.nodes[s]["members"]) for s in cond.nodes if cond.in_degree(s) == 0]
    out: dict[str, dict[str, int]] = {}
    for r in reps:
        for node, dist in nx.single_source_shortest_path_length(g, r).items():
            out.setdefault(node, {})[r] = dist
    n_roots = {k: len(v) for k, v in out.items()}
    weights = {k: 1.0 / v for k, v in n_roots.items()}
    computed, cpu = time.perf_counter() - t1, cpu_seconds() - c1
    del weights
    return {"build_seconds": round(built, 2), "seconds": round(computed, 2),
            "cpu_seconds": round(cpu, 2),
            "pairs": sum(n_roots.values())}, out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=3_000_000)
    ap.add_argument("--edges", type=int, default=2_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-networkx", action="store_true")
    args = ap.parse_args()

    t0 = time.perf_counter()
    c_int, p_int = synth_edges(args.nodes, args.edges, args.seed)
    con = duckdb.connect()
    con.register("_ints", pa.table({"c": c_int, "p": p_int}))
    # Hub-like string ids ("org123/model-4567") so joins run on VARCHAR as in a real store.
    con.execute("""
        CREATE TABLE e AS SELECT 'org' || (c % 50000) || '/model-' || c AS child,
                                 'org' || (p % 50000) || '/model-' || p AS parent FROM _ints
    """)
    con.unregister("_ints")
    con.execute(f"CREATE TABLE n AS SELECT 'org' || (i % 50000) || '/model-' || i AS id"
                f" FROM range({args.nodes}) t(i)")
    gen = time.perf_counter() - t0
    out: dict[str, Any] = {"nodes": args.nodes, "edges": len(c_int),
                           "generate_seconds": round(gen, 2), "threads": os.cpu_count(),
                           "load_average_1m": round(os.getloadavg()[0], 2)}
    out["modelatlas"] = run_modelatlas(con)
    depth = con.execute("SELECT max(depth), avg(depth) FROM roots").fetchone() or (0, 0)
    top = con.execute("SELECT max(c) FROM (SELECT count(*) c FROM roots GROUP BY root_id)"
                      ).fetchone() or (0,)
    out["graph"] = {"max_depth": depth[0], "mean_depth": round(float(depth[1]), 3),
                    "largest_tree": top[0]}
    out["modelatlas"]["peak_rss_mb"] = round(rss_mb())
    if not args.skip_networkx:
        edges = con.execute("SELECT child, parent FROM e").fetchall()
        ids = [r[0] for r in con.execute("SELECT id FROM n").fetchall()]
        child = [x[0] for x in edges]
        parent = [x[1] for x in edges]
        del edges
        gc.collect()
        nx_stats, nx_roots = run_networkx(child, parent, ids)
        out["networkx"] = nx_stats
        out["ratio_networkx_over_modelatlas"] = round(
            nx_stats["seconds"] / out["modelatlas"]["seconds"], 1)
        out["cpu_ratio_networkx_over_modelatlas"] = round(
            nx_stats["cpu_seconds"] / out["modelatlas"]["cpu_seconds"], 1)
        # agreement on a sample of nodes
        sample = random.Random(args.seed).sample(ids, 20_000)
        con.execute("CREATE TABLE s (id VARCHAR)")
        con.executemany("INSERT INTO s VALUES (?)", [(x,) for x in sample])
        ours: dict[str, dict[str, int]] = {}
        for m, r, d in con.execute(
                "SELECT model_id, root_id, depth FROM roots JOIN s ON s.id = model_id"
        ).fetchall():
            ours.setdefault(m, {})[r] = d
        out["agree_on_sample"] = all(ours.get(x) == nx_roots.get(x) for x in sample)
        out["peak_rss_mb"] = round(rss_mb())
    print(json.dumps(out))


if __name__ == "__main__":
    main()
