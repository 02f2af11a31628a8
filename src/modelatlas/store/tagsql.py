"""Tag parsing, set-based, in SQL over the staging table.

The Hub encodes structure in tags: ``license:<id>``, ``base_model:<id>`` and
``base_model:<relation>:<id>`` (relation finetune, adapter, quantized, merge),
``region:<code>``, ``arxiv:<id>``, ``dataset:<id>`` and bare format markers
(gguf, mlx, onnx, ...). Tags the source cut short (``truncated_tags``) are kept
raw but never parsed, so a cut ``base_model:Qwen/Qw…`` makes no bogus edge.
"""

from __future__ import annotations

RELATIONS = ("finetune", "adapter", "quantized", "merge")

# Bare tags that mark a weight format, quantisation or runtime.
FORMAT_TAGS = (
    "gguf", "mlx", "onnx", "awq", "gptq", "exl2", "exl3", "safetensors", "pytorch", "tf",
    "jax", "keras", "openvino", "coreml", "tflite", "ctranslate2", "bitsandbytes", "4-bit",
    "8-bit", "fp8", "compressed-tensors", "modelopt", "llamafile", "mlc-llm", "rknn",
    "hqq", "aqlm", "quanto", "torchao", "tensorrt", "executorch",
)  # fmt: skip


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def usable_tags(col: str = "tags") -> str:
    """SQL: the tags minus the truncated ones."""
    return (
        f"list_filter(coalesce({col}, []), "
        f"lambda t: NOT list_contains(coalesce(truncated_tags, []), t))"
    )


def prefixed(prefix: str, col: str = "tags") -> str:
    """SQL: values of ``prefix:<value>`` tags, in order."""
    n = len(prefix) + 2
    return (
        f"list_transform(list_filter({usable_tags(col)}, lambda t: starts_with(t, '{prefix}:')),"
        f" lambda t: substr(t, {n}))"
    )


def formats(col: str = "tags") -> str:
    return f"list_filter({usable_tags(col)}, lambda t: list_contains({_sql_list(FORMAT_TAGS)}, t))"


def edges_query(staging: str) -> str:
    """SQL: one row (child, parent, relation, origin) per parent stated for a child.

    A specific relation tag wins over the bare ``base_model:<id>`` tag; cardData
    ``base_model`` adds parents the tags do not name (relation from
    ``base_model_relation`` when given, else unknown).
    """
    rels = _sql_list(RELATIONS)
    return f"""
    WITH tag_rows AS (
        SELECT id AS child, unnest({prefixed('base_model')}) AS v FROM {staging}
    ), tag_edges AS (
        SELECT child,
               CASE WHEN list_contains({rels}, split_part(v, ':', 1)) AND strpos(v, ':') > 0
                    THEN substr(v, strpos(v, ':') + 1) ELSE v END AS parent,
               CASE WHEN list_contains({rels}, split_part(v, ':', 1)) AND strpos(v, ':') > 0
                    THEN split_part(v, ':', 1) ELSE 'unknown' END AS relation
        FROM tag_rows
    ), card_rows AS (
        SELECT id AS child, unnest(card_base_models) AS parent,
               CASE WHEN list_contains({rels}, lower(card_base_relation))
                    THEN lower(card_base_relation) ELSE 'unknown' END AS relation
        FROM {staging} WHERE card_base_models IS NOT NULL
    ), all_edges AS (
        SELECT child, trim(parent) AS parent, relation, 'tag' AS origin, 0 AS pri FROM tag_edges
        UNION ALL
        SELECT child, trim(parent), relation, 'card', 1 FROM card_rows
    )
    SELECT child, parent,
           arg_min(relation, (relation = 'unknown')::INT * 10 + pri) AS relation,
           CASE WHEN bool_or(pri = 0) THEN 'tag' ELSE 'card' END AS origin
    FROM all_edges
    WHERE parent IS NOT NULL AND parent <> ''
    GROUP BY child, parent
    """
