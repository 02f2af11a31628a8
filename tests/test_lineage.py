"""Root resolution: depth, merges, self-loops, cycles, and a property test against networkx."""

from __future__ import annotations

import duckdb
import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.lineage import graph, roots
from modelatlas.store.db import Store
from tests.lineage_data import add_edges, add_models


def _resolve(edges: list[tuple[str, str]], nodes: list[str] = ()) -> tuple[
        dict[str, dict[str, int]], dict[str, set[str]], graph.Resolution]:
    con = duckdb.connect()
    con.execute("CREATE TABLE e (child VARCHAR, parent VARCHAR)")
    con.execute("CREATE TABLE n (id VARCHAR)")
    if edges:
        con.executemany("INSERT INTO e VALUES (?, ?)", edges)
    if nodes:
        con.executemany("INSERT INTO n VALUES (?)", [(x,) for x in nodes])
    res = graph.resolve(con, "SELECT child, parent FROM e", "SELECT id FROM n")
    got: dict[str, dict[str, int]] = {}
    for m, r, d in con.execute("SELECT model_id, root_id, depth FROM _lin_roots").fetchall():
        assert r not in got.setdefault(m, {}), "duplicate (model, root)"
        got[m][r] = d
    issues: dict[str, set[str]] = {}
    for m, k in con.execute("SELECT model_id, kind FROM _lin_issues").fetchall():
        issues.setdefault(k, set()).add(m)
    con.close()
    return got, issues, res


def test_chain_depths_and_lonely_node() -> None:
    got, issues, res = _resolve([("a", "r"), ("b", "a"), ("c", "b")], ["lonely"])
    assert got == {"r": {"r": 0}, "a": {"r": 1}, "b": {"r": 2}, "c": {"r": 3},
                   "lonely": {"lonely": 0}}
    assert issues == {}
    assert res.nodes == 5 and res.generations == 3


def test_merge_has_two_roots_and_shortest_depth() -> None:
    # m merges a (from r1) and r2; d reaches r1 by two paths of lengths 1 and 2.
    got, _, _ = _resolve([("a", "r1"), ("m", "a"), ("m", "r2"), ("d", "r1"), ("d", "a")])
    assert got["m"] == {"r1": 2, "r2": 1}
    assert got["d"] == {"r1": 1}


def test_self_loop_is_reported_and_ignored() -> None:
    got, issues, res = _resolve([("a", "a"), ("b", "a"), ("b", "b")])
    assert got == {"a": {"a": 0}, "b": {"a": 1}}
    assert issues == {"self_loop": {"a", "b"}}
    assert res.self_loops == 2


def test_pure_cycle_gets_smallest_id_as_root_and_is_reported() -> None:
    got, issues, res = _resolve([("x", "y"), ("y", "z"), ("z", "x"), ("k", "y")])
    assert got == {"x": {"x": 0}, "y": {"x": 2}, "z": {"x": 1}, "k": {"x": 3}}
    assert issues == {"cycle": {"x", "y", "z"}}
    assert res.cycle_roots == 1


def test_cycle_below_a_root_is_reported_and_resolved() -> None:
    got, issues, _ = _resolve([("p", "q"), ("q", "p"), ("q", "r")])
    assert got == {"r": {"r": 0}, "q": {"r": 1}, "p": {"r": 2}}
    assert issues == {"cycle": {"p", "q"}}


def test_node_below_both_a_root_and_a_cycle_gets_both() -> None:
    got, _, _ = _resolve([("x", "y"), ("y", "x"), ("z", "x"), ("z", "r")])
    assert got["z"] == {"r": 1, "x": 1}


def test_cycle_with_upstream_cycle_only_roots_at_the_source_cycle() -> None:
    # cycle A (a1<->a2) feeds cycle B (b1<->b2): B is not a source, so its root is a1.
    got, issues, _ = _resolve([("a1", "a2"), ("a2", "a1"), ("b1", "a1"), ("b1", "b2"),
                               ("b2", "b1")])
    assert set(got["b1"]) == {"a1"} and set(got["b2"]) == {"a1"}
    assert issues["cycle"] == {"a1", "a2", "b1", "b2"}


# --- property test against an independent networkx reference -------------------------

def _reference(edges: list[tuple[str, str]], nodes: list[str]) -> tuple[
        dict[str, dict[str, int]], set[str]]:
    g = nx.DiGraph()  # parent -> child
    g.add_nodes_from(nodes)
    for c, p in edges:
        g.add_node(c)
        g.add_node(p)
        if c != p:
            g.add_edge(p, c)
    cond = nx.condensation(g)
    members = cond.graph["mapping"]  # node -> scc index
    sources = [s for s in cond.nodes if cond.in_degree(s) == 0]
    reps = {s: min(cond.nodes[s]["members"]) for s in sources}
    want: dict[str, dict[str, int]] = {}
    for s, rep in reps.items():
        for node, dist in nx.single_source_shortest_path_length(g, rep).items():
            want.setdefault(node, {})[rep] = dist
    cyclic = {n for n in g if len(cond.nodes[members[n]]["members"]) > 1}
    return want, cyclic


NODE = st.sampled_from([f"n{i:02d}" for i in range(14)])


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edges=st.lists(st.tuples(NODE, NODE), max_size=30),
       extra=st.lists(NODE, max_size=3))
def test_matches_networkx_reference(edges: list[tuple[str, str]], extra: list[str]) -> None:
    got, issues, _ = _resolve(edges, extra)
    want, cyclic = _reference(edges, extra)
    assert got == want
    assert issues.get("cycle", set()) == cyclic
    assert issues.get("self_loop", set()) == {c for c, p in edges if c == p}


# --- the roots table in a store ------------------------------------------------------

def test_roots_table_weights_family_and_case_insensitive_parents(store: Store) -> None:
    add_models(store, [("Qwen/Qwen2.5-7B", None), ("meta-llama/Llama-3.1-8B", None),
                       ("u/ft", "2026-02-03"), ("u/merge", "2026-02-04"),
                       ("u/quant", "2026-02-05")])
    add_edges(store, [("u/ft", "qwen/qwen2.5-7b", "finetune"),
                      ("u/merge", "u/ft", "merge"),
                      ("u/merge", "meta-llama/Llama-3.1-8B", "merge"),
                      ("u/quant", "unsloth/gemma-3-1b-it", "quantized")])
    res = roots.rebuild(store)
    rows = {(r["model_id"], r["root_id"]): r for r in store.rows("SELECT * FROM roots")}
    assert ("u/ft", "Qwen/Qwen2.5-7B") in rows  # parent spelled as the stored id
    assert rows[("u/ft", "Qwen/Qwen2.5-7B")]["family"] == "Qwen"
    assert rows[("u/merge", "Qwen/Qwen2.5-7B")]["weight"] == 0.5
    assert rows[("u/merge", "Qwen/Qwen2.5-7B")]["depth"] == 2
    assert rows[("u/merge", "meta-llama/Llama-3.1-8B")]["family"] == "Llama"
    # a parent that is not a stored model is still a node, classed by its name
    assert rows[("unsloth/gemma-3-1b-it", "unsloth/gemma-3-1b-it")]["family"] == "Gemma"
    sums = store.rows("SELECT model_id, sum(weight) AS w FROM roots GROUP BY 1")
    assert all(abs(r["w"] - 1) < 1e-12 for r in sums)
    assert {r["model_id"] for r in sums} == {
        "Qwen/Qwen2.5-7B", "meta-llama/Llama-3.1-8B", "u/ft", "u/merge", "u/quant",
        "unsloth/gemma-3-1b-it"}
    assert res.self_loops == 0


def test_derive_refresh_fills_roots_and_issues(store: Store) -> None:
    add_models(store, [("a/x", None), ("a/y", None), ("a/self", None)])
    add_edges(store, [("a/x", "a/y", "finetune"), ("a/y", "a/x", "finetune"),
                      ("a/self", "a/self", "unknown")])
    ran = derive.refresh(store)
    assert "lineage" in ran and "orgs" in ran
    issues = {(r["model_id"], r["kind"]) for r in roots.issues(store)}
    assert issues == {("a/x", "cycle"), ("a/y", "cycle"), ("a/self", "self_loop")}
    assert store.scalar("SELECT count(DISTINCT model_id) FROM roots") == 3


def test_describe_parents_roots_descendants_origin(store: Store) -> None:
    add_models(store, [("Qwen/Qwen3-8B", None), ("u/ft", None), ("u/q", None),
                       ("u/lora", None), ("v/q2", None)])
    add_edges(store, [("u/ft", "Qwen/Qwen3-8B", "finetune"),
                      ("u/q", "u/ft", "quantized"), ("u/lora", "Qwen/Qwen3-8B", "adapter"),
                      ("v/q2", "u/ft", "quantized")])
    derive.refresh(store)
    d = Atlas(store).lineage("u/q")
    assert d["id"] == "u/q"
    assert d["parents"] == [{"id": "u/ft", "relation": "quantized", "origin": "tag"}]
    assert d["roots"] == ["Qwen/Qwen3-8B"] and d["depth"] == 2
    assert d["origin"][0]["region"] == "china" and d["origin"][0]["country"] == "CN"
    top = Atlas(store).lineage("qwen/qwen3-8b")
    assert top["id"] == "Qwen/Qwen3-8B" and top["depth"] == 0
    assert top["descendants"] == {"finetune": 1, "adapter": 1, "quantized": 2, "merge": 0,
                                  "unknown": 0}
    assert top["children"] == {"adapter": 1, "finetune": 1}
    # the whole ancestor graph comes with the answer (a page draws it without asking
    # `lineage` again per ancestor); a parent named but never stored is listed missing
    assert d["ancestors"] == {
        "edges": [{"child": "u/q", "parent": "u/ft", "relation": "quantized", "origin": "tag"},
                  {"child": "u/ft", "parent": "Qwen/Qwen3-8B", "relation": "finetune",
                   "origin": "tag"}],
        "missing": [], "cut": False}
    assert top["ancestors"] == {"edges": [], "missing": [], "cut": False}
    add_edges(store, [("Qwen/Qwen3-8B", "ghost/base", "finetune")])
    derive.refresh(store)
    assert Atlas(store).lineage("u/q")["ancestors"]["missing"] == ["ghost/base"]
