"""Tag parsing, set-based, in SQL: once per record, when it is staged.

The Hub encodes structure in tags: ``license:<id>``, ``base_model:<id>`` and
``base_model:<relation>:<id>`` (relation finetune, adapter, quantized, merge),
``region:<code>``, ``arxiv:<id>``, ``dataset:<id>`` and bare format markers
(gguf, mlx, onnx, ...). :data:`PARSED` turns a staged record into those columns
in one projection (the usable tags are computed once, then every prefix reads
them); lineage edges come from :func:`edges_query`, for new or changed parents only.

Tags the source cut short (``truncated_tags``) are kept raw but never parsed as
values, so a cut ``base_model:Qwen/Qw…`` makes no bogus edge. One thing a cut tag
does say is kept: the Hub writes ``base_model:<id>`` and then
``base_model:<relation>:<id>``, so a cut tag right after a plain base-model tag
whose visible part starts exactly one ``<relation>:<id>`` (``base_model:quantiz…``
after ``base_model:Qwen/Qwen3-8B``) gives that edge its relation.
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

# The Hub's creation date for every repo created before it recorded creation dates
# (huggingface_hub ModelInfo.created_at docs): unknown, never a date.
HUB_PLACEHOLDER_CREATED = "2022-03-02 23:29:04+00"

MAX_ID = 256


def _sql_list(values: tuple[str, ...]) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def usable_tags(col: str = "tags") -> str:
    """SQL: the tags minus the truncated ones."""
    return (
        f"CASE WHEN truncated_tags IS NULL OR len(truncated_tags) = 0 THEN coalesce({col}, [])"
        f" ELSE list_filter(coalesce({col}, []),"
        f" lambda t: NOT list_contains(truncated_tags, t)) END"
    )


def prefixed(prefix: str, col: str = "utags") -> str:
    """SQL: values of ``prefix:<value>`` tags of list ``col``, in order."""
    n = len(prefix) + 2
    return (
        f"list_transform(list_filter({col}, lambda t: starts_with(t, '{prefix}:')),"
        f" lambda t: substr(t, {n}))"
    )


def formats(col: str = "utags") -> str:
    return f"list_filter({col}, lambda t: list_contains({_sql_list(FORMAT_TAGS)}, t))"


def license_known(raw: str, name: str, tags: str, truncated: str) -> str:
    """SQL: the record carried usable licence information (a value, or complete tags)."""
    return (f"({raw} IS NOT NULL OR {name} IS NOT NULL"
            f" OR (len(coalesce({tags}, [])) > 0 AND len(coalesce({truncated}, [])) = 0))")


REASON = f"""
  CASE
    WHEN id IS NULL OR trim(id) = '' THEN 'missing model id'
    WHEN contains(id, ' ') OR contains(id, chr(9)) OR contains(id, chr(10))
         OR contains(id, chr(13)) OR contains(id, chr(11)) OR contains(id, chr(12))
        THEN 'model id contains white space'
    WHEN length(id) > {MAX_ID} THEN 'model id longer than {MAX_ID} characters'
    WHEN strpos(substr(id, strpos(id, '/') + 1), '/') > 0 THEN 'model id has more than one /'
    WHEN starts_with(id, '/') OR ends_with(id, '/') THEN 'model id has an empty part'
    WHEN downloads_30d < 0 OR downloads_all_time < 0 OR likes < 0 THEN 'negative count'
    WHEN used_storage < 0 OR children_count < 0 THEN 'negative count'
    WHEN params_total < 0 OR params_active < 0 THEN 'negative parameter count'
    WHEN snapshot IS NULL THEN 'no snapshot date'
  END"""

# Inner projection: the record with its creation date cleaned and usable tags computed.
_INNER = f"""
    SELECT * REPLACE (
             CASE WHEN created_at = TIMESTAMPTZ '{HUB_PLACEHOLDER_CREATED}' THEN NULL
                  ELSE created_at END AS created_at),
           {usable_tags()} AS utags
    FROM {{src}}
"""

PARSED_COLUMNS = (
    "org", "name", "license_raw", "license_known", "arxiv", "datasets", "formats", "regions",
    "bm_tags", "has_tags", "has_lineage", "meta_sig", "lineage_sig", "reason",
)

PARSED = f"""
SELECT * EXCLUDE (utags),
    coalesce(nullif(trim(author), ''),
             CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 1) END) AS org,
    CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 2) ELSE id END AS name,
    coalesce({prefixed('license')}[1], card_license) AS license_raw,
    {license_known(f"{prefixed('license')}[1]", "coalesce(card_license, card_license_name)",
                   "tags", "truncated_tags")} AS license_known,
    {prefixed('arxiv')} AS arxiv,
    {prefixed('dataset')} AS datasets,
    {formats()} AS formats,
    {prefixed('region')} AS regions,
    list_filter(utags, lambda t: starts_with(t, 'base_model:')) AS bm_tags,
    len(coalesce(tags, [])) > 0 AS has_tags,
    (len(coalesce(tags, [])) > 0 OR card_base_models IS NOT NULL OR base_models IS NOT NULL)
        AS has_lineage,
    hash(org, last_modified, pipeline_tag, library, gated, params_total, params_active,
         used_storage, tags, truncated_tags, license_raw, card_license_name,
         card_license_link, card_base_models, card_base_relation, base_models) AS meta_sig,
    hash(list_filter(utags, lambda t: starts_with(t, 'base_model:')),
         list_filter(coalesce(truncated_tags, []), lambda t: starts_with(t, 'base_model:')),
         card_base_models, card_base_relation, base_models) AS lineage_sig,
    {REASON} AS reason
FROM ({_INNER})
"""


def parsed(src: str) -> str:
    """SQL: ``src`` (canonical record columns) with the parsed columns appended."""
    return PARSED.replace("{src}", src)


# A parent id as uploaders sometimes write it, and the Hub id it means:
#   ' Qwen/Qwen2.5-7B-Instruct ', '"Qwen/Qwen2.5-7B-Instruct"'  (white space, double quotes)
#   'https://huggingface.co/org/name/tree/main', 'hf.co/org/name'  (a repo URL)
#   '/root/.cache/huggingface/hub/models--org--name/snapshots/<sha>'  (a local HF cache path)
#   'org/name/'  (trailing slashes)
# Only these forms are rewritten; anything else is kept as written (after trim). The
# raw value stays in ``models.tags`` / the card field. The Hub id grammar forbids
# '--' in names, so the cache form splits unambiguously. regexp_extract only (same
# group semantics in DuckDB and Spark, returning '' when there is no match).
_CACHE_RE = r"models--([^/]+)--([^/]+)"
_URL_RE = r"^(https?://)?(www\.)?(huggingface\.co|hf\.co)/([^/?#]+)/([^/?#]+)"
_QUOTED_RE = r'^["`]*(.*?)["`]*$'
_SLASH_RE = r"^(.*?)/*$"
_BLANK = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"


def parent_id(col: str) -> str:
    """SQL: the Hub id that the stated parent ``col`` names (see the forms above)."""
    v = f"trim({col}, {_BLANK})"
    unq = f"trim(regexp_extract({v}, '{_QUOTED_RE}', 1), {_BLANK})"
    cache = f"regexp_extract({unq}, '{_CACHE_RE}', {{}})"
    url = f"regexp_extract({unq}, '{_URL_RE}', {{}})"
    # Fast path (almost every id): none of the markers of the forms above; plain
    # string tests, so the regular expressions run only on the odd ones.
    clean = (f"strpos({v}, '\"') = 0 AND strpos({v}, '`') = 0 AND strpos({v}, '--') = 0"
             f" AND strpos({v}, '.co/') = 0 AND right({v}, 1) <> '/'")
    return (f"CASE WHEN {clean} THEN {v}"
            f" WHEN {cache.format(1)} <> '' THEN {cache.format(1)} || '/' || {cache.format(2)}"
            f" WHEN {url.format(4)} <> '' THEN {url.format(4)} || '/' || {url.format(5)}"
            f" ELSE regexp_extract({unq}, '{_SLASH_RE}', 1) END")


def _odd(value: str) -> bool:
    """``value`` shows a marker of a form :func:`parent_id` rewrites (its fast-path test)."""
    return (value != value.strip(" \t\n\v\f\r") or any(m in value for m in ('"', "`", "--", ".co/"))
            or value.endswith("/"))


def parent_ids(values: list[str]) -> list[str]:
    """The Hub ids that ``values`` (parents as written on a card or in tags) name, read
    by the same SQL as ingest (:func:`parent_id`), so ``check``'s overlays and the
    store agree; empty results and repeats are dropped, order kept."""
    if not values:
        return []
    if not any(_odd(v) for v in values):  # the usual case: nothing to rewrite, no SQL run
        return list(dict.fromkeys(v for v in values if v))
    import duckdb

    with duckdb.connect() as con:
        row = con.execute(f"SELECT list_transform(?::VARCHAR[], lambda v: {parent_id('v')})",
                          [values]).fetchone()
    out: list[str] = []
    for v in (row[0] if row and row[0] else []):
        if v and v not in out:
            out.append(str(v))
    return out


def edges_query(staging: str, bm_col: str | None = None) -> str:
    """SQL: one row (child, parent, relation, origin) per parent stated for a child.

    ``staging`` has the canonical record columns (so other writers of edges, such
    as ``ingest details``, share it); ``bm_col`` names a column already holding the
    usable ``base_model:`` tags (the ingest parses them once, at staging). A
    specific relation wins over unknown; then tags win over the Hub's
    ``baseModels`` field, which wins over cardData ``base_model`` (relation from
    ``base_model_relation`` when given). ``origin`` names the first of tag, hub,
    card that states the parent.
    """
    rels = _sql_list(RELATIONS)
    rel_in = "(" + ", ".join(f"'{r}'" for r in RELATIONS) + ")"
    bm = bm_col or f"list_filter({usable_tags()}, lambda t: starts_with(t, 'base_model:'))"
    return f"""
    WITH tag_rows AS (
        SELECT child, v, CASE WHEN strpos(v, ':') > 0
                              THEN substr(v, 1, strpos(v, ':') - 1) END AS head
        -- substr over the unnested column, not around unnest(): Spark forbids a
        -- generator inside an expression (issue 14); the same rows on DuckDB.
        FROM (SELECT child, substr(t, 12) AS v
              FROM (SELECT id AS child, unnest({bm}) AS t FROM {staging}))
    ), tag_edges AS (
        SELECT child,
               CASE WHEN head IN {rel_in} THEN substr(v, length(head) + 2) ELSE v END AS parent,
               CASE WHEN head IN {rel_in} THEN head ELSE 'unknown' END AS relation
        FROM tag_rows
    ), cut_rows AS (
        -- the cut tag is the last tag; the one before it names the parent
        SELECT id AS child, substr(tags[-2], 12) AS prev,
               rtrim(rtrim(substr(tags[-1], 12), '…'), '.') AS rest
        FROM (SELECT * FROM {staging} WHERE len(coalesce(truncated_tags, [])) > 0)
        WHERE len(tags) >= 2 AND starts_with(tags[-1], 'base_model:')
          AND list_contains(truncated_tags, tags[-1])
          AND starts_with(tags[-2], 'base_model:')
          AND NOT list_contains(truncated_tags, tags[-2])
    ), cut_edges AS (
        SELECT c.child, c.prev AS parent, any_value(r.rel) AS relation
        FROM cut_rows c, (SELECT unnest({rels}) AS rel) r
        WHERE NOT list_contains({rels}, split_part(c.prev, ':', 1))
          AND length(c.rest) > 0
          AND starts_with(r.rel || ':' || c.prev, c.rest)
        GROUP BY c.child, c.prev
        HAVING count(*) = 1
    ), hub_rows AS (
        SELECT id AS child, unnest(base_models) AS b FROM {staging}
        WHERE base_models IS NOT NULL
    ), card_rows AS (
        SELECT id AS child, unnest(card_base_models) AS parent,
               CASE WHEN list_contains({rels}, lower(card_base_relation))
                    THEN lower(card_base_relation) ELSE 'unknown' END AS relation
        FROM {staging} WHERE card_base_models IS NOT NULL
    ), all_edges AS (
        SELECT child, {parent_id('parent')} AS parent, relation, 0 AS pri FROM tag_edges
        UNION ALL SELECT child, {parent_id('parent')}, relation, 1 FROM cut_edges
        UNION ALL SELECT child, {parent_id('b.id')}, coalesce(b.relation, 'unknown'), 2
                  FROM hub_rows
        UNION ALL SELECT child, {parent_id('parent')}, relation, 3 FROM card_rows
    )
    SELECT child, parent,
           arg_min(relation, (relation = 'unknown')::INT * 10 + pri) AS relation,
           CASE WHEN min(pri) <= 1 THEN 'tag' WHEN min(pri) = 2 THEN 'hub' ELSE 'card' END
               AS origin
    FROM all_edges
    WHERE parent IS NOT NULL AND parent <> '' AND length(parent) <= {MAX_ID}
    GROUP BY child, parent
    """
