"""Licences: the catalog, usage, unmapped values, licence mix, and ``changes``.

Method and caveats: docs/licences.md (a summary for measurement, not legal
advice). Usage and mix read ``models.license_id`` (filled by the licence
derive step), the ``licenses`` catalog table, ``orgs`` and each model's newest
observation.
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import StoreError, UsageError
from modelatlas.metrics import licence_mix as mix
from modelatlas.queries._common import FREQ, PERIOD_COLUMNS, SINCE, UNTIL, limit
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Shape, Sql
from modelatlas.queries.store import LATEST_OBS

CATALOG_COLUMNS = (
    Column("id"), Column("name"), Column("family"), Column("commercial_use", "bool"),
    Column("user_cap_mau", "int"), Column("revenue_cap_usd", "int"), Column("attribution"),
    Column("naming"), Column("acceptable_use_policy"),
    Column("outputs_train_other_models", "bool"), Column("territorial"),
    Column("derivative_terms"), Column("revocable", "bool"), Column("source_url"),
    Column("notes"), Column("spdx", "json"), Column("osi_approved", "bool"),
)

# --by value -> grouping columns (a fixed whitelist: these are spliced into SQL).
USAGE_GROUPS: dict[str, tuple[str, ...]] = {
    "license": ("license_id", "family"),
    "family": ("family",),
    "region": ("region", "license_id", "family"),
    "country": ("country", "license_id", "family"),
    "kind": ("kind", "license_id", "family"),
}
USAGE_TAIL = (Column("models", "int"), Column("downloads", "int", "Latest 30-day downloads."),
              Column("share_models", "share"), Column("share_downloads", "share"))
UNMAPPED_COLUMNS = (Column("field", help="license | license_name | license_link | cut-tag"),
                    Column("value"), Column("models", "int"))


def _mode(args: Args) -> str:
    if args["license_id"] is not None:
        return "one"
    if args["usage"]:
        return "usage"
    if args["unmapped"]:
        return "unmapped"
    return "catalog"


def _check(args: Args) -> None:
    if args["unmapped"] and args["usage"]:
        raise UsageError("--unmapped and --usage are exclusive")
    if args["by"] != "license" and not args["usage"]:
        raise UsageError("--by needs --usage")
    if args["license_id"] is not None and (args["unmapped"] or args["usage"]):
        raise UsageError("a licence id cannot be combined with --unmapped or --usage")


def _columns(args: Args) -> tuple[Column, ...]:
    mode = _mode(args)
    if mode == "usage":
        return tuple(Column(c) for c in USAGE_GROUPS[args["by"]]) + USAGE_TAIL
    if mode == "unmapped":
        return UNMAPPED_COLUMNS
    return CATALOG_COLUMNS


def _shape(args: Args) -> Shape:
    return "object" if _mode(args) == "one" else "rows"


def _usage_sql(by: str) -> str:
    cols = USAGE_GROUPS[by]
    keys = ", ".join(cols)
    outer = cols[0] if by in ("region", "country", "kind") else None
    part = f"PARTITION BY {outer}" if outer else ""
    return f"""
    WITH base AS (
        SELECT coalesce(m.license_id, 'unknown') AS license_id,
               coalesce(l.family, 'unknown') AS family,
               coalesce(o.region, 'unknown') AS region,
               coalesce(o.country, 'unknown') AS country,
               coalesce(o.kind, 'unknown') AS kind,
               coalesce(obs.downloads_30d, 0) AS downloads
        FROM models m
        LEFT JOIN licenses l ON l.license_id = m.license_id
        LEFT JOIN orgs o ON o.org = lower(m.org)
        LEFT JOIN ({LATEST_OBS}) AS obs ON obs.model_id = m.id
    ), agg AS (
        SELECT {keys}, count(*) AS models, CAST(sum(downloads) AS BIGINT) AS downloads
        FROM base GROUP BY {keys}
    )
    SELECT {keys}, models, downloads,
           models / sum(models) OVER ({part}) AS share_models,
           CASE WHEN sum(downloads) OVER ({part}) > 0
                THEN downloads / sum(downloads) OVER ({part}) END AS share_downloads
    FROM agg
    ORDER BY {(outer + ', ') if outer else ''}downloads DESC, models DESC, {keys}
    """


UNMAPPED_SQL = """
    WITH per_model AS (
        SELECT m.id, m.license_raw, m.license_name, m.license_link, m.license_origin,
               r.how
        FROM models m LEFT JOIN license_resolutions r
          ON m.license_raw IS NOT DISTINCT FROM r.license_raw
         AND m.license_name IS NOT DISTINCT FROM r.license_name
         AND m.license_link IS NOT DISTINCT FROM r.license_link
    ), vals AS (
        SELECT 'license' AS field, license_raw AS value FROM per_model
        WHERE how = 'unmapped' AND license_raw IS NOT NULL
        UNION ALL
        SELECT 'license_name', license_name FROM per_model
        WHERE how IN ('other', 'unmapped') AND license_name IS NOT NULL
          AND license_origin <> 'repo'
        UNION ALL
        SELECT 'license_link', license_link FROM per_model
        WHERE how IN ('other', 'unmapped') AND license_name IS NULL AND license_link IS NOT NULL
          AND license_origin <> 'repo'
        UNION ALL
        SELECT 'cut-tag', t FROM (
            SELECT unnest(truncated_tags) AS t FROM models
            WHERE license_origin = 'cut-unmapped') AS cut
        WHERE starts_with(t, 'license:')
    )
    SELECT field, value, count(*) AS models FROM vals
    GROUP BY field, value ORDER BY models DESC, field, value
"""

COVERAGE_SQL = """
    SELECT count(*) FILTER (WHERE license_origin IS NOT NULL
                             AND license_origin <> 'empty') AS stated,
           count(*) FILTER (WHERE license_origin IN ('raw', 'name', 'link', 'other',
                                                    'repo', 'cut-tag')) AS mapped,
           count(*) AS models
    FROM models
"""


def coverage(reader: Reader) -> dict[str, Any]:
    """Share of models with a stated licence value that maps to a catalog id."""
    row = reader.rows(COVERAGE_SQL)[0]
    stated = int(row["stated"])
    return {"models": int(row["models"]), "stated": stated, "mapped": int(row["mapped"]),
            "coverage": (int(row["mapped"]) / stated) if stated else None}


def _licenses(reader: Reader, args: Args) -> Any:
    from modelatlas.licenses import catalog, get

    mode = _mode(args)
    if mode == "one":
        return get(args["license_id"]).as_dict()
    if mode == "catalog":
        return [lic.as_dict() for lic in catalog().values()]
    if reader.placeholder:
        raise StoreError("no store yet: --usage and --unmapped read one (ingest something"
                         " first, see `modelatlas --help`)")
    sql = UNMAPPED_SQL if mode == "unmapped" else _usage_sql(args["by"])
    return reader.rows(sql)


def _title(args: Args) -> str:
    mode = _mode(args)
    if mode == "usage":
        return f"licence usage by {args['by']} (latest 30-day downloads)"
    if mode == "unmapped":
        return "unmapped licence values"
    return "licence catalog" if mode == "catalog" else f"licence {args['license_id']}"


def _mix(args: Args) -> Sql:
    return Sql(mix.licence_mix_sql(args["weight"], args["freq"]),
               {"since": args["since"], "until": args["until"]})


KINDS = ("license_changed", "gated_added", "gated_removed", "removed", "reappeared",
         "org_renamed")


def _changes(args: Args) -> Sql:
    where: list[str] = []
    for name, cond in (("since", 'e."at" >= $since'), ("until", 'e."at" <= $until'),
                       ("kind", "e.kind = $kind"), ("model", "e.model_id = $model")):
        if args[name] is not None:
            where.append(cond)
    text = f"""
    WITH rank_of(family, r) AS (VALUES ('permissive', 0), ('copyleft', 1),
        ('open-weight-custom', 2), ('non-commercial', 3), ('proprietary', 4))
    SELECT e."at", e.kind, e.model_id, m.org, e.old, e.new,
           lo.family AS old_family, ln.family AS new_family,
           CASE WHEN e.kind = 'license_changed' AND ro.r IS NOT NULL AND rn.r IS NOT NULL
                THEN rn.r > ro.r END AS narrowed,
           e.source
    FROM events e
    LEFT JOIN models m ON m.id = e.model_id
    LEFT JOIN licenses lo ON e.kind = 'license_changed' AND lo.license_id = e.old
    LEFT JOIN licenses ln ON e.kind = 'license_changed' AND ln.license_id = e.new
    LEFT JOIN rank_of ro ON ro.family = lo.family
    LEFT JOIN rank_of rn ON rn.family = ln.family
    {("WHERE " + " AND ".join(where)) if where else ""}
    ORDER BY e."at" DESC, e.kind, e.model_id
    {"LIMIT $limit" if args["limit"] else ""}
    """
    return Sql(text, {k: args[k] for k in ("since", "until", "kind", "model", "limit")})


QUERIES = (
    Query(
        "licenses",
        "The licence catalog with obligations; --usage and --unmapped read the store.",
        params=(
            Param("license_id", positional=True, help="Show one licence in full.",
                  max_length=120),
            Param("usage", "bool", default=False, help="Models and downloads per licence."),
            Param("unmapped", "bool", default=False,
                  help="Raw licence values in the store that map to no id."),
            Param("by", default="license", choices=tuple(USAGE_GROUPS),
                  help="With --usage: group by."),
        ),
        columns=_columns, shape=_shape, run=_licenses, validate=_check, store="optional",
        brief=lambda a: ("id", "family", "commercial_use", "user_cap_mau", "revenue_cap_usd",
                         "revocable") if _mode(a) == "catalog" else (),
        needs=("models", "licenses", "orgs", "license_resolutions"), title=_title,
    ),
    Query(
        "license-mix",
        "Licence mix per region and period: licence family (else raw tag) of new models "
        "or of 30-day downloads.",
        params=(Param("weight", default="models", choices=mix.WEIGHTS,
                      help="Weigh by new models or by 30-day downloads."),
                FREQ, SINCE, UNTIL),
        columns=(Column("period"), Column("region"), Column("licence"),
                 Column("value", "float"), Column("share", "share", "Share within region."),
                 *PERIOD_COLUMNS),
        sql=_mix, needs=("models", "observations", "orgs", "licenses", "snapshots"),
        title=lambda a: f"licence mix by region (weighted by {a['weight']})",
    ),
    Query(
        "changes",
        "Licence changes, gating added/removed, removals, reappearances, org renames.",
        params=(
            Param("since", "date", help="First date (YYYY-MM-DD, YYYY-MM, YYYY).",
                  bound="start"),
            Param("until", "date", help="Last date (YYYY-MM-DD, YYYY-MM, YYYY).",
                  bound="end"),
            Param("kind", choices=KINDS, help="Only this kind of event."),
            Param("model", help="Only this model id.", max_length=200),
            limit(0, web_default=100, what="events"),
        ),
        columns=(Column("at", "date"), Column("kind"), Column("model_id"), Column("org"),
                 Column("old"), Column("new"), Column("old_family"), Column("new_family"),
                 Column("narrowed", "bool", "A licence change to a family that allows less."),
                 Column("source")),
        sql=_changes, needs=("events", "models", "licenses"),
        title=lambda a: "licence and access changes",
    ),
)
