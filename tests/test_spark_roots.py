"""Root resolution on Spark equals DuckDB's on graphs with chains, merges, diamonds,
self-loops, cycles (with and without a way out) and case-variant parent ids."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from modelatlas.lineage import roots as duck_roots
from modelatlas.store.db import Store, open_store
from tests.sparkfix import local_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

spark = pytest.fixture(scope="module")(local_spark)

HAND = [
    # chain and a merge of two roots
    ("a/base", "x/ft1"), ("x/ft1", "x/ft2"), ("b/base", "x/merge"), ("x/ft1", "x/merge"),
    # diamond: two ways to the same root, different depths
    ("a/base", "y/d1"), ("y/d1", "y/d2"), ("a/base", "y/d2"), ("y/d2", "y/d3"),
    # self-loop on a model that also has a real parent, and one that has none
    ("a/base", "s/loop"), ("s/loop", "s/loop"), ("s/alone", "s/alone"),
    # pure cycle (no way out) with a child below it, and below a normal root too
    ("c/one", "c/two"), ("c/two", "c/three"), ("c/three", "c/one"), ("c/two", "c/kid"),
    ("a/base", "c/kid"),
    # cycle with a way out (its members get the outside root only)
    ("a/base", "k/p"), ("k/p", "k/q"), ("k/q", "k/p"), ("k/q", "k/below"),
    # parent spelled with another case than the stored id; a parent not in models
    ("A/BASE", "z/case"), ("ghost/model", "z/orphan"),
    # Qwen / Llama roots for families
    ("Qwen/Qwen2.5-7B", "f/q1"), ("meta-llama/Llama-3.1-8B", "f/l1"), ("f/q1", "f/mix"),
    ("f/l1", "f/mix"),
]


def _graph(seed: int, n: int = 150) -> list[tuple[str, str]]:
    """A random graph with merges, deep chains and injected cycles."""
    rng = random.Random(seed)
    ids = [f"g{seed}/m{i}" for i in range(n)]
    out: list[tuple[str, str]] = []
    for i in range(1, n):
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):
            out.append((ids[rng.randrange(0, i)], ids[i]))   # (parent, child)
    for p, c in rng.sample(out, 4):   # reversed edges make cycles
        out.append((c, p))
    for i in range(0, n - 10, 37):   # a long chain through the graph, closed on itself
        out.append((ids[i], ids[i + 10]))
    out.append((ids[n - 1], ids[n // 2]))
    return out


def _store(pairs: list[tuple[str, str]]) -> Store:
    st = open_store(":memory:")
    ids = sorted({c for _, c in pairs} | {p for p, _ in pairs if not p.startswith("ghost")})
    stored = {i.lower(): i for i in ids}
    st.con.executemany(
        "INSERT INTO models (id, org, name, source, first_seen, last_seen, meta_snapshot)"
        " VALUES (?, split_part(?, '/', 1), split_part(?, '/', 2), 'hf', DATE '2026-01-01',"
        " DATE '2026-01-01', DATE '2026-01-01')",
        [(i, i, i) for i in stored.values()])
    st.con.executemany("INSERT INTO edges VALUES (?, ?, 'finetune', 'tag')",
                       sorted({(c, p) for p, c in pairs}))
    return st


def _rows(st: Store, sql: str) -> list[tuple[Any, ...]]:
    return sorted(tuple(r) for r in st.con.execute(sql).fetchall())


@pytest.fixture(params=["hand", "random-1"])
def graph(request: pytest.FixtureRequest) -> Iterator[Store]:
    pairs = HAND if request.param == "hand" else _graph(int(request.param[-1]))
    st = _store(pairs)
    duck_roots.rebuild(st)
    yield st
    st.close()


def test_roots_equal_duckdb(spark: SparkSession, graph: Store) -> None:
    from modelatlas.spark.roots import rebuild

    models = spark.createDataFrame(
        graph.con.sql("SELECT id FROM models").to_arrow_table())
    edges = spark.createDataFrame(graph.con.sql(
        "SELECT child, parent, relation, origin FROM edges").to_arrow_table())
    res = rebuild(spark, models, edges)
    got_roots = sorted((r["model_id"], r["root_id"], r["depth"], round(r["weight"], 12),
                        r["family"]) for r in res.roots.collect())
    want_roots = [(m, r, d, round(w, 12), f) for m, r, d, w, f in _rows(
        graph, "SELECT model_id, root_id, depth, weight, family FROM roots")]
    assert got_roots == want_roots
    got_issues = sorted((r["model_id"], r["kind"], r["detail"]) for r in res.issues.collect())
    assert got_issues == _rows(graph, "SELECT model_id, kind, detail FROM lineage_issues")
    assert got_issues, "the graphs hold self-loops and cycles"
