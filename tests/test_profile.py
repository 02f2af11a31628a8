"""Own openness profile: levels and dimensions from Hub metadata, one query."""

from __future__ import annotations

from typing import Any

import pytest

from modelatlas.errors import NotFoundError
from modelatlas.openness import profile
from modelatlas.store import Store

FAMILIES = {"apache-2.0": "permissive", "gpl-3.0": "copyleft",
            "llama3.1": "open-weight-custom", "cc-by-nc-4.0": "non-commercial"}


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
def populated(store: Store) -> Store:
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


def _by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["model_id"]: r for r in rows}


def test_levels(populated: Store) -> None:
    rows = _by_id(profile.profiles(populated, families=FAMILIES))
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
    sci = profile.profile(populated, "LAB/Science", families=FAMILIES)  # ids case-insensitive
    assert sci["model_id"] == "lab/science"
    assert (sci["weights"], sci["license_family"], sci["paper"], sci["datasets"],
            sci["training_recipe"], sci["card_metadata"], sci["base_model"]) == (
        "open", "permissive", True, True, True, True, False)
    assert sci["score"] == 1 + 1 + 0.5 + 1 + 1 + 1 + 0
    tune = profile.profile(populated, "fan/tune", families=FAMILIES)
    assert tune["base_model"] is True
    assert tune["training_recipe"] is False   # its only recipe tag was cut by the source
    bare = profile.profile(populated, "lab/bare", families=FAMILIES)
    assert (bare["weights"], bare["license_id"], bare["license_family"], bare["score"]) == (
        "unknown", "unknown", "unknown", 0)


def test_without_a_licence_catalog_family_is_unknown(populated: Store) -> None:
    row = profile.profile(populated, "lab/weights", families={})
    assert row["license_family"] == "unknown" and row["level"] == "unclear"
    assert row["license_catalog"] is False


def test_level_counts(populated: Store) -> None:
    counts = profile.level_counts(populated, families=FAMILIES)
    assert [(r["level"], r["models"]) for r in counts] == [
        ("open-science", 1), ("open-weights", 2), ("restricted-weights", 2),
        ("gated", 1), ("unclear", 1)]


def test_unknown_model(populated: Store) -> None:
    with pytest.raises(NotFoundError):
        profile.profile(populated, "nobody/nothing", families=FAMILIES)


def test_real_licence_catalog_when_installed(store: Store) -> None:
    licenses = pytest.importorskip("modelatlas.licenses")
    add_model(store, "org/raw-only", license_raw="apache-2.0")  # licence id not derived yet
    row = profile.profile(store, "org/raw-only")
    assert row["license_id"] == licenses.normalize("apache-2.0")
    assert row["license_family"] == licenses.get(row["license_id"]).family
