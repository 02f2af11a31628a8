"""OSAI Index: scores and ranking as the Index's own build script computes them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from modelatlas.errors import InputError
from modelatlas.openness import link, osai

FIX = Path(__file__).parent / "fixtures" / "openness" / "osai"


def test_fixture_scores_ties_and_skips() -> None:
    res = osai.load_index(FIX)
    got = [(p.file, p.project, p.score, p.rank, p.tied_rank) for p in res.projects]
    assert got == [
        ("gamma.yaml", "Gamma", 14.0, 1, 1),
        # tie at 6.5 broken by name in plain string order: 'Beta' < 'alpha'
        ("beta.yaml", "Beta", 6.5, 2, 2),
        ("alpha.yaml", "alpha", 6.5, 3, 2),
    ]
    assert dict(res.skipped) == {
        "A_sample.yaml": "sample/template file",
        "sample_project.yaml": "sample/template file",
        "nameless.yaml": "no project.name: the published Index drops it",
    }


def test_dimension_evidence_is_kept() -> None:
    alpha = next(p for p in osai.load_index(FIX).projects if p.project == "alpha")
    dims = {d.key: d for d in alpha.dimensions}
    assert [d.key for d in alpha.dimensions] == [k for k, _, _ in osai.DIMENSIONS]
    assert dims["opencode"].link == "https://github.com/fixture/alpha"
    assert dims["opencode"].notes == "all code"
    assert dims["code"].cls == "Open" and dims["code"].value == 0.0   # not a class: 0
    assert dims["rlweights"].cls is None and dims["rlweights"].value == 0.0
    assert dims["llmdata"].value == 0.5
    assert alpha.summary()["classes"]["api"] == "partial"


def test_missing_folder_and_bad_yaml(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        osai.load_index(tmp_path / "nope")
    (tmp_path / "broken.yaml").write_text("project: [oops\n")
    with pytest.raises(InputError, match=r"broken\.yaml"):
        osai.load_index(tmp_path)


def test_hub_links_from_urls() -> None:
    assert link.hub_id_from_url("https://huggingface.co/org/name/tree/main") == "org/name"
    assert link.hub_id_from_url("https://hf.co/org/name") == "org/name"
    assert link.hub_id_from_url("https://huggingface.co/datasets/org/data") is None
    assert link.hub_id_from_url("https://huggingface.co/spaces/org/app") is None
    assert link.hub_id_from_url("https://huggingface.co/org") is None
    assert link.hub_id_from_url("https://github.com/org/name") is None
    assert link.hub_id_from_url(None) is None
    found = link.first_hub_id([("a", "https://github.com/x/y"),
                               ("b", "https://huggingface.co/x/y")])
    assert found == link.HubLink("x/y", "b")
    assert link.first_hub_id([("a", None)]).hub_id is None


# ---- the real Index data --------------------------------------------------------------

# The published table (opening-up-chatgpt.github.io, docs/df.csv, built by the Index's
# scripts/consolidate_csv.py): its first ten rows, source file and openness score.
PUBLISHED_TOP = [
    ("olmo-7b-instruct.yaml", 12.5), ("bloomz.yaml", 12.0), ("amber.yaml", 10.0),
    ("Open-Assistant.yaml", 9.5), ("OpenChat.yaml", 9.5), ("pythia-chat-base-7B.yaml", 9.5),
    ("cerebras-gpt-111m-instruction.yaml", 8.5), ("RedPajama-INCITE-Instruct-7B.yaml", 8.5),
    ("dolly.yaml", 8.5), ("tulu-2-70b.yaml", 8.0),
]


def test_real_index_matches_published_order(shared_data: Path) -> None:
    res = osai.load_index(shared_data / "osai" / "projects")
    assert [(p.file, p.score) for p in res.projects[:10]] == PUBLISHED_TOP
    assert len(res.projects) == 46
    assert {f for f, _ in res.skipped} == {"A_sample.yaml", "text-generation-webui.yaml"}


def test_every_real_project_scored_and_ranked_independently(shared_data: Path) -> None:
    folder = shared_data / "osai" / "projects"
    res = osai.load_index(folder)
    values = {"open": 1.0, "partial": 0.5}
    expected = []
    for f in sorted(folder.glob("*.yaml")):
        doc = yaml.safe_load(f.read_text(encoding="utf-8"))
        name = (doc.get("project") or {}).get("name")
        if f.name.startswith(("_sample", "A_sample", "sample")) or not name:
            continue
        score = sum(values.get((doc.get(k) or {}).get("class"), 0.0)
                    for k in ("opencode", "llmdata", "llmweights", "rldata", "rlweights",
                              "license", "code", "architecture", "preprint", "paper",
                              "modelcard", "datasheet", "package", "api"))
        expected.append((f.name, str(name), score))
    expected.sort(key=lambda t: (-t[2], t[1]))
    got = [(p.file, p.project, p.score) for p in res.projects]
    assert got == expected
    assert [p.rank for p in res.projects] == list(range(1, len(expected) + 1))
    chatgpt = next(p for p in res.projects if p.file == "chatgpt.yaml")
    assert chatgpt.score == 0.5 and chatgpt.rank == len(expected)
