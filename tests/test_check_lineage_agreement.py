"""One lineage: ``check X`` and ``lineage X`` agree on parents, roots and depth."""

from __future__ import annotations

from pathlib import Path

from modelatlas import derive, pipeline
from modelatlas.atlas import Atlas
from modelatlas.check import check
from modelatlas.store import Store
from tests.lineage_data import add_edges, add_models


def _agree(store: Store, ids: list[str]) -> list[tuple[str, object, object]]:
    atlas = Atlas(store)
    diffs: list[tuple[str, object, object]] = []
    for mid in ids:
        lin = atlas.lineage(mid)
        report = check(mid, store=store, use="research")
        got = report.as_dict()["lineage"]
        want_p = sorted((p["id"], p["relation"], p["origin"]) for p in lin["parents"])
        got_p = sorted((p["id"], p["relation"], p["origin"]) for p in got["parents"])
        for what, a, b in (("parents", want_p, got_p),
                           ("roots", sorted(lin["roots"]), sorted(got["roots"])),
                           ("depth", lin["depth"], got["depth"])):
            if a != b:
                diffs.append((f"{mid}: {what}", a, b))
        if lin["id"] != report.subject.id:
            diffs.append((f"{mid}: id", lin["id"], report.subject.id))
    return diffs


def test_tricky_graph_every_model(store: Store) -> None:
    """Cycles, self-loops, merges, a case-variant parent, a model known only as a
    node, a re-upload (whose inferred original is a lineage parent of origin
    ``reupload-rule`` in both: issue 12)."""
    add_models(store, [(m, None) for m in (
        "a/root", "b/root", "c/ft", "d/merge", "e/deep", "x/cyc1", "x/cyc2", "x/cyc3",
        "s/self", "Q/Up", "v/child-of-variant", "unsloth/Qwen3.5-4B", "w/ft-of-reupload")])
    add_edges(store, [
        ("c/ft", "a/root", "finetune"), ("d/merge", "c/ft", "merge"),
        ("d/merge", "b/root", "merge"), ("e/deep", "d/merge", "finetune"),
        ("x/cyc1", "x/cyc2", "finetune"), ("x/cyc2", "x/cyc3", "finetune"),
        ("x/cyc3", "x/cyc1", "finetune"), ("x/cyc3", "a/root", "finetune"),
        ("s/self", "s/self", "finetune"), ("v/child-of-variant", "q/up", "adapter"),
        ("e/deep", "only/a-node", "finetune"),
        ("w/ft-of-reupload", "unsloth/Qwen3.5-4B", "finetune")])
    derive.refresh(store, force=True)
    ids = [r["model_id"] for r in store.rows("SELECT DISTINCT model_id FROM roots ORDER BY 1")]
    assert "only/a-node" in ids and "Q/Up" in ids
    assert _agree(store, ids) == []
    # the re-upload's original is the root in both, reached by an edge of its origin
    d = check("w/ft-of-reupload", store=store).as_dict()["lineage"]
    assert d["roots"] == ["Qwen/Qwen3.5-4B"] == Atlas(store).lineage("w/ft-of-reupload")["roots"]
    assert "Qwen/Qwen3.5-4B" in d["licence_roots"]
    assert any(e["origin"] == "reupload-rule" for e in d["edges"])
    up = Atlas(store).lineage("unsloth/Qwen3.5-4B")["parents"]
    assert [(p["id"], p["origin"]) for p in up] == [("Qwen/Qwen3.5-4B", "reupload-rule")]
    # a case variant of an id resolves to the same spelling in both
    assert check("q/up", store=store).subject.id == Atlas(store).lineage("q/up")["id"]


def test_real_new_model_lists(shared_data: Path, store: Store) -> None:
    """Every model of the hourly new-model lists that has a lineage (a parent or a
    child), and every base they name. One base is named by a string that is not a Hub
    id (a name without its org): ``check`` refuses it as an id. (A quoted id and a local
    cache path are read at ingest as the repos they name, store/tagsql.parent_id.)"""
    from modelatlas.check import hubid

    pipeline.ingest_files(store, [shared_data / "hf-new-models"])
    named = [r["id"] for r in store.rows(
        "SELECT child AS id FROM edges UNION SELECT model_id FROM roots"
        " WHERE model_id IN (SELECT parent FROM edges) ORDER BY 1")]
    ids = [i for i in named if hubid.problem(i) is None]
    assert len(ids) > 1000 and len(named) - len(ids) == 1
    assert _agree(store, ids) == []
