"""``check`` on local folders and store ids: lineage, licences, duties, conflicts, verdict."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest

from modelatlas import derive
from modelatlas.check import check, folder
from modelatlas.errors import NotFoundError, UsageError
from modelatlas.store import Store


def make_folder(tmp_path: Path, card: str | None, name: str = "model",
                files: dict[str, bytes] | None = None) -> Path:
    d = tmp_path / name
    d.mkdir()
    if card is not None:
        (d / "README.md").write_text(card, encoding="utf-8")
    (d / "config.json").write_text('{"model_type": "qwen2"}', encoding="utf-8")
    for fname, data in (files or {}).items():
        (d / fname).write_bytes(data)
    return d


def safetensors_file() -> bytes:
    header = json.dumps({"w": {"dtype": "F16", "shape": [4], "data_offsets": [0, 8]}}).encode()
    return struct.pack("<Q", len(header)) + header + b"\0" * 8


def kinds(report) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    out: dict[str, list[str]] = {}
    for d in report.verdict.duties:
        out.setdefault(d.license, []).append(d.kind)
    return out


LLAMA_CARD = """---
license: apache-2.0
base_model: meta-llama/Llama-3.1-8B-Instruct
tags: [llama, fine-tuned]
---
# My fine-tune
"""


def test_apache_label_on_llama_31_base_is_laundering_with_llama_duties(tmp_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD, files={"model.safetensors": safetensors_file()})
    r = check(str(d), use="commercial")
    laundering = [c for c in r.conflicts if c.kind == "laundering"]
    assert len(laundering) == 1
    assert "apache-2.0" in laundering[0].detail and "llama3.1" in laundering[0].detail
    lic = {x["id"]: x for x in r.licenses}
    assert set(lic) == {"apache-2.0", "llama3.1"}
    assert lic["llama3.1"]["models"] == ["meta-llama/Llama-3.1-8B-Instruct"]
    duties = kinds(r)["llama3.1"]
    for k in ("user_cap", "attribution", "naming", "acceptable_use", "derivatives"):
        assert k in duties
    texts = " ".join(x.text for x in r.verdict.duties)
    assert "700,000,000" in texts and "Built with Llama" in texts
    assert r.verdict.verdict == "conditions"
    assert r.chain.roots() == ["meta-llama/Llama-3.1-8B-Instruct"]
    assert r.as_dict()["origin"]["roots"][0]["country"] == "US"
    assert r.as_dict()["lineage"]["families"] == ["Llama"]


def test_llama_base_above_the_user_cap_is_blocked(tmp_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    r = check(str(d), use="saas", users=800_000_000)
    assert r.verdict.verdict == "blocked"
    assert any("700,000,000" in x for x in r.verdict.reasons)
    below = check(str(d), use="saas", users=1_000_000)
    assert below.verdict.verdict == "conditions"


def test_qwen_finetune_with_compatible_licence_and_safetensors(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\nbase_model:\n- Qwen/Qwen2.5-7B-Instruct\n---\n"
    d = make_folder(tmp_path, card, files={"model.safetensors": safetensors_file(),
                                           "tokenizer.json": b"{}"})
    r = check(str(d), use="commercial")
    assert r.conflicts == []
    assert r.security == []
    assert r.verdict.verdict == "ok"  # keeping the notice is routine: listed, not a condition
    assert {d.kind for d in r.verdict.duties} == {"attribution"}
    assert set(kinds(r)) == {"apache-2.0"}
    assert kinds(r)["apache-2.0"] == ["attribution"]
    assert [x["id"] for x in r.licenses] == ["apache-2.0"]
    assert r.licenses[0]["models"] == [r.subject.id, "Qwen/Qwen2.5-7B-Instruct"]


def test_card_without_licence_is_blocked(tmp_path: Path) -> None:
    d = make_folder(tmp_path, "---\nbase_model: Qwen/Qwen2.5-7B\n---\n")
    r = check(str(d), use="research")
    assert r.verdict.verdict == "blocked"
    assert [c.kind for c in r.conflicts if c.severity == "blocking"] == ["missing_license"]


def test_non_commercial_base(tmp_path: Path) -> None:
    card = "---\nlicense: mit\nbase_model: Qwen/Qwen2.5-3B-Instruct\n---\n"
    d = make_folder(tmp_path, card)
    r = check(str(d), use="commercial")
    assert r.verdict.verdict == "blocked"
    blocking = {c.kind for c in r.conflicts if c.severity == "blocking"}
    assert blocking == {"research_only_ancestor"}
    assert any(c.kind == "laundering" for c in r.conflicts)
    assert any("qwen-research" in x and "commercial" in x for x in r.verdict.reasons)
    research = check(str(d), use="research")
    assert research.verdict.verdict == "conditions"


def test_non_commercial_own_licence(tmp_path: Path) -> None:
    d = make_folder(tmp_path, "---\nlicense: cc-by-nc-4.0\n---\n")
    assert check(str(d), use="saas").verdict.verdict == "blocked"
    assert check(str(d), use="research").verdict.verdict == "ok"


def test_adapter_relation_and_unknown_base_licence(tmp_path: Path) -> None:
    card = "---\nlicense: apache-2.0\nbase_model: someone/unknown-base\n---\n"
    d = make_folder(tmp_path, card, files={"adapter_config.json": b"{}"})
    r = check(str(d))
    assert r.as_dict()["lineage"]["parents"] == [{"id": "someone/unknown-base",
                                                  "relation": "adapter", "origin": "card"}]
    assert any(c.kind == "unknown_ancestor_license" and c.severity == "warning"
               for c in r.conflicts)
    assert r.verdict.verdict == "conditions"


def test_front_matter_is_safe_loaded(tmp_path: Path) -> None:
    sentinel = tmp_path / "SENTINEL"
    card = f"---\nlicense: !!python/object/apply:os.system ['touch {sentinel}']\n---\n"
    d = make_folder(tmp_path, card)
    r = check(str(d))
    assert not sentinel.exists()
    assert any("not valid YAML" in n for n in r.notes)
    assert folder.front_matter("no front matter") == ({}, None)
    assert folder.front_matter("---\n- a\n---\n")[1] == "model card front matter is not a mapping"


def test_bad_arguments(tmp_path: Path) -> None:
    d = make_folder(tmp_path, LLAMA_CARD)
    with pytest.raises(UsageError):
        check(str(d), use="military")
    with pytest.raises(UsageError):
        check(str(d), users=-1)
    with pytest.raises(UsageError):
        check(str(d / "config.json"))
    with pytest.raises(UsageError):
        check("org/not-a-folder")


def seed_store(store: Store) -> None:
    """A three-level chain: app/chat-ft -> mid/llama-ft -> meta-llama/Llama-3.1-8B."""
    rows = [
        ("app/chat-ft", "app", "mit", "mit", "false"),
        ("mid/llama-ft", "mid", "llama3.1", "llama3.1", "false"),
        ("meta-llama/Llama-3.1-8B", "meta-llama", "llama3.1", "llama3.1", "manual"),
        ("gone/base", "gone", "apache-2.0", "apache-2.0", "false"),
    ]
    for mid, org, raw, lid, gated in rows:
        store.sql(
            "INSERT INTO models (id, org, name, source, license_raw, license_id, gated,"
            " first_seen, last_seen, meta_snapshot)"
            " VALUES (?, ?, ?, 'hf', ?, ?, ?, DATE '2026-01-01', DATE '2026-01-01',"
            " DATE '2026-01-01')",
            [mid, org, mid.split("/")[1], raw, lid, gated])
    for child, parent, rel in (("app/chat-ft", "mid/llama-ft", "finetune"),
                               ("mid/llama-ft", "meta-llama/Llama-3.1-8B", "finetune"),
                               ("app/chat-ft", "gone/base", "merge")):
        store.sql("INSERT INTO edges (child, parent, relation, origin) VALUES (?, ?, ?, 'tag')",
                  [child, parent, rel])
    derive.refresh(store, force=True)  # as Atlas does when it opens a store
    store.sql("INSERT INTO events_presence (model_id, source, \"at\", kind, old, new)"
              " VALUES ('gone/base', 'hf', DATE '2026-02-01', 'removed', NULL, NULL)")


def test_store_chain_to_the_root_with_gated_and_removed_bases(store: Store) -> None:
    seed_store(store)
    r = check("app/chat-ft", store=store)
    d = r.as_dict()
    assert d["source"] == "store"
    assert d["lineage"]["roots"] == ["gone/base", "meta-llama/Llama-3.1-8B"]
    depth = {n["id"]: n["depth"] for n in d["lineage"]["chain"]}
    assert depth == {"mid/llama-ft": 1, "gone/base": 1, "meta-llama/Llama-3.1-8B": 2}
    ck = {(c["kind"], c["model"]) for c in d["conflicts"]}
    assert ("laundering", "app/chat-ft") in ck
    assert ("gated_base", "meta-llama/Llama-3.1-8B") in ck
    assert ("removed_base", "gone/base") in ck
    assert d["verdict"] == "conditions"
    assert {x["id"] for x in d["licenses"]} == {"mit", "llama3.1", "apache-2.0"}
    assert d["origin"]["org"] == "app"
    with pytest.raises(NotFoundError):
        check("nobody/nothing", store=store)


def test_folder_base_continues_through_the_store(store: Store, tmp_path: Path) -> None:
    seed_store(store)
    d = make_folder(tmp_path, "---\nlicense: llama3.1\nbase_model: mid/llama-ft\n---\n")
    r = check(str(d), store=store)
    assert r.chain.roots() == ["meta-llama/Llama-3.1-8B"]
    assert not any(c.kind == "laundering" for c in r.conflicts)


def test_store_model_details_feed_the_listing_scan(store: Store) -> None:
    seed_store(store)
    store.sql(
        "INSERT INTO model_details (model_id, fetched_at, sha, card_data, siblings, config,"
        " safetensors, gated, raw) VALUES (?, now(), ?, ?, ?, ?, NULL, 'false', '{}')",
        ["app/chat-ft", "b" * 40, json.dumps({"license": "mit"}),
         json.dumps([{"rfilename": "model.ckpt", "size": 5}, {"rfilename": "x.safetensors"}]),
         json.dumps({"auto_map": {"AutoModel": "m.M"}, "trust_remote_code": True})])
    r = check("app/chat-ft", store=store)
    got = {(f.file, f.severity) for f in r.security}
    assert got == {("config.json", "medium"), ("model.ckpt", "low")}
    assert r.subject.sha == "b" * 40
    assert not any("no file list" in n for n in r.notes)


def test_cycle_in_store_edges_terminates_with_a_root(store: Store) -> None:
    seed_store(store)
    store.sql("INSERT INTO edges (child, parent, relation, origin)"
              " VALUES ('meta-llama/Llama-3.1-8B', 'app/chat-ft', 'finetune', 'card')")
    derive.refresh(store, force=True)
    r = check("mid/llama-ft", store=store)
    assert r.chain.roots() == ["gone/base"]
    assert len(r.chain.nodes) == 3
    store.sql("DELETE FROM edges WHERE parent = 'gone/base'")
    derive.refresh(store, force=True)
    r = check("mid/llama-ft", store=store)  # now a pure cycle: every ancestor has a parent
    assert r.chain.roots() == ["app/chat-ft"]
    assert r.as_dict()["lineage"]["depth"] == 2


def test_unmapped_own_licence_is_a_warning(tmp_path: Path) -> None:
    d = make_folder(tmp_path, "---\nlicense: other\n---\n")
    r = check(str(d))
    assert any(c.kind == "unmapped_license" for c in r.conflicts)
    assert r.verdict.verdict == "conditions"


def test_saas_use_of_agpl_weights_adds_the_network_duty(tmp_path: Path) -> None:
    d = make_folder(tmp_path, "---\nlicense: agpl-3.0\n---\n")
    assert "network" in kinds(check(str(d), use="saas"))["agpl-3.0"]
    assert "network" not in kinds(check(str(d), use="commercial"))["agpl-3.0"]


def test_qwen_72b_finetune_under_the_qwen_licence(tmp_path: Path) -> None:
    card = ("---\nlicense: other\nlicense_name: qwen\nlicense_link: "
            "https://huggingface.co/Qwen/Qwen2.5-72B-Instruct/blob/main/LICENSE\n"
            "base_model: Qwen/Qwen2.5-72B-Instruct\n---\n")
    d = make_folder(tmp_path, card, files={"model.safetensors": safetensors_file()})
    r = check(str(d), use="commercial", users=50_000_000)
    assert r.license_id == "qwen" and r.conflicts == []
    # 50M declared users are under the 100M cap: the cap duty does not apply
    assert sorted(kinds(r)["qwen"]) == ["attribution", "derivatives"]
    unknown_users = check(str(d), use="commercial")
    assert sorted(kinds(unknown_users)["qwen"]) == ["attribution", "derivatives", "user_cap"]
    assert "Built with Qwen" in " ".join(x.text for x in r.verdict.duties)
    assert r.verdict.verdict == "conditions"
    over = check(str(d), use="commercial", users=150_000_000)
    assert over.verdict.verdict == "blocked" and "100,000,000" in over.verdict.reasons[0]
