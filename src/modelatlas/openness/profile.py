"""Our own openness profile for every Hub model, from Hub metadata alone.

OSAI and MOF rate a few hundred hand-curated releases; a user also wants a
comparable signal for the millions of Hub models nobody rated. The profile uses
only what the store holds (gating, licence id and its family in ``licenses``,
arxiv:/dataset: tags, base-model edges, tags naming a training recipe) and is
one set-based, portable statement over ``models`` (never a Python loop over
models). Its seven dimensions and five
levels are defined in docs/openness.md; they are a screening aid, not a
substitute for the frameworks, and are shown beside them.
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import NotFoundError
from modelatlas.openness.read import Source, seam

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


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join("'" + v + "'" for v in values) + ")"


# A tag the source cut short is not evidence: a recipe tag counts only when it is
# not also listed among the model's truncated tags. Spelled as array_contains terms
# (no list lambdas) so the statement transpiles to Spark.
_RECIPE = " OR ".join(
    f"(array_contains(coalesce(m.tags, []), '{t}')"
    f" AND NOT array_contains(coalesce(m.truncated_tags, []), '{t}'))"
    for t in TRAINING_TAGS
)

_PROFILE = f"""
WITH m AS (
    SELECT id, gated, license_id, license_raw, license_name, arxiv, datasets, tags,
           truncated_tags
    FROM models
    WHERE {{where}}
),
b AS (SELECT DISTINCT child FROM edges WHERE {{edges_where}}),
p AS (
    SELECT m.id AS model_id,
        CASE WHEN m.gated = 'false' THEN 'open'
             WHEN m.gated IN ('auto', 'manual') THEN 'gated' ELSE 'unknown' END AS weights,
        coalesce(m.license_id, 'unknown') AS license_id,
        m.license_raw,
        coalesce(l.family, 'unknown') AS license_family,
        ({_RECIPE}) AS training_recipe,
        coalesce(array_length(m.arxiv), 0) > 0 AS paper,
        coalesce(array_length(m.datasets), 0) > 0 AS datasets,
        b.child IS NOT NULL AS base_model,
        (m.license_raw IS NOT NULL OR m.license_name IS NOT NULL
         OR coalesce(array_length(m.arxiv), 0) > 0
         OR coalesce(array_length(m.datasets), 0) > 0 OR b.child IS NOT NULL) AS card_metadata,
        coalesce(m.arxiv, []) AS arxiv_ids, coalesce(m.datasets, []) AS dataset_ids
    FROM m
    LEFT JOIN licenses l ON l.license_id = m.license_id
    LEFT JOIN b ON b.child = m.id
)
SELECT p.*,
    (CASE p.weights WHEN 'open' THEN 1 ELSE 0 END)
    + (CASE WHEN p.license_family IN {_in(OPEN_FAMILIES)} THEN 1
            WHEN p.license_family IN {_in(RESTRICTED_FAMILIES)} THEN 0.5 ELSE 0 END)
    + (CASE WHEN p.training_recipe THEN 0.5 ELSE 0 END)
    + (CASE WHEN p.paper THEN 1 ELSE 0 END) + (CASE WHEN p.datasets THEN 1 ELSE 0 END)
    + (CASE WHEN p.card_metadata THEN 1 ELSE 0 END)
    + (CASE WHEN p.base_model THEN 1 ELSE 0 END) AS score,
    CASE
        WHEN p.weights = 'open' AND p.license_family IN {_in(OPEN_FAMILIES)}
             AND p.paper AND p.datasets AND p.training_recipe THEN 'open-science'
        WHEN p.weights = 'open' AND p.license_family IN {_in(OPEN_FAMILIES)} THEN 'open-weights'
        WHEN p.weights = 'open' AND p.license_family IN {_in(RESTRICTED_FAMILIES)}
             THEN 'restricted-weights'
        WHEN p.weights = 'gated' THEN 'gated'
        ELSE 'unclear'
    END AS level
FROM p
"""


def _catalog_loaded(r: Any) -> bool:
    return bool(r.scalar("SELECT count(*) AS n FROM licenses"))


#: Every model's profile (``$model_id`` NULL) or one model's, case-insensitively.
PROFILE_SQL = _PROFILE.replace(
    "{where}", "CAST($model_id AS VARCHAR) IS NULL OR lower(id) = lower($model_id)").replace(
    "{edges_where}", "child IN (SELECT id FROM m)")
#: One model's profile by its exact id: point lookups, no scan of ``models`` or ``edges``.
_EXACT_SQL = _PROFILE.replace("{where}", "id = $model_id").replace(
    "{edges_where}", "child = $model_id")


def profile(src: Source, model_id: str) -> dict[str, Any]:
    """The profile of one model (case-insensitive id).

    Licence families come from the store's ``licenses`` table (the licence derive
    step loads the catalog after every write); without it every family is unknown.
    """
    r = seam(src)
    rows = r.rows(_EXACT_SQL + " ORDER BY model_id", {"model_id": model_id})
    if not rows:   # another spelling of the id: the case-insensitive scan
        rows = r.rows(PROFILE_SQL + " ORDER BY model_id", {"model_id": model_id})
    if not rows:
        raise NotFoundError(f"model {model_id!r} is not in the store")
    row = rows[0]
    row["arxiv_ids"] = list(row["arxiv_ids"])
    row["dataset_ids"] = list(row["dataset_ids"])
    row["license_catalog"] = _catalog_loaded(r)
    return row


def profiles(src: Source) -> list[dict[str, Any]]:
    """Profiles of every model in the store (one query)."""
    return seam(src).rows(PROFILE_SQL + " ORDER BY model_id", {"model_id": None})


def level_counts(src: Source) -> list[dict[str, Any]]:
    """How many models sit at each level: the profile's summary over the store."""
    rows = seam(src).rows(
        f"SELECT t.level, count(*) AS models, avg(t.score) AS mean_score"
        f" FROM ({PROFILE_SQL}) AS t GROUP BY t.level",
        {"model_id": None},
    )
    order = {lv: i for i, lv in enumerate(LEVELS)}
    return sorted(rows, key=lambda r: order.get(r["level"], 99))
