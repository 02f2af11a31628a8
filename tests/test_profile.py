"""Own openness profile: levels and dimensions from Hub metadata, one query."""

from __future__ import annotations

from typing import Any

import pytest

from modelatlas.derive_steps.licenses import load_catalog
from modelatlas.errors import NotFoundError
from modelatlas.openness import profile
from modelatlas.store import Store


def add_model(store: Store, mid: str, *, gated: str | None = "false",
              license_id: str | None = None, license_raw: str | None = None,
              arxiv: list[str] | None = None, datasets: list[str] | None = None,
              tags: list[str] | None = None, truncated: list[str] | None = None) -> None:
    store.sql(
        "INSERT INTO models (id, org, name, source, gated, license_id, license_raw, arxiv,"
        " datasets, tags, truncated_tags, first_seen, last_seen, meta_snapshot)"
        " VALUES (?, ?, ?, 'hf', ?, ?, ?, ?, ?, ?, ?, DATE '2026-01-01', DATE '2026-01-01',"
        " DATE '2026-01-01')",
        [mid, mid.split("/")[0], mid.split("/")[1], gated, license_id, license_raw,
         arxiv or [], datasets or [], tags or [], truncated or []],
    )


@pytest.fixture
def bare_store(store: Store) -> Store:
    """The models below, without the licence catalog table."""
    add_model(store, "lab/science", license_id="apache-2.0", license_raw="apache-2.0",
              arxiv=["2401.00001"], datasets=["lab/data"], tags=["trl", "sft"])
    add_model(store, "lab/weights", license_id="gpl-3.0", license_raw="gpl-3.0")
    add_model(store, "lab/restricted", license_id="llama3.1", license_raw="llama3.1")
    add_model(store, "lab/nc", license_id="cc-by-nc-4.0", license_raw="cc-by-nc-4.0")
    add_model(store, "lab/gated", gated="manual", license_id="llama3.1")
    add_model(store, "lab/bare", gated=None)
    add_model(store, "fan/tune", license_id="apache-2.0", tags=["trl"], truncated=["trl"])
    store.sql("INSERT INTO edges (child, parent, relation, origin)"
              " VALUES ('fan/tune', 'lab/science', 'finetune', 'tag')")
    return store


@pytest.fixture
def populated(bare_store: Store) -> Store:
    """With the licence catalog loaded (families: apache-2.0 permissive, gpl-3.0
    copyleft, llama3.1 open-weight-custom, cc-by-nc-4.0 non-commercial)."""
    load_catalog(bare_store)
    return bare_store


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["model_id"]: r for r in rows}


def test_levels(populated: Store) -> None:
    rows = _by_id(profile.profiles(populated))
    assert {k: v["level"] for k, v in rows.items()} == {
        "lab/science": "open-science",
        "lab/weights": "open-weights",
        "lab/restricted": "restricted-weights",
        "lab/nc": "restricted-weights",
        "lab/gated": "gated",
        "lab/bare": "unclear",
        "fan/tune": "open-weights",
    }


def test_dimensions_and_score(populated: Store) -> None:
    sci = profile.profile(populated, "LAB/Science")  # ids case-insensitive
    assert sci["model_id"] == "lab/science"
    assert (sci["weights"], sci["license_family"], sci["paper"], sci["datasets"],
            sci["training_recipe"], sci["card_metadata"], sci["base_model"]) == (
        "open", "permissive", True, True, True, True, False)
    assert sci["score"] == 1 + 1 + 0.5 + 1 + 1 + 1 + 0
    tune = profile.profile(populated, "fan/tune")
    assert tune["base_model"] is True
    assert tune["training_recipe"] is False   # its only recipe tag was cut by the source
    bare = profile.profile(populated, "lab/bare")
    assert (bare["weights"], bare["license_id"], bare["license_family"], bare["score"]) == (
        "unknown", "unknown", "unknown", 0)


def test_without_a_licence_catalog_family_is_unknown(bare_store: Store) -> None:
    row = profile.profile(bare_store, "lab/weights")
    assert row["license_family"] == "unknown" and row["level"] == "unclear"
    assert row["license_catalog"] is False


def test_level_counts(populated: Store) -> None:
    counts = profile.level_counts(populated)
    assert [(r["level"], r["models"]) for r in counts] == [
        ("open-science", 1), ("open-weights", 2), ("restricted-weights", 2),
        ("gated", 1), ("unclear", 1)]


def test_unknown_model(populated: Store) -> None:
    with pytest.raises(NotFoundError):
        profile.profile(populated, "nobody/nothing")


def test_licence_from_the_derive_step(store: Store) -> None:
    from modelatlas import derive, licenses

    add_model(store, "org/raw-only", license_raw="apache-2.0")  # licence id not derived yet
    assert profile.profile(store, "org/raw-only")["license_id"] == "unknown"
    derive.refresh(store, force=True)        # what every write does after it
    row = profile.profile(store, "org/raw-only")
    assert row["license_id"] == licenses.normalize("apache-2.0")
    assert row["license_family"] == licenses.get(row["license_id"]).family
