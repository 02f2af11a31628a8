"""Re-uploads resolve to the original for root attribution (issue 12, phase 2).

The derive writes the re-upload rule's edges (``reupload_edges``) for nodes that
state no parent; roots, ``lineage`` and ``check`` read them with the stated edges, so
a derivative of ``unsloth/Qwen3-8B-bnb-4bit`` is credited to Qwen (China) at root
attribution, and a re-upload that states its base keeps it.
"""

from __future__ import annotations

from pathlib import Path

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.check import check
from modelatlas.lineage import reuploaded
from modelatlas.pipeline import ingest_files
from modelatlas.store.db import Store
from tests.adoption_data import load, obs


def _roots(store: Store, model_id: str) -> list[str]:
    return [str(r[0]) for r in store.con.execute(
        "SELECT root_id FROM roots WHERE model_id = ? ORDER BY 1", [model_id]).fetchall()]


def test_a_derivative_of_an_unsloth_copy_is_credited_to_the_original(
        store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [
        obs("fan/qwen-ft", "2025-01-31", 10, tags=["base_model:unsloth/Qwen3-8B-bnb-4bit"]),
        obs("fan/qwen-ft2", "2025-01-31", 5, tags=["base_model:fan/qwen-ft"]),
        # states its base: the source's word wins over the rule
        obs("unsloth/Llama-3.2-1B-Instruct", "2025-01-31", 1,
            tags=["base_model:meta-llama/Llama-3.2-1B"]),
        obs("x/no-rule", "2025-01-31", 1, tags=["base_model:someone/plain-model"]),
    ])
    assert _roots(store, "fan/qwen-ft") == ["Qwen/Qwen3-8B"]
    assert _roots(store, "fan/qwen-ft2") == ["Qwen/Qwen3-8B"]
    assert _roots(store, "unsloth/Qwen3-8B-bnb-4bit") == ["Qwen/Qwen3-8B"]
    assert _roots(store, "unsloth/Llama-3.2-1B-Instruct") == ["meta-llama/Llama-3.2-1B"]
    assert _roots(store, "x/no-rule") == ["someone/plain-model"]
    assert store.con.execute("SELECT child, parent, relation, origin FROM reupload_edges"
                             ).fetchall() == [("unsloth/Qwen3-8B-bnb-4bit", "Qwen/Qwen3-8B",
                                               "quantized", "reupload-rule")]
    atlas = Atlas(store)
    lin = atlas.lineage("fan/qwen-ft2")
    assert lin["roots"] == ["Qwen/Qwen3-8B"] and lin["depth"] == 3
    got = check("fan/qwen-ft2", store=store, use="research").as_dict()["lineage"]
    assert got["roots"] == lin["roots"] and got["depth"] == lin["depth"]
    share = atlas.share(by="region", metric="derivatives", attribution="root")
    by = dict(zip(share["group"], share["value"], strict=True))
    assert by.get("china") == 2   # fan/qwen-ft and fan/qwen-ft2 (the copy is not observed)
    assert "us" in by             # the Llama copy stated its (U.S.) base


def test_a_stated_base_arriving_later_replaces_the_rule_edge(
        store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [
        obs("fan/qwen-ft", "2025-01-31", 10, tags=["base_model:unsloth/Qwen3-8B-bnb-4bit"])])
    assert _roots(store, "fan/qwen-ft") == ["Qwen/Qwen3-8B"]
    load(store, tmp_path, [
        obs("unsloth/Qwen3-8B-bnb-4bit", "2025-02-28", 1,
            tags=["base_model:Qwen/Qwen3-8B-Base"])])
    assert store.con.execute("SELECT count(*) FROM reupload_edges").fetchall()[0][0] == 0
    assert _roots(store, "fan/qwen-ft") == ["Qwen/Qwen3-8B-Base"]
    inc = store.con.execute("SELECT * FROM roots ORDER BY ALL").fetchall()
    derive.refresh(store, force=True)
    assert store.con.execute("SELECT * FROM roots ORDER BY ALL").fetchall() == inc


def test_nodes_sql_leaves_out_nodes_with_a_stated_parent(store: Store,
                                                         tmp_path: Path) -> None:
    load(store, tmp_path, [obs("a/ft", "2025-01-31", 1, tags=["base_model:b/base"])])
    ids = {r[0] for r in store.con.execute(reuploaded.NODES_SQL).fetchall()}
    assert ids == {"b/base"}


def test_real_unsloth_qwen_derivatives_are_credited_to_china(shared_data: Path,
                                                              store: Store) -> None:
    """The hourly new-model lists: every derivative whose stated base is an unsloth
    copy of a Qwen model has a Qwen root, in China, at root attribution."""
    assert not ingest_files(store, [shared_data / "hf-new-models"]).failed
    rows = store.con.execute("""
        SELECT e.child, r.root_id, o.region
        FROM (SELECT DISTINCT child FROM edges
              WHERE lower(parent) LIKE 'unsloth/%qwen%') e
        JOIN roots r ON r.model_id = e.child
        LEFT JOIN orgs o ON o.org = lower(split_part(r.root_id, '/', 1))
    """).fetchall()
    assert len({r[0] for r in rows}) >= 15
    assert all(r[1].startswith("Qwen/") and r[2] == "china" for r in rows), rows
    # no derivative of the lists keeps an unsloth copy as its root
    assert store.con.execute(
        "SELECT count(*) FROM roots WHERE lower(root_id) LIKE 'unsloth/%'").fetchall()[0][0] == 0
    # through the read door: no derivative is credited to unsloth at root attribution,
    # and Qwen's count holds every derivative of an unsloth Qwen copy
    by_org = Atlas(store).share(by="org", metric="derivatives", attribution="root",
                                population="new-models")
    assert set(by_org["population"]) == {"new-models"}
    orgs = by_org.groupby("group")["value"].sum()
    assert "unsloth" not in orgs.index
    assert orgs["Qwen"] >= len({r[0] for r in rows})
