"""Licence catalog integrity, normalisation, cut-tag completion and repo licences."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from modelatlas.errors import CatalogError, NotFoundError
from modelatlas.licenses import (
    FAMILIES,
    catalog,
    complete_truncated,
    get,
    lookup,
    normalize,
    registry,
    repo_license,
    repos,
    resolve,
    unmapped,
)
from modelatlas.licenses.normalizer import hub_ids, key


def _data(name: str) -> dict:
    text = resources.files("modelatlas.licenses").joinpath("data").joinpath(name).read_text()
    return yaml.safe_load(text)


def test_every_entry_has_family_source_and_name() -> None:
    cat = catalog()
    assert len(cat) >= 80
    for lid, lic in cat.items():
        assert lic.id == lid == lid.lower()
        assert lic.family in FAMILIES, lid
        assert lic.source_url.startswith(("https://", "http://")), lid
        assert lic.name, lid


def test_aliases_and_link_rules_point_to_existing_ids() -> None:
    doc = _data("aliases.yaml")
    ids = set(catalog())
    assert doc["aliases"], "no aliases"
    for raw, target in doc["aliases"].items():
        assert target in ids, f"alias {raw} -> {target}"
    for rule in doc["links"]:
        assert rule["id"] in ids, rule


def test_every_hub_licence_identifier_maps() -> None:
    ids = hub_ids()
    assert "apache-2.0" in ids and "llama3.1" in ids and "other" in ids
    assert [h for h in ids if lookup(h) is None] == []


def test_repo_rules_are_valid_and_sourced() -> None:
    ids = set(catalog())
    for r in repos.rules():
        assert r.license_id in ids
        assert r.pattern == r.pattern.lower()
        assert r.source.startswith("https://")


def test_repo_rules_in_sql_and_python_agree() -> None:
    """The licence derive matches repo rules in SQL for a whole store and with the
    Python twin for a few changed models: both give every model the same rule."""
    from modelatlas.derive_steps import licenses as step
    from modelatlas.store import open_store

    ids = []
    for r in repos.rules():  # a name each rule's pattern matches, and near misses
        stem = r.pattern.split("|")[0].replace("\\", "").replace("(meta-)?", "")
        for name in {stem.replace(".*", "x-Instruct"), stem.replace(".*", ""),
                     stem.upper().replace(".*", "B"), "x" + stem.replace(".*", "")}:
            for org in (r.org, r.org.upper()):
                ids.append(f"{org}/{name}")
    ids += ["no-slash", "Qwen/", "/Qwen3-8B", "qwen/qwen3-8b/extra"]
    with open_store(":memory:") as st:
        step._temp_table(st, "m", {"id": ("VARCHAR", ids)})
        step._temp_table(st, "_lic_repo", step._repo_columns())
        in_sql = dict(st.sql(step.REPO_SQL.format(models="m")).fetchall())
    in_python = {i: repo_license(i) for i in ids if repo_license(i) is not None}
    assert in_sql == in_python
    assert len(in_sql) >= len(repos.rules())  # each rule matched something


@pytest.mark.parametrize(
    ("model_id", "expected"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3.1"),
        ("meta-llama/Meta-Llama-3.1-70B", "llama3.1"),
        ("meta-llama/Meta-Llama-3-8B", "llama3"),
        ("meta-llama/Llama-3.2-11B-Vision-Instruct", "llama3.2"),
        ("meta-llama/Llama-3.3-70B-Instruct", "llama3.3"),
        ("meta-llama/Llama-4-Scout-17B-16E", "llama4"),
        ("meta-llama/Llama-2-7b-hf", "llama2"),
        ("Qwen/Qwen2.5-7B", "apache-2.0"),
        ("Qwen/Qwen2.5-3B-Instruct", "qwen-research"),
        ("Qwen/Qwen2.5-72B-Instruct", "qwen"),
        ("Qwen/Qwen3-8B", "apache-2.0"),
        ("deepseek-ai/DeepSeek-R1", "mit"),
        ("deepseek-ai/deepseek-llm-7b-base", "deepseek"),
        ("google/gemma-2-9b-it", "gemma"),
        ("mistralai/Mistral-7B-v0.1", "apache-2.0"),
        ("mistralai/Mistral-Large-Instruct-2407", "mistral-research"),
        ("microsoft/phi-4", "mit"),
        ("THUDM/glm-4-9b-chat", "glm-4"),
        ("zai-org/GLM-4.5", "mit"),
        ("moonshotai/Kimi-K2-Instruct", "modified-mit"),
        ("ibm-granite/granite-3.3-8b-instruct", "apache-2.0"),
        ("allenai/OLMo-2-1124-7B", "apache-2.0"),
        ("someone/Llama-3.1-8B-finetune", None),
        ("no-namespace", None),
    ],
)
def test_repo_license(model_id: str, expected: str | None) -> None:
    assert repo_license(model_id) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("apache-2.0", "apache-2.0"),
        ("Apache-2.0", "apache-2.0"),
        ("Apache 2.0", "apache-2.0"),
        ("MIT License", "mit"),
        ("BSD-3", "bsd-3-clause"),
        ("GPL-3.0-or-later", "gpl-3.0"),
        ("CC-BY-NC-4.0", "cc-by-nc-4.0"),
        ("llama3.1", "llama3.1"),
        ("Meta Llama 3 Community License Agreement", "llama3"),
        ("Llama 3.2 Community License", "llama3.2"),
        ("Gemma Terms of Use", "gemma"),
        ("tongyi-qianwen-research", "qwen-research"),
        ("openmdw-1.1", "openmdw"),
        ("unknown", "unknown"),
        ("other", "other"),
    ],
)
def test_lookup_known_values(raw: str, expected: str) -> None:
    assert lookup(raw) == expected
    assert normalize(raw) == expected


def test_unmapped_values_become_unknown_and_are_listed() -> None:
    assert lookup("my-own-licence-v7") is None
    assert normalize("my-own-licence-v7") == "unknown"
    assert resolve("my-own-licence-v7").how == "unmapped"
    assert resolve(None).how == "empty"
    # compound SPDX expressions are not collapsed to one licence
    assert lookup("MIT OR Apache-2.0") is None
    counts = unmapped(["mit", "weird", "weird", None, "", "apache-2.0"])
    assert counts == {"weird": 2}


def test_other_uses_license_name_then_link() -> None:
    assert resolve("other", "mrl", None).id == "mistral-research"
    r = resolve("other", None, "https://mistral.ai/licenses/MRL-0.1.md")
    assert (r.id, r.how) == ("mistral-research", "link")
    assert resolve("other", "tencent-hunyuan-community").id == "tencent-hunyuan"
    assert resolve("other", "something-private").id == "other"
    assert resolve("other", "something-private").how == "other"
    # a licence the repo itself names wins over the cardData name
    assert resolve("apache-2.0", "m", "https://mistral.ai/licenses/MRL-0.1.md").id == "apache-2.0"


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        ("apac…", "apache-2.0"),
        ("apache-2.0…", "apache-2.0"),
        ("unkno…", "unknown"),
        ("gemma…", "gemma"),
        ("mi…", "mit"),
        ("ot…", "other"),
        ("a…", None),
        ("ap…", None),  # apache-2.0, apple-amlr, apple-ascl
        ("llama3…", None),
        ("…", None),
    ],
)
def test_complete_truncated(cut: str, expected: str | None) -> None:
    assert complete_truncated(cut) == expected


def test_key_normalisation() -> None:
    assert key("  'Apache_License  2.0' ") == "apache-license-2.0"


def test_get_and_obligations() -> None:
    llama = get("llama3.1")
    assert llama.user_cap_mau == 700_000_000
    assert llama.naming and "Llama" in llama.naming
    assert llama.outputs_train_other_models is True
    assert get("llama3").outputs_train_other_models is False
    assert "European Union" in (get("llama3.2").territorial or "")
    assert get("llama3.3").territorial is None
    kimi = get("modified-mit")
    assert (kimi.user_cap_mau, kimi.revenue_cap_usd) == (100_000_000, 20_000_000)
    assert get("apache-2.0").family == "permissive" and get("apache-2.0").revocable is False
    assert get("qwen-research").commercial_use is False
    assert get("tencent-hunyuan").territorial
    with pytest.raises(NotFoundError):
        get("no-such-licence")


def test_invalid_entries_are_rejected() -> None:
    base = {"id": "x", "name": "X", "family": "permissive", "source_url": "https://x"}
    registry._build(base, {})
    with pytest.raises(CatalogError, match="family"):
        registry._build({**base, "family": "open"}, {})
    with pytest.raises(CatalogError, match="source_url"):
        registry._build({k: v for k, v in base.items() if k != "source_url"}, {})
    with pytest.raises(CatalogError, match="unknown fields"):
        registry._build({**base, "colour": "red"}, {})
    with pytest.raises(CatalogError, match="user_cap_mau"):
        registry._build({**base, "user_cap_mau": "lots"}, {})


def test_derive_step_fills_license_id_set_based(store) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from modelatlas import derive
    from modelatlas.sources.records import Batch, batch_from_rows
    from modelatlas.store.ingest import commit_input, new_run

    snap = dt.date(2026, 1, 1)

    def r(mid: str, tags: list[str], **kw: object) -> dict[str, object]:
        return {"id": mid, "snapshot": snap, "tags": tags, **kw}

    rows = [
        r("a/plain", ["license:Apache-2.0"]),
        r("meta-llama/Llama-3.2-1B", ["license:other"]),  # repo rule fills 'other'
        r("Qwen/Qwen2.5-3B", []),  # repo rule fills missing metadata
        r("Qwen/Qwen2.5-7B", ["license:cc-by-nc-4.0"]),  # the repo's own value wins
        r("b/named", ["license:other"], card_license_name="tongyi-qianwen"),
        r("c/weird", ["license:my-weird-one"]),
        r("d/cut", ["x", "license:apac…"], truncated_tags=["license:apac…"]),
        r("e/cut", ["x", "license:a…"], truncated_tags=["license:a…"]),
        r("f/none", ["x"]),
    ]
    run = new_run(store, "test", "t")
    commit_input(store, [Batch(batch_from_rows(rows))], run_id=run, source_label="t")
    derive.refresh(store)
    got = {x["id"]: (x["license_id"], x["license_origin"])
           for x in store.rows("SELECT id, license_id, license_origin FROM models")}
    assert got == {
        "a/plain": ("apache-2.0", "raw"),
        "meta-llama/Llama-3.2-1B": ("llama3.2", "repo"),
        "Qwen/Qwen2.5-3B": ("qwen-research", "repo"),
        "Qwen/Qwen2.5-7B": ("cc-by-nc-4.0", "raw"),
        "b/named": ("qwen", "name"),
        "c/weird": ("unknown", "unmapped"),
        "d/cut": ("apache-2.0", "cut-tag"),
        "e/cut": ("unknown", "cut-unmapped"),
        "f/none": ("unknown", "empty"),
    }
    fam = store.scalar("SELECT family FROM licenses WHERE license_id = 'llama3.2'")
    assert fam == "open-weight-custom"
