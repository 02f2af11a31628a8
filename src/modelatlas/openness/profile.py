"""Our own openness profile for every Hub model, from Hub metadata alone.

OSAI and MOF rate a few hundred hand-curated releases; a user also wants a
comparable signal for the millions of Hub models nobody rated. The profile uses
only what the store holds (gating, licence, arxiv:/dataset: tags, base-model
edges, tags naming a training recipe) and is one set-based query over
``models`` (never a Python loop over models). Its seven dimensions and five
levels are defined in docs/openness.md; they are a screening aid, not a
substitute for the frameworks, and are shown beside them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from modelatlas.errors import NotFoundError
from modelatlas.store.db import Store
from modelatlas.store.tagsql import usable_tags

OPEN_FAMILIES = ("permissive", "copyleft")
RESTRICTED_FAMILIES = ("open-weight-custom", "non-commercial")
# Tags that name a training library or recipe: evidence of how the model was
# trained, the closest thing to "training code linked" that Hub metadata shows.
TRAINING_TAGS = (
    "trl", "sft", "dpo", "orpo", "kto", "grpo", "ppo", "reward-trainer", "axolotl",
    "unsloth", "llama-factory", "generated_from_trainer", "torchtune", "open-instruct",
    "autotrain", "nemo", "megatron-lm",
)  # fmt: skip
LEVELS = ("open-science", "open-weights", "restricted-weights", "gated", "unclear")


def license_families() -> dict[str, str]:
    """licence id -> family from the licence catalog; empty when it is not installed."""
    try:
        from modelatlas import licenses
    except ImportError:
        return {}
    try:
        cat = licenses.catalog()
    except Exception:  # a broken catalog must not break the profile: family is 'unknown'
        return {}
    return {str(k): str(getattr(v, "family", "unknown")) for k, v in cat.items()}


def _normalized_raw(store: Store, model_id: str | None) -> dict[str, str]:
    """raw licence -> canonical id for models whose licence id is not derived yet.

    Loops over the few distinct raw licence strings, never over models.
    """
    try:
        from modelatlas import licenses
    except ImportError:
        return {}
    raws = store.rows(
        "SELECT DISTINCT license_raw FROM models WHERE license_id IS NULL"
        " AND license_raw IS NOT NULL AND (? IS NULL OR lower(id) = lower(?))",
        [model_id, model_id],
    )
    out: dict[str, str] = {}
    for r in raws:
        with contextlib.suppress(Exception):  # an unmappable value stays 'unknown'
            out[r["license_raw"]] = str(licenses.normalize(r["license_raw"]))
    return out


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v + "'" for v in values) + "]"


_PROFILE_SQL = f"""
WITH m AS (
    SELECT id, gated, license_id, license_raw, license_name, license_link,
           coalesce(arxiv, []) AS arxiv, coalesce(datasets, []) AS datasets,
           {usable_tags()} AS utags
    FROM models
    WHERE (? IS NULL OR lower(id) = lower(?))
),
b AS (SELECT DISTINCT child FROM edges WHERE child IN (SELECT id FROM m)),
p AS (
    SELECT m.id AS model_id,
        CASE WHEN m.gated = 'false' THEN 'open'
             WHEN m.gated IN ('auto', 'manual') THEN 'gated' ELSE 'unknown' END AS weights,
        coalesce(m.license_id, n.license_id, 'unknown') AS license_id,
        m.license_raw,
        coalesce(f.family, 'unknown') AS license_family,
        list_has_any(m.utags, {_sql_list(TRAINING_TAGS)}) AS training_recipe,
        len(m.arxiv) > 0 AS paper,
        len(m.datasets) > 0 AS datasets,
        b.child IS NOT NULL AS base_model,
        (m.license_raw IS NOT NULL OR m.license_name IS NOT NULL OR len(m.arxiv) > 0
         OR len(m.datasets) > 0 OR b.child IS NOT NULL) AS card_metadata,
        m.arxiv AS arxiv_ids, m.datasets AS dataset_ids
    FROM m
    LEFT JOIN (SELECT unnest(?::VARCHAR[]) AS raw, unnest(?::VARCHAR[]) AS license_id) n
        ON m.license_id IS NULL AND n.raw = m.license_raw
    LEFT JOIN (SELECT unnest(?::VARCHAR[]) AS license_id, unnest(?::VARCHAR[]) AS family) f
        ON f.license_id = coalesce(m.license_id, n.license_id)
    LEFT JOIN b ON b.child = m.id
)
SELECT *,
    (CASE weights WHEN 'open' THEN 1 ELSE 0 END)
    + (CASE WHEN license_family IN {tuple(OPEN_FAMILIES)} THEN 1
            WHEN license_family IN {tuple(RESTRICTED_FAMILIES)} THEN 0.5 ELSE 0 END)
    + (CASE WHEN training_recipe THEN 0.5 ELSE 0 END)
    + paper::INT + datasets::INT + card_metadata::INT + base_model::INT AS score,
    CASE
        WHEN weights = 'open' AND license_family IN {tuple(OPEN_FAMILIES)}
             AND paper AND datasets AND training_recipe THEN 'open-science'
        WHEN weights = 'open' AND license_family IN {tuple(OPEN_FAMILIES)} THEN 'open-weights'
        WHEN weights = 'open' AND license_family IN {tuple(RESTRICTED_FAMILIES)}
             THEN 'restricted-weights'
        WHEN weights = 'gated' THEN 'gated'
        ELSE 'unclear'
    END AS level
FROM p
"""


Families = Mapping[str, str]


def _params(store: Store, model_id: str | None, families: Families | None) -> list[object]:
    fams = license_families() if families is None else families
    raw = _normalized_raw(store, model_id)
    return [model_id, model_id, list(raw), list(raw.values()), list(fams), list(fams.values())]


def _run(store: Store, model_id: str | None, families: Families | None) -> list[dict[str, Any]]:
    return store.rows(_PROFILE_SQL + " ORDER BY model_id", _params(store, model_id, families))


def profile(store: Store, model_id: str, families: Families | None = None) -> dict[str, Any]:
    """The profile of one model (case-insensitive id).

    ``families`` (licence id -> family) defaults to the licence catalog.
    """
    rows = _run(store, model_id, families)
    if not rows:
        raise NotFoundError(f"model {model_id!r} is not in the store")
    row = rows[0]
    row["license_catalog"] = bool(families if families is not None else license_families())
    return row


def profiles(store: Store, families: Families | None = None) -> list[dict[str, Any]]:
    """Profiles of every model in the store (one query)."""
    return _run(store, None, families)


def level_counts(store: Store, families: Families | None = None) -> list[dict[str, Any]]:
    """How many models sit at each level: the profile's summary over the store."""
    rows = store.rows(
        f"SELECT level, count(*) AS models, avg(score) AS mean_score"
        f" FROM ({_PROFILE_SQL}) GROUP BY level",
        _params(store, None, families),
    )
    order = {lv: i for i, lv in enumerate(LEVELS)}
    return sorted(rows, key=lambda r: order.get(r["level"], 99))
