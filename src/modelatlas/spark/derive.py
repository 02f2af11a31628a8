"""Derived tables on Spark: the steps of :mod:`modelatlas.derive`, in the same order.

- ``orgs`` (10): the shipped registry plus the community heuristic
  (:mod:`modelatlas.derive_steps.orgs`, same thresholds);
- ``licenses`` (20): the catalog table, each *distinct* (licence, name, link)
  triple and cut ``license:`` tag resolved once in Python (a few thousand values,
  never one per model), then assigned to every model set-based
  (:mod:`modelatlas.derive_steps.licenses`; :data:`ASSIGN` is its statement with
  Spark's regex full match and list explosion);
- ``lineage`` (30): the re-upload rule's edges and the roots
  (:mod:`modelatlas.spark.roots`);
- ``events`` (40, 45): the DuckDB statements of
  :mod:`modelatlas.derive_steps.events` and ``observed_removals``, translated, into
  ``events_history``, ``events_presence`` and ``events_observed`` (the store's
  ``events`` view over them is re-created on Spark: :func:`tables.create_views`).

Each step reads the frames the previous ones produced; nothing is written here
(the caller commits every table at once).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import sqlglot

from modelatlas.spark import tables as tbl
from modelatlas.spark.session import quiet
from modelatlas.spark.translate import to_spark

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: History columns whose change makes a new history row (store.history._COMPARE).
from modelatlas.derive_steps.licenses import ASSIGN_PRECEDENCE

_COMPARE = ("org", "license_raw", "license_name", "license_link", "license_known", "gated")

# derive_steps.licenses.ASSIGN with regexp_full_match as an anchored RLIKE and the
# cut tags exploded in a subquery (Spark has no table-valued unnest in FROM).
ASSIGN = """
WITH res AS (
    SELECT m.id, r.license_id AS rid, r.how
    FROM models m LEFT JOIN license_resolutions r
      ON m.license_raw <=> r.license_raw
     AND m.license_name <=> r.license_name
     AND m.license_link <=> r.license_link
), repo AS (
    SELECT id, license_id FROM (
        SELECT m.id, k.license_id,
               row_number() OVER (PARTITION BY m.id ORDER BY k.seq) AS rn
        FROM models m JOIN _lic_repo k
          ON lower(split_part(m.id, '/', 1)) = k.org AND instr(m.id, '/') > 0
         AND lower(substring(m.id, instr(m.id, '/') + 1)) RLIKE concat('^(?:', k.pattern, ')$')
    ) WHERE rn = 1
), cut AS (
    SELECT u.id, min(c.license_id) AS license_id, count(DISTINCT c.license_id) AS n,
           count(*) AS tags
    FROM (SELECT m.id, explode(m.truncated_tags) AS t FROM models m
          WHERE m.license_raw IS NULL) u
    JOIN _lic_cut c ON c.cut = u.t
    GROUP BY u.id
)
""" + ASSIGN_PRECEDENCE


def _register(frames: dict[str, DataFrame]) -> None:
    for name, df in frames.items():
        df.createOrReplaceTempView(name)


def _duck(spark: SparkSession, text: str) -> DataFrame:
    with quiet():
        return spark.sql(to_spark(text).text)


def orgs(spark: SparkSession) -> DataFrame:
    """derive_steps.orgs: registry rows, then heuristic community namespaces."""
    from modelatlas.derive_steps import orgs as step

    reg = spark.createDataFrame(step.registry_table())
    reg.createOrReplaceTempView("_ma_orgs_reg")
    heuristic = spark.sql("""
        SELECT lower(m.org) AS org, min(m.org) AS namespace, min(m.org) AS display_name,
               CAST(NULL AS STRING) AS country, 'unknown' AS region, 'community' AS kind,
               CAST(NULL AS STRING) AS parent, CAST(array() AS ARRAY<STRING>) AS aliases,
               CAST(NULL AS STRING) AS source_url, 'heuristic' AS origin,
               'unknown' AS region_atom
        FROM models m
        LEFT JOIN (SELECT DISTINCT child FROM edges WHERE child <> parent) d
            ON d.child = m.id
        WHERE m.org IS NOT NULL
          AND lower(m.org) NOT IN (SELECT org FROM _ma_orgs_reg)
        GROUP BY lower(m.org)
        HAVING count(*) >= :min_models AND count(d.child) >= :min_share * count(*)
    """, args={"min_models": step.MIN_MODELS, "min_share": step.MIN_DERIVATIVE_SHARE})
    return tbl.conformed(reg, "orgs").unionByName(tbl.conformed(heuristic, "orgs"))


def licences(spark: SparkSession) -> dict[str, DataFrame]:
    """derive_steps.licenses: catalog, resolutions, and every model's licence id."""
    from pyspark.sql import functions as F

    from modelatlas.derive_steps import licenses as step
    from modelatlas.licenses import registry
    from modelatlas.licenses.normalizer import complete_truncated, resolve

    rows = []
    for lic in registry.catalog().values():
        d = lic.as_dict()
        d["license_id"] = d.pop("id")
        rows.append({c: d[c] for c in step._CATALOG_COLS})
    catalog = tbl.conformed(spark.createDataFrame(pa.Table.from_pylist(rows)), "licenses")
    triples = spark.sql("""
        SELECT DISTINCT license_raw, license_name, license_link FROM models
        UNION
        SELECT DISTINCT license_raw, license_name, license_link FROM model_history
    """).collect()
    res_rows = []
    for raw, name, link in triples:
        r = resolve(raw, name, link)
        res_rows.append((raw, name, link, r.id, r.how))
    resolutions = spark.createDataFrame(res_rows, tbl.ddl("license_resolutions"))
    resolutions.createOrReplaceTempView("license_resolutions")
    cuts = spark.sql("""
        SELECT DISTINCT t FROM (SELECT explode(truncated_tags) AS t FROM models
                                WHERE license_raw IS NULL)
        WHERE startswith(t, 'license:')
    """).collect()
    cut_rows = [(c, complete_truncated(c[len("license:"):])) for (c,) in cuts]
    spark.createDataFrame(cut_rows, "cut STRING, license_id STRING") \
        .createOrReplaceTempView("_lic_cut")
    spark.createDataFrame(step._repo_rules()).createOrReplaceTempView("_lic_repo")
    assign = spark.sql(ASSIGN)
    models = spark.table("models").drop("license_id", "license_origin").join(
        assign.select("id", "license_id", "license_origin"), "id", "left")
    models = tbl.conformed(models, "models").withColumn(
        "license_origin", F.col("license_origin"))
    return {"licenses": catalog, "license_resolutions": resolutions, "models": models}


def roots(spark: SparkSession) -> dict[str, DataFrame]:
    """derive_steps.lineage: the re-upload rule's edges, then roots and lineage issues
    (:mod:`modelatlas.spark.roots`)."""
    from modelatlas.spark.roots import rebuild, reupload_edges

    models, edges = spark.table("models"), spark.table("edges")
    reup = tbl.conformed(reupload_edges(spark, models, edges), "reupload_edges"
                         ).localCheckpoint(eager=True)
    res = rebuild(spark, models, edges, reup)
    return {"reupload_edges": reup, "roots": tbl.conformed(res.roots, "roots"),
            "lineage_issues": tbl.conformed(res.issues, "lineage_issues")}


def _create_selects(script: str) -> list[tuple[str, str]]:
    """(table, SELECT text) of each ``CREATE ... TABLE t AS SELECT`` in a DuckDB script."""
    out = []
    for stmt in sqlglot.parse(script, read="duckdb"):
        if isinstance(stmt, sqlglot.exp.Create) and stmt.expression is not None:
            out.append((stmt.this.name, stmt.expression.sql(dialect="duckdb")))
    return out


#: One row per key, as DuckDB's ``QUALIFY row_number() OVER (PARTITION BY key) = 1``.
_ONE_PER_KEY = """
    SELECT model_id, source, "at", kind, old, new FROM ({body})
    QUALIFY row_number() OVER (PARTITION BY model_id, source, "at", kind) = 1
"""


def _fallback_history(spark: SparkSession) -> DataFrame:
    """store.history.capture_models on every model: its current licence/gating/org at
    its ``meta_snapshot`` when they differ from its latest history row (and no row is
    stored at that snapshot)."""
    from modelatlas.store import tagsql

    last = ", ".join(f"max_by(h.{c}, h.snapshot) AS {c}" for c in _COMPARE)
    differs = " OR ".join(f"NOT (i.{c} <=> l.{c})" for c in _COMPARE)
    known = tagsql.license_known("m.license_raw", "m.license_name", "m.tags",
                                 "m.truncated_tags")
    _duck(spark, f"""
        SELECT m.source, m.meta_snapshot AS snapshot, m.id AS model_id, m.org,
               m.license_raw, m.license_name, m.license_link, ({known}) AS license_known,
               nullif(lower(trim(m.gated)), '') AS gated
        FROM models m
    """).createOrReplaceTempView("_ma_hist_models")
    extra = spark.sql(f"""
        SELECT i.* FROM _ma_hist_models i
        LEFT JOIN (SELECT h.source, h.model_id, {last} FROM model_history h
                   GROUP BY h.source, h.model_id) l
          ON l.source = i.source AND l.model_id = i.model_id
        LEFT ANTI JOIN model_history x
          ON x.source = i.source AND x.snapshot = i.snapshot AND x.model_id = i.model_id
        WHERE (i.license_known OR i.gated IS NOT NULL) AND (l.model_id IS NULL OR {differs})
    """)
    return tbl.conformed(spark.table("model_history"), "model_history").unionByName(
        tbl.conformed(extra, "model_history"))


def events(spark: SparkSession) -> dict[str, DataFrame]:
    """derive_steps.events and observed_removals in full: the fallback history, then
    ``events_history``, ``events_presence`` and ``events_observed`` (the ``events``
    view reads the three)."""
    from pyspark.sql import functions as F

    from modelatlas.derive_steps import events as step
    from modelatlas.derive_steps import observed_removals as observed
    from modelatlas.store.merge import dates_sql

    history = _fallback_history(spark).localCheckpoint(eager=True)
    history.createOrReplaceTempView("model_history")
    # History events: each statement alone (SQLGlot lifts nested CTEs to the top for
    # Spark, where the statements' ``h`` would clash), then their union.
    parts = []
    for i, text in enumerate((step.LICENSE_EVENTS, step.GATING_EVENTS, step.AUTHOR_EVENTS,
                              step.RECREATIONS)):
        sql = text.replace("model_history h {only}", "model_history h") \
            .replace("model_creations c {only}", "model_creations c")
        df = _duck(spark, sql)
        if text is step.RECREATIONS:
            # DuckDB writes a UTC TIMESTAMPTZ as text with its offset ("... 12:00:00+00");
            # Spark's text of a timestamp (session time UTC) has none.
            df = df.withColumn("old", F.concat("old", F.lit("+00"))) \
                .withColumn("new", F.concat("new", F.lit("+00")))
        df.createOrReplaceTempView(f"_ev_h{i}")
        parts.append(f"SELECT * FROM _ev_h{i}")
    ev_history = _duck(spark, _ONE_PER_KEY.format(body=" UNION ALL ".join(parts))
                       ).localCheckpoint(eager=True)
    # Presence events between consecutive full snapshots (every pair: a full derive).
    _duck(spark, f"""
        SELECT source, snapshot, row_number() OVER (PARTITION BY source ORDER BY snapshot)
               AS idx
        FROM ({step.FULL_SNAPSHOTS})
    """).localCheckpoint(eager=True).createOrReplaceTempView("_ev_full")
    spark.sql("SELECT * FROM _ev_full WHERE idx > 1").createOrReplaceTempView("_ev_at")
    at = [r[0] for r in spark.sql("SELECT DISTINCT snapshot FROM _ev_at").collect()]
    if at:
        prv = [r[0] for r in spark.sql(
            "SELECT DISTINCT p.snapshot FROM _ev_full p JOIN _ev_at a"
            " ON a.source = p.source AND p.idx = a.idx - 1").collect()]
        script = step.PRESENCE.format(cur=dates_sql(at), prv=dates_sql(prv))
        for name, select in _create_selects(script):
            _duck(spark, select).localCheckpoint(eager=True).createOrReplaceTempView(name)
        _duck(spark, step.MOVES).createOrReplaceTempView("_ev_moves")
        presence = _duck(spark, """
            SELECT * FROM _ev_moves
            UNION ALL
            SELECT g.model_id, g.source, g."at", 'removed', CAST(g.prev AS VARCHAR), NULL
            FROM _ev_gone g ANTI JOIN _ev_moves mv
              ON mv.model_id = g.model_id AND mv.source = g.source AND mv."at" = g."at"
            UNION ALL
            SELECT s.model_id, s.source, s."at", 'reappeared', CAST(s.earlier AS VARCHAR),
                   NULL
            FROM _ev_seen s
        """).localCheckpoint(eager=True)
    else:
        presence = tbl.empty_frame(spark, "events_presence")
    ev_observed = _duck(spark, f"""
        SELECT o.model_id, o.source, o."at", o.kind, o.old, o.new FROM ({observed.OBSERVED}) o
        QUALIFY row_number() OVER (PARTITION BY o.model_id, o.source, o."at", o.kind) = 1
    """)
    return {"model_history": history,
            "events_history": tbl.conformed(ev_history, "events_history"),
            "events_presence": tbl.conformed(presence, "events_presence"),
            "events_observed": tbl.conformed(ev_observed, "events_observed")}


def derive(spark: SparkSession, frames: dict[str, DataFrame]) -> dict[str, DataFrame]:
    """Every derived table from the store ``frames`` (after an ingest), in step order;
    returns the tables it replaced (``models`` gains licence ids)."""
    out: dict[str, DataFrame] = {}
    _register(frames)
    out["orgs"] = orgs(spark).localCheckpoint(eager=True)
    _register({"orgs": out["orgs"]})
    lic = {k: v.localCheckpoint(eager=True) for k, v in licences(spark).items()}
    out.update(lic)
    _register(lic)
    lin = {k: v.localCheckpoint(eager=True) for k, v in roots(spark).items()}
    out.update(lin)
    _register(lin)
    out.update(events(spark))
    return out
