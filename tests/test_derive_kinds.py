"""The kinds of change the ingest lists for derive, and the work derive skips by them.

Derive recomputes an org's heuristic only when a model is new, moved org or became
(or stopped being) a derivative, and looks for other spellings of an id only when a
model is new (store/changes.py: ``mark_models``). These tests build the cases where
skipping would be wrong if a kind were mislabelled, and compare with a full derive.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from modelatlas import derive
from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store import Store, changes, open_store
from modelatlas.store.ingest import commit_input

S1, S2 = dt.date(2026, 1, 31), dt.date(2026, 2, 28)
DERIVED = ("SELECT * FROM orgs", "SELECT model_id, root_id, depth, family FROM roots",
           "SELECT * FROM reupload_edges", "SELECT * FROM lineage_issues")


def _row(mid: str, parents: list[str], author: str | None = None) -> dict[str, Any]:
    return {"id": mid, "snapshot": None, "tags": ["transformers",
                                                  *(f"base_model:{p}" for p in parents)],
            "author": author, "downloads_30d": 1, "created_at": "2025-06-01T00:00:00Z"}


def _ingest(store: Store, rows: list[dict[str, Any]], snap: dt.date) -> None:
    rows = [{**r, "snapshot": snap} for r in rows]
    commit_input(store, [Batch(batch_from_rows(rows))], run_id=str(snap),
                 source_label=str(snap), scope=("hub-parquet", None))


def _kinds(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for mid, kind in store.sql("SELECT model_id, kind FROM derive_dirty"
                               " WHERE model_id IS NOT NULL").fetchall():
        out.setdefault(str(mid), set()).add(str(kind))
    return out


def _derived(store: Store) -> list[list[str]]:
    return [sorted(map(repr, store.sql(q).fetchall())) for q in DERIVED]


@pytest.fixture(autouse=True)
def _always_incremental(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(changes, "FULL_SHARE", 10.0)
    from modelatlas.lineage import roots
    monkeypatch.setattr(roots, "FULL_SHARE", 10.0)


FIRST = [
    _row("Qwen/base", []), _row("Qwen/other", []),
    # "fan": 3 derivatives of 3 models: a community namespace by the heuristic
    _row("fan/a", ["Qwen/base"]), _row("fan/b", ["Qwen/base"]), _row("fan/c", ["Qwen/base"]),
    # "solo": 2 derivatives and a model of its own: 2/3 < 80%, not community
    _row("solo/a", ["Qwen/base"]), _row("solo/b", ["Qwen/base"]), _row("solo/own", []),
    # a parent-only node named in lower case; its model arrives in the second snapshot
    _row("kid/x", ["ghost/model-x"]), _row("kid/y", ["Ghost/Model-X"]),
    # "pair": 2 derivatives, below the heuristic's 3 models; a derivative without a
    # namespace (no org) joins it when its author is stated
    _row("pair/a", ["Qwen/base"]), _row("pair/b", ["Qwen/base"]), _row("nsless", ["Qwen/base"]),
]


def _both(second: list[dict[str, Any]]) -> tuple[Store, Store]:
    inc, full = open_store(":memory:"), open_store(":memory:")
    for st in (inc, full):
        _ingest(st, FIRST, S1)
    derive.refresh(inc)
    for st in (inc, full):
        _ingest(st, second, S2)
    return inc, full


def _orgs(store: Store) -> set[str]:
    return {str(r[0]) for r in store.sql(
        "SELECT org FROM orgs WHERE origin = 'heuristic'").fetchall()}


def test_kinds_name_what_changed() -> None:
    second = [
        _row("fan/a", ["Qwen/other"]),          # re-parented, still a derivative
        _row("fan/b", []),                      # no parent any more
        _row("fan/c", ["fan/c"]),               # names only itself: not a derivative
        _row("solo/own", ["Qwen/base"]),        # became a derivative
        _row("Ghost/Model-X", []),              # new
        _row("nsless", ["Qwen/base"], author="pair"),  # gains an org
    ]
    inc, full = _both(second)
    with inc, full:
        k = _kinds(inc)
        assert k["fan/a"] == {"parents"}
        assert k["fan/b"] == {"lineage"} and k["fan/c"] == {"lineage"}
        assert k["solo/own"] == {"lineage"}
        assert "new" in k["Ghost/Model-X"]  # and 'meta': its first history row
        assert "org" in k["nsless"]
        assert inc.scalar("SELECT prev_org FROM derive_dirty WHERE model_id = 'nsless'"
                          " AND kind = 'org'") is None
        assert k["Qwen/base"] == {"gone"}  # fan/b and fan/c no longer name it
        assert _orgs(inc) == {"fan"}
        derive.refresh(inc)
        derive.refresh(full, force=True)
        assert _derived(inc) == _derived(full)
        # fan lost two derivatives (1/3), solo gained one (3/3), pair a third model
        assert _orgs(inc) == {"solo", "pair"}
        # the new model is the node both spellings of its id resolve to
        assert inc.sql("SELECT DISTINCT root_id FROM roots WHERE model_id IN"
                       " ('kid/x', 'kid/y')").fetchall() == [("Ghost/Model-X",)]


def test_re_parenting_within_a_kind_keeps_the_heuristic() -> None:
    second = [_row("fan/a", ["Qwen/other"]), _row("fan/b", ["Qwen/other", "Qwen/base"])]
    inc, full = _both(second)
    with inc, full:
        assert set().union(*(_kinds(inc)[m] for m in ("fan/a", "fan/b"))) == {"parents"}
        derive.refresh(inc)
        derive.refresh(full, force=True)
        assert _derived(inc) == _derived(full)
        assert _orgs(inc) == {"fan"}


def test_a_new_model_counts_for_its_org() -> None:
    # "solo" reaches 4 models with 3 derivatives (75%): still not; a fifth derivative
    # (4/5 = 80%) makes it community. Only new models change the counts here.
    second = [_row("solo/c", ["Qwen/base"]), _row("solo/d", ["Qwen/other"])]
    inc, full = _both(second)
    with inc, full:
        assert {m: v - {"meta"} for m, v in _kinds(inc).items() if m.startswith("solo/")} \
            == {"solo/c": {"new"}, "solo/d": {"new"}}
        derive.refresh(inc)
        derive.refresh(full, force=True)
        assert _derived(inc) == _derived(full)
        assert "solo" in _orgs(inc)


def test_re_parenting_to_and_from_a_re_upload_moves_its_rule_edge() -> None:
    # kid/x and fan/a keep a stated parent ('parents' kind): the re-upload they now
    # name is a new node (its rule edge appears); the one kid/z no longer names is
    # no node any more (its rule edge goes).
    first = [*FIRST, _row("kid/z", ["unsloth/Qwen3.5-4B-GGUF"])]
    second = [_row("fan/a", ["unsloth/Qwen3.5-8B-GGUF"]), _row("kid/z", ["Qwen/base"])]
    inc, full = open_store(":memory:"), open_store(":memory:")
    with inc, full:
        for st in (inc, full):
            _ingest(st, first, S1)
        derive.refresh(inc)
        assert inc.sql("SELECT child FROM reupload_edges").fetchall() == [
            ("unsloth/Qwen3.5-4B-GGUF",)]
        for st in (inc, full):
            _ingest(st, second, S2)
        assert {m: v for m, v in _kinds(inc).items() if m in ("fan/a", "kid/z")} == {
            "fan/a": {"parents"}, "kid/z": {"parents"}}
        derive.refresh(inc)
        derive.refresh(full, force=True)
        assert _derived(inc) == _derived(full)
        assert inc.sql("SELECT child, parent FROM reupload_edges").fetchall() == [
            ("unsloth/Qwen3.5-8B-GGUF", "Qwen/Qwen3.5-8B")]
        assert inc.sql("SELECT root_id FROM roots WHERE model_id = 'fan/a'").fetchall() == [
            ("Qwen/Qwen3.5-8B",)]
