"""``--engine spark ingest file``: dump files into a table folder, on Spark.

The same pipeline as :mod:`modelatlas.pipeline` and :mod:`modelatlas.store.ingest`,
set-based on Spark, for inputs too big for one machine:

1. **read**: Hub dump Parquet (the hub-stats layout, alone or in the weekly
   layout ``models/<date>/models.parquet``) is read by Spark where it lies and
   mapped to the canonical record schema by the format's own ``map_batch``
   (:mod:`modelatlas.sources.file_hub_parquet`), run on the executors
   (``mapInArrow``); other file formats are read by their source module on the
   driver (they are small: trending lists, tag CSVs, JSON lines);
2. **validate**: the record screen (``records.screen``, on the executors) and the
   store's own rules (``store.tagsql.REASON``, translated);
   rejected rows go to ``quarantine`` with their content and the reason;
3. **merge**: one row per (snapshot, model) (the last read wins); model metadata
   folded in time order exactly as ingesting the files one by one does (newest
   snapshot wins, fields it lacks keep their older value, first/last seen span
   all snapshots); observations replace their (source, snapshot, model) rows;
   edges follow the newest record that states parents or tags; snapshots,
   snapshot scope and the licence/gating history as the DuckDB ingest keeps them;
4. **derive** (:mod:`modelatlas.spark.derive`) and **commit**: every changed table
   and partition is written under a new commit; readers switch to it whole.

Tag parsing, validation and lineage edges are the DuckDB statements
(:mod:`modelatlas.store.tagsql`, :mod:`modelatlas.store.ingest`), translated,
so both engines parse a tag the same way.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from modelatlas import settings
from modelatlas.errors import InputError, ModelAtlasError, StoreError
from modelatlas.metrics.populations import kind_of, recordable
from modelatlas.sources import registry
from modelatlas.sources.records import RECORD_SCHEMA, ReadPlan
from modelatlas.spark import tables as tbl
from modelatlas.spark.session import quiet
from modelatlas.spark.translate import to_spark
from modelatlas.store import tagsql
from modelatlas.store.ingest import IngestSummary

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

HUB = "hf"
#: Canonical record columns as Spark types (the mapInArrow output schema).
_ARROW_TO_SPARK = {pa.string(): "STRING", pa.int64(): "BIGINT", pa.float64(): "DOUBLE",
                   pa.date32(): "DATE", pa.list_(pa.string()): "ARRAY<STRING>"}
#: Rows a record screen rejected travel with the accepted ones, all record fields
#: NULL but ``location``, so executors need not report back: ``_screen`` is the
#: reason and ``_record`` the record as the screen kept it (``records.screen``).
SCREEN_DDL = "`_screen` STRING, `_record` STRING"


def _spark_type(t: pa.DataType) -> str | None:
    if pa.types.is_timestamp(t):
        return "TIMESTAMP"
    if pa.types.is_list(t) and pa.types.is_struct(t.value_type):
        fields = ", ".join(f"`{f.name}`: {_spark_type(f.type)}" for f in t.value_type)
        return f"ARRAY<STRUCT<{fields}>>"
    return _ARROW_TO_SPARK.get(t)


def record_ddl() -> str:
    """Spark DDL of :data:`~modelatlas.sources.records.RECORD_SCHEMA` and the screen."""
    cols = []
    for f in RECORD_SCHEMA:
        t = _spark_type(f.type)
        if t is None:
            raise StoreError(f"record field {f.name} has no Spark type ({f.type})")
        cols.append(f"`{f.name}` {t}")
    return ", ".join(cols) + ", " + SCREEN_DDL


def screened(batch: pa.RecordBatch) -> pa.RecordBatch:
    """``batch`` (canonical records) after the record screen: accepted rows as they
    are, then one row per rejected record (``_screen``, ``_record``, ``location``)."""
    from modelatlas.sources.records import screen

    good, rejected = screen(batch)
    n = good.num_rows
    cols = [*good.columns, pa.nulls(n, pa.string()), pa.nulls(n, pa.string())]
    names = [*RECORD_SCHEMA.names, "_screen", "_record"]
    out = pa.RecordBatch.from_arrays(cols, names=names)
    if not rejected:
        return out
    k = len(rejected)
    bad = [pa.array([r.location for r in rejected], pa.string()) if f.name == "location"
           else pa.nulls(k, f.type) for f in RECORD_SCHEMA]
    bad += [pa.array([r.reason for r in rejected], pa.string()),
            pa.array([r.record for r in rejected], pa.string())]
    return pa.Table.from_batches([out, pa.RecordBatch.from_arrays(bad, names=names)]
                                 ).combine_chunks().to_batches()[0]


@dataclass(frozen=True)
class Input:
    """One input file: where, which format, which snapshot, simulated or not."""

    location: str
    fmt: str
    snapshot: dt.date
    simulated: bool
    order: int


def plan_inputs(paths: Sequence[str], fmt: str, snapshot: dt.date | None) -> list[Input]:
    """Inputs in time order (snapshot, then the order given), as the DuckDB pipeline
    applies them. Local files are detected by content; a URL must be Hub dump Parquet
    with its date in ``--snapshot``, its name or its folder's name."""
    from modelatlas.pipeline import date_in_name, expand
    from modelatlas.sources.file_hub_parquet import simulated as parquet_simulated
    from modelatlas.sources.file_hub_parquet import snapshot_of

    out: list[Input] = []
    local = [p for p in paths if not tbl.is_url(p)]
    for i, path in enumerate(expand(local)):
        form = registry.detect(path) if fmt == "auto" else registry.get(fmt)
        snap, sim = snapshot, False
        if form.name == "hub-parquet":
            sim = parquet_simulated(path)
            snap = snapshot_of(path) or snap
        snap = snap or date_in_name(path) or dt.datetime.now(dt.UTC).date()
        out.append(Input(str(path.absolute()), form.name, snap, sim, i))
    for j, url in enumerate(p for p in paths if tbl.is_url(p)):
        if fmt not in ("auto", "hub-parquet"):
            raise InputError(f"{url}: only Hub dump Parquet is read from URLs")
        name = url.rstrip("/").split("/")
        snap = snapshot or date_in_name(Path("/".join(name[-2:])))
        if snap is None:
            raise InputError(f"{url}: no snapshot date in its name or folder; pass --snapshot")
        out.append(Input(url, "hub-parquet", snap, False, len(local) + j))
    return sorted(out, key=lambda x: (x.snapshot, x.order))


def _hub_parquet_mapper(location: str, snapshot: dt.date, batch_size: int
                        ) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """The executor-side mapping: the format's own ``map_batch`` on each Arrow batch."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from modelatlas.sources.file_hub_parquet import map_batch
        from modelatlas.sources.records import Batch

        plan = ReadPlan(location, snapshot, batch_size)
        for b in batches:
            out: Any = map_batch(b, plan)
            yield screened(out.records if isinstance(out, Batch) else out)

    return run


def _read_input(spark: SparkSession, inp: Input, batch_size: int) -> tuple[DataFrame, list[Any]]:
    """One input as canonical rows (``_row`` = order read), and rejects seen by the source."""
    from pyspark.sql import functions as F

    from modelatlas.sources.file_hub_parquet import EXTRA, columns_for

    if inp.fmt == "hub-parquet":
        raw = spark.read.parquet(inp.location)
        names = raw.columns
        if "id" not in columns_for(names):
            raise InputError(f"{inp.location}: no id column")
        wanted = sorted(set(columns_for(names).values()) | {e for e in EXTRA if e in names})
        df = raw.select(*[F.col(f"`{c}`") for c in wanted]).mapInArrow(
            _hub_parquet_mapper(inp.location, inp.snapshot, batch_size), record_ddl())
        return df.withColumn("_row", F.monotonically_increasing_id()), []
    form = registry.get(inp.fmt)
    rejects: list[Any] = []
    batches: list[pa.RecordBatch] = []
    for b in form.read(ReadPlan(inp.location, inp.snapshot, batch_size)):
        rejects.extend(b.rejected)
        if b.records.num_rows:
            batches.append(b.records)
    table = pa.Table.from_batches(batches, schema=RECORD_SCHEMA).combine_chunks()
    rows = screened(table.to_batches()[0]) if table.num_rows else None
    df = spark.createDataFrame(pa.Table.from_batches([rows]), schema=record_ddl()) \
        if rows is not None and rows.num_rows else spark.createDataFrame([], record_ddl())
    return df.withColumn("_row", F.monotonically_increasing_id()), rejects


# The model metadata of one record, parsed as the DuckDB ingest parses it
# (tagsql.PARSED: the usable tags, then every prefix reads them).
META = f"""
SELECT id,
  coalesce(nullif(trim(author), ''),
           CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 1) END) AS org,
  CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 2) ELSE id END AS name,
  created_at, last_modified, pipeline_tag, library,
  coalesce({tagsql.prefixed('license', tagsql.usable_tags())}[1], card_license)
      AS license_raw,
  card_license_name AS license_name, card_license_link AS license_link,
  gated, params_total, params_active, used_storage, coalesce(tags, []) AS tags,
  {tagsql.prefixed('arxiv', tagsql.usable_tags())} AS arxiv,
  {tagsql.prefixed('dataset', tagsql.usable_tags())} AS datasets,
  {tagsql.formats(tagsql.usable_tags())} AS formats,
  {tagsql.prefixed('region', tagsql.usable_tags())} AS regions,
  coalesce(truncated_tags, []) AS truncated_tags,
  card_base_models, card_base_relation, base_models, snapshot, observed_at, _key
FROM _final
"""

# The licence/gating history row of one record (store.history._staged_rows).
HISTORY = f"""
SELECT '{HUB}' AS source, snapshot, id AS model_id,
       coalesce(nullif(trim(author), ''),
                CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 1) END) AS org,
       coalesce({tagsql.prefixed('license', tagsql.usable_tags())}[1], card_license)
           AS license_raw,
       card_license_name AS license_name, card_license_link AS license_link,
       {tagsql.license_known(f"{tagsql.prefixed('license', tagsql.usable_tags())}[1]",
                             "coalesce(card_license, card_license_name)",
                             "tags", "truncated_tags")} AS license_known,
       nullif(lower(trim(gated)), '') AS gated
FROM _final
"""

# Fields refreshed from the newest record stating them (store.merge._SCALARS).
_FRESH = ("last_modified", "pipeline_tag", "library", "license_name", "license_link",
          "gated", "params_total", "params_active", "used_storage")
_TAGGED = ("tags", "arxiv", "datasets", "formats", "regions", "truncated_tags")
_COMPARE = ("org", "license_raw", "license_name", "license_link", "license_known", "gated")
#: A record's place in time (store.merge.KEY): snapshot, observation time, then the
#: order read (input, row); Spark orders structs field by field.
KEY = ("named_struct('s', snapshot, 't', coalesce(observed_at, CAST(snapshot AS TIMESTAMP)),"
       " 'f', _file, 'r', _row)")


def _sql(spark: SparkSession, duck_sql: str) -> DataFrame:
    with quiet():
        return spark.sql(to_spark(duck_sql).text)


def _merge_models(spark: SparkSession) -> DataFrame:
    """New ``models``: the stored rows folded with the incoming ``_ma_meta`` rows in
    time order, as the DuckDB merge does one input after another (store.merge)."""
    # ``newer``: a record at or after the stored metadata (snapshot, then time)
    # refreshes it (store.merge._newer).
    fresh = ",\n".join(
        f"max_by(m.{c}, m._key) FILTER (WHERE m.newer AND m.{c} IS NOT NULL) AS n_{c}"
        for c in _FRESH)
    tagged = ",\n".join(
        f"max_by(m.{c}, m._key) FILTER (WHERE m.newer AND size(m.tags) > 0) AS t_{c},"
        f" min_by(m.{c}, m._key) AS f_{c}" for c in _TAGGED)
    spark.sql("""
        CREATE OR REPLACE TEMP VIEW _ma_meta_n AS
        SELECT m.*, (x.id IS NULL OR m.snapshot > x.meta_snapshot
                     OR (m.snapshot = x.meta_snapshot
                         AND coalesce(m.observed_at, CAST(m.snapshot AS TIMESTAMP))
                             >= coalesce(x.meta_at, CAST(x.meta_snapshot AS TIMESTAMP))))
               AS newer
        FROM _ma_meta m LEFT JOIN models x ON x.id = m.id
    """)
    agg = spark.sql(f"""
        SELECT m.id,
          max_by(m.org, m._key) FILTER (WHERE m.newer) AS n_org,
          max_by(m.name, m._key) FILTER (WHERE m.newer) AS n_name,
          max_by(m.snapshot, m._key) FILTER (WHERE m.newer) AS n_meta_snapshot,
          max_by(m.observed_at, m._key) FILTER (WHERE m.newer) AS n_meta_at,
          bool_or(m.newer) AS any_newer,
          {fresh},
          max_by(m.license_raw, m._key)
              FILTER (WHERE m.newer AND (size(m.tags) > 0 OR m.license_raw IS NOT NULL))
              AS n_license_raw,
          bool_or(m.newer AND (size(m.tags) > 0 OR m.license_raw IS NOT NULL)) AS has_lic,
          bool_or(m.newer AND size(m.tags) > 0) AS has_tags,
          {tagged},
          min(m.snapshot) AS n_first, max(m.snapshot) AS n_last
        FROM _ma_meta_n m GROUP BY m.id
    """)
    agg.createOrReplaceTempView("_ma_agg")
    fresh_cols = ",\n".join(
        f"CASE WHEN a.any_newer THEN coalesce(a.n_{c}, x.{c}) ELSE x.{c} END AS {c}"
        for c in _FRESH)
    tagged_cols = ",\n".join(
        f"CASE WHEN a.has_tags THEN a.t_{c} WHEN x.id IS NOT NULL THEN x.{c}"
        f" ELSE a.f_{c} END AS {c}" for c in _TAGGED)
    # Creation times: every one stated, also by rows the dedupe dropped (_ma_cre).
    return spark.sql(f"""
        SELECT coalesce(a.id, x.id) AS id,
          CASE WHEN a.any_newer THEN a.n_org ELSE x.org END AS org,
          CASE WHEN a.any_newer THEN a.n_name ELSE x.name END AS name,
          CASE WHEN a.any_newer THEN '{HUB}' ELSE x.source END AS source,
          least(x.created_at, c.created_at) AS created_at,
          least(x.release_date, CAST(c.created_at AS DATE)) AS release_date,
          {fresh_cols},
          CASE WHEN a.has_lic THEN a.n_license_raw ELSE x.license_raw END AS license_raw,
          {tagged_cols},
          least(x.first_seen, a.n_first) AS first_seen,
          greatest(x.last_seen, a.n_last) AS last_seen,
          CASE WHEN a.any_newer THEN a.n_meta_snapshot ELSE x.meta_snapshot END
              AS meta_snapshot,
          CASE WHEN a.any_newer THEN a.n_meta_at ELSE x.meta_at END AS meta_at,
          -- DuckDB's change signatures (its hash()) have no Spark equivalent; a
          -- Spark commit rewrites whole tables and needs none (docs/scale.md).
          CAST(NULL AS DECIMAL(20,0)) AS meta_sig, CAST(NULL AS DECIMAL(20,0)) AS lineage_sig,
          x.license_id, x.license_origin
        FROM _ma_agg a FULL OUTER JOIN models x ON x.id = a.id
        LEFT JOIN (SELECT id, min(created_at) AS created_at FROM _ma_cre GROUP BY id) c
          ON c.id = a.id
    """)


def _creations(spark: SparkSession) -> DataFrame:
    """New ``model_creations``: every creation time of a repo stated with more than one
    (this run's and the stored one), kept with the first snapshot that stated it
    (store.history.capture_creations)."""
    return spark.sql(f"""
        WITH stated AS (
            SELECT id AS model_id, created_at, seen FROM _ma_cre
            UNION ALL
            SELECT x.id, x.created_at, x.first_seen FROM models x
            LEFT SEMI JOIN _ma_cre c ON c.id = x.id
            WHERE x.created_at IS NOT NULL
        ), several AS (
            SELECT model_id FROM stated GROUP BY model_id
            HAVING count(DISTINCT created_at) > 1
        ), fresh AS (
            SELECT s.model_id, '{HUB}' AS source, s.created_at, min(s.seen) AS seen
            FROM stated s LEFT SEMI JOIN several k ON k.model_id = s.model_id
            GROUP BY s.model_id, s.created_at
        )
        SELECT model_id, source, created_at, seen FROM model_creations
        UNION ALL
        SELECT f.* FROM fresh f LEFT ANTI JOIN model_creations c
          ON c.model_id = f.model_id AND c.created_at = f.created_at
    """)


def _merge_edges(spark: SparkSession) -> DataFrame:
    """New ``edges``: a model refreshed by a record that states tags or base models
    gets that newest record's parents; every other model keeps its edges."""
    spark.sql("""
        CREATE OR REPLACE TEMP VIEW _ma_edge_rows AS
        SELECT * FROM (
            SELECT m.*, row_number() OVER (PARTITION BY m.id ORDER BY m._key DESC) AS rn
            FROM _ma_meta_n m
            WHERE m.newer AND (size(m.tags) > 0 OR m.card_base_models IS NOT NULL
                               OR m.base_models IS NOT NULL))
        WHERE rn = 1
    """)
    new_edges = _sql(spark, tagsql.edges_query("_ma_edge_rows"))
    new_edges.createOrReplaceTempView("_ma_new_edges")
    return spark.sql("""
        SELECT e.child, e.parent, e.relation, e.origin FROM edges e
        LEFT ANTI JOIN _ma_edge_rows r ON r.id = e.child
        UNION ALL
        SELECT child, parent, relation, origin FROM _ma_new_edges
    """)


def merge_history(spark: SparkSession, incoming: str = "_ma_hist_in") -> DataFrame:
    """New ``model_history``: ``incoming`` rows replace their (source, snapshot, model)
    rows and are kept only where they differ from the model's previous row
    (``store.history._insert_changed``)."""
    cols = ("source, snapshot, model_id, org, license_raw, license_name, license_link,"
            " license_known, gated")
    prev = ", ".join(f"lag({c}) OVER w AS p_{c}" for c in _COMPARE)
    differs = " OR ".join(f"NOT ({c} <=> p_{c})" for c in _COMPARE)
    return spark.sql(f"""
        WITH kept AS (
            SELECT h.* FROM model_history h
            LEFT ANTI JOIN {incoming} i ON i.source = h.source AND i.snapshot = h.snapshot
                AND i.model_id = h.model_id
        ), inc AS (
            SELECT {cols}, TRUE AS fresh FROM {incoming}
            WHERE license_known OR gated IS NOT NULL
        ), seq AS (
            SELECT *, lag(snapshot) OVER w AS p_snapshot, {prev}
            FROM (SELECT * FROM inc UNION ALL SELECT {cols}, FALSE AS fresh FROM kept
                  WHERE (source, model_id) IN (SELECT source, model_id FROM inc))
            WINDOW w AS (PARTITION BY source, model_id ORDER BY snapshot)
        )
        SELECT {cols} FROM kept
        UNION ALL
        SELECT {cols} FROM seq WHERE fresh AND (p_snapshot IS NULL OR {differs})
    """)


def ingest_files(spark: SparkSession, root: str, paths: Sequence[str], *, fmt: str = "auto",
                 snapshot: dt.date | None = None, derive: bool = True,
                 population: str | None = None) -> IngestSummary:
    """Ingest ``paths`` into the table folder ``root`` (created when new) as one commit.

    Returns the run's summary (the DuckDB ingest's shape). A file that cannot be
    read is quarantined with the reason and the others still go in; nothing is
    written when no file can be read.
    """
    if population is not None:
        population = recordable(population)
    with quiet():
        return _ingest(spark, root, paths, fmt, snapshot, derive, population)


def _declared(inputs: list[Input], population: str | None) -> dict[dt.date, tuple[str, str]]:
    """(population, by) per snapshot of this commit: the user's, else what the inputs'
    formats declare, folded in time order by the store's rule
    (:data:`modelatlas.store.ingest.POPULATION_WINS`: the first declaration, replaced
    by a later full listing)."""
    out: dict[dt.date, tuple[str, str]] = {}
    for inp in inputs:
        if population is not None:
            out[inp.snapshot] = (population, "user")
            continue
        name = registry.get(inp.fmt).population
        old = out.get(inp.snapshot)
        if old is None or (kind_of(name) == "full" and old[0] != name):
            out[inp.snapshot] = (name, "source")
    return out


def _ingest(spark: SparkSession, root: str, paths: Sequence[str], fmt: str,
            snapshot: dt.date | None, derive: bool,
            population: str | None = None) -> IngestSummary:
    from pyspark.sql import functions as F

    from modelatlas.spark import derive as spark_derive

    started = dt.datetime.now(dt.UTC)
    run_id = uuid.uuid4().hex[:12]
    summary = IngestSummary(run_id)
    batch_size = int(settings.get("batch_size"))
    s = spark.newSession() if not _remote(spark) else spark
    prev, frames = _open_or_new(s, root)
    for name, df in frames.items():
        df.createOrReplaceTempView(name)
    inputs = plan_inputs([str(p) for p in paths], fmt, snapshot)
    staged: list[DataFrame] = []
    q_rows: list[tuple[str, str, str, str]] = []
    good_inputs: list[Input] = []
    for inp in inputs:
        try:
            df, rejects = _read_input(s, inp, batch_size)
        except (ModelAtlasError, OSError) as exc:
            summary.failed.append(f"{inp.location}: {exc}")
            q_rows.append((inp.location, "file", inp.location, str(exc)))
            continue
        except Exception as exc:  # Spark cannot read it (corrupt, not Parquet, absent)
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
            summary.failed.append(f"{inp.location}: {first}")
            q_rows.append((inp.location, "file", inp.location, first))
            continue
        q_rows.extend((inp.location, r.location, r.record, r.reason) for r in rejects)
        summary.records += len(rejects)
        staged.append(df.withColumn("_file", F.lit(inp.order))
                      .withColumn("_label", F.lit(inp.location))
                      .withColumn("_simulated", F.lit(inp.simulated))
                      .withColumn("_format", F.lit(inp.fmt)))
        good_inputs.append(inp)
        summary.inputs.append(inp.location)
    if not staged:
        if summary.failed:
            raise InputError(f"no input could be read: {summary.failed[0]}")
        raise InputError("no input files")
    all_rows = staged[0]
    for df in staged[1:]:
        all_rows = all_rows.unionByName(df)
    all_rows.createOrReplaceTempView("_ma_staging")
    # The Hub's placeholder creation time is unknown, not a date (tagsql._INNER).
    placeholder = F.to_timestamp(F.lit(tagsql.HUB_PLACEHOLDER_CREATED.replace("+00", "")))
    with quiet():
        checked = s.sql(to_spark(f"SELECT *, coalesce(_screen, {tagsql.REASON}) AS _reason"
                                 " FROM _ma_staging").text)
        checked = checked.withColumn("created_at", F.when(
            F.col("created_at") == placeholder, F.lit(None)).otherwise(F.col("created_at")))
        checked = checked.localCheckpoint(eager=True)
    checked.createOrReplaceTempView("_ma_checked")
    summary.records += checked.where("_screen IS NULL").count()
    bad = s.sql("""
        SELECT _label AS source, location,
               coalesce(_record, to_json(struct(id, author, created_at, snapshot,
                        downloads_30d, downloads_all_time, likes, tags))) AS record,
               _reason AS reason
        FROM _ma_checked WHERE _reason IS NOT NULL""").collect()
    q_rows.extend((r["source"], r["location"], r["record"], r["reason"]) for r in bad)
    # Every creation time stated, before the dedupe drops rows (store.ingest._dedupe).
    s.sql("""
        SELECT id, created_at, min(snapshot) AS seen FROM _ma_checked
        WHERE _reason IS NULL AND created_at IS NOT NULL GROUP BY id, created_at
    """).localCheckpoint(eager=True).createOrReplaceTempView("_ma_cre")
    # One row per (snapshot, id): the latest observed, else the last read.
    final = s.sql("""
        SELECT * FROM (
            SELECT *, row_number() OVER (
                PARTITION BY snapshot, id
                ORDER BY coalesce(observed_at, CAST(snapshot AS TIMESTAMP)) DESC,
                         _file DESC, _row DESC) AS _rn
            FROM _ma_checked WHERE _reason IS NULL) WHERE _rn = 1
    """).withColumn("_key", F.expr(KEY))
    final = final.localCheckpoint(eager=True)
    final.createOrReplaceTempView("_final")
    _sql(s, META).createOrReplaceTempView("_ma_meta")
    models = _merge_models(s).localCheckpoint(eager=True)
    edges = _merge_edges(s).localCheckpoint(eager=True)
    creations = _creations(s).localCheckpoint(eager=True)
    _sql(s, HISTORY).createOrReplaceTempView("_ma_hist_in")
    history = merge_history(s).localCheckpoint(eager=True)
    n_final = final.count()
    summary.models += s.sql("SELECT count(DISTINCT id) FROM _final").collect()[0][0]
    summary.observations += n_final
    summary.edges += s.table("_ma_new_edges").count()
    summary.quarantined += len(q_rows)
    # Observations: this run's (snapshot, model) rows replace the stored ones unless
    # those were observed later that day (store.merge.merge_observations), month by
    # month (only the months the input touches are rewritten).
    months = sorted({r[0] for r in final.select(
        F.date_format("snapshot", "yyyy-MM")).distinct().collect()})
    obs_new = tbl.conformed(final.select(
        F.lit(HUB).alias("source"), "snapshot", F.col("id").alias("model_id"),
        "observed_at", "downloads_30d", "downloads_all_time", "likes", "trending_score",
        "children_count", F.lit(False).alias("carried_over")), "observations")
    obs_parts: dict[str, DataFrame] = {}
    counts: dict[dt.date, int] = {}
    month_of = F.date_format("snapshot", "yyyy-MM")
    for month in months:
        both = frames["observations"].where(month_of == month).withColumn("_p", F.lit(0)) \
            .unionByName(obs_new.where(month_of == month).withColumn("_p", F.lit(1)))
        both.createOrReplaceTempView("_ma_obs_both")
        merged = s.sql("""
            SELECT * FROM (
                SELECT *, row_number() OVER (
                    PARTITION BY source, snapshot, model_id
                    ORDER BY coalesce(observed_at, CAST(snapshot AS TIMESTAMP)) DESC,
                             _p DESC) AS _rn
                FROM _ma_obs_both) WHERE _rn = 1
        """)
        merged = tbl.conformed(merged, "observations").localCheckpoint(eager=True)
        obs_parts[month] = merged
        for r in merged.where(F.col("source") == HUB).groupBy("snapshot").count().collect():
            counts[r["snapshot"]] = int(r["count"])
    latest = _latest(s, frames["latest_observations"], list(obs_parts.values()))
    snaps = sorted({r[0] for r in final.select("snapshot").distinct().collect()})
    last_at = {r[0]: r[1] for r in final.groupBy("snapshot").agg(
        F.max("observed_at")).collect()}
    summary.snapshots.extend(d.isoformat() for d in snaps)
    sim_of = {i.snapshot: i.simulated for i in good_inputs}
    fmt_of = {i.snapshot: i.fmt for i in good_inputs}
    pop_of = _declared(good_inputs, population)
    now = dt.datetime.now(dt.UTC)
    snapshots = _upsert_snapshots(s, frames["snapshots"], [
        (HUB, d, counts.get(d, 0), now, run_id, sim_of.get(d, False), last_at.get(d),
         *pop_of.get(d, (None, None)), d in pop_of and kind_of(pop_of[d][0]) == "full")
        for d in snaps])
    scope = _upsert_scope(s, frames["snapshot_scope"], [
        (HUB, d, fmt_of.get(d), bool(sim_of.get(d)) or fmt_of.get(d) in _full_formats())
        for d in snaps])
    quarantine = _append_quarantine(s, frames["quarantine"], run_id, q_rows, now)
    runs = frames["ingest_runs"].unionByName(s.createDataFrame(
        [(run_id, "ingest file", " ".join(map(str, paths))[:2000], started, now,
          "failed" if summary.failed and not good_inputs else "ok", summary.records,
          summary.quarantined, "; ".join(summary.failed)[:2000])],
        tbl.ddl("ingest_runs")))
    out = {"models": models, "edges": edges, "model_history": history,
           "model_creations": creations, "latest_observations": latest,
           "snapshots": snapshots, "snapshot_scope": scope, "quarantine": quarantine,
           "ingest_runs": runs}
    if derive:
        tables = {**frames, **out}
        tables["observations"] = _with_parts(frames["observations"], obs_parts)
        out.update(spark_derive.derive(s, tables))
    tbl.write(s, root, out, {"observations": obs_parts}, prev, writer="spark ingest")
    return summary


def _full_formats() -> frozenset[str]:
    from modelatlas.store.history import FULL_FORMATS

    return FULL_FORMATS


def _remote(spark: SparkSession) -> bool:
    from modelatlas.spark.reader import _classic

    return not _classic(spark)


def _open_or_new(spark: SparkSession, root: str) -> tuple[tbl.Manifest | None,
                                                          dict[str, DataFrame]]:
    """The folder's newest commit and its tables, or empty tables for a new folder."""
    try:
        m = tbl.read_manifest(spark, root)
    except StoreError:
        if not tbl.is_url(root):
            p = Path(root)
            if p.exists() and (not p.is_dir() or any(p.iterdir())):
                raise StoreError(f"{root} holds no modelatlas tables; choose an empty or "
                                 "new folder") from None
        return None, {t: tbl.empty_frame(spark, t) for t in tbl.store_schema()}
    # Lazy: the commit writes new folders only and removes old ones after its
    # manifest (and keeps the previous commit's), so these files stay readable.
    return m, tbl.load(spark, root, m)


def _with_parts(obs: DataFrame, parts: dict[str, DataFrame]) -> DataFrame:
    """``observations`` with the rewritten months in place of the stored ones."""
    from pyspark.sql import functions as F

    out = obs.where(~F.date_format("snapshot", "yyyy-MM").isin(list(parts)))
    for df in parts.values():
        out = out.unionByName(df)
    return out


def _latest(spark: SparkSession, stored: DataFrame, written: list[DataFrame]) -> DataFrame:
    """New ``latest_observations``: per model, its observation at its newest snapshot
    (tie: 'hf' before 'modelscope'), from the stored rows and the rewritten months
    (whose rows win: they are those months' final content; store.latest)."""
    from pyspark.sql import functions as F

    both = tbl.conformed(stored, "latest_observations").withColumn("_p", F.lit(0))
    for df in written:
        both = both.unionByName(tbl.conformed(df, "latest_observations")
                                .withColumn("_p", F.lit(1)))
    both.createOrReplaceTempView("_ma_latest_both")
    return tbl.conformed(spark.sql("""
        SELECT * FROM (
            SELECT *, row_number() OVER (PARTITION BY model_id
                                         ORDER BY snapshot DESC, source, _p DESC) AS _rn
            FROM _ma_latest_both) WHERE _rn = 1
    """), "latest_observations")


def _upsert_snapshots(spark: SparkSession, old: DataFrame, rows: list[tuple[Any, ...]]
                      ) -> DataFrame:
    """Upsert the commit's snapshots; the recorded population follows the store's
    rule (:data:`modelatlas.store.ingest.POPULATION_WINS`, the same SQL)."""
    from modelatlas.store.ingest import POPULATION_WINS

    new = spark.createDataFrame(rows, "source STRING, snapshot DATE, models BIGINT,"
                                " committed_at TIMESTAMP, run_id STRING, simulated BOOLEAN,"
                                " last_at TIMESTAMP, population STRING, population_by STRING,"
                                " pop_full BOOLEAN")
    new.createOrReplaceTempView("_ma_snap_new")
    tbl.conformed(old, "snapshots").createOrReplaceTempView("_ma_snap_old")
    wins = POPULATION_WINS.format(new_by="n.population_by", old="o.population",
                                  old_by="o.population_by", new_full="n.pop_full",
                                  new="n.population")
    return tbl.conformed(spark.sql(f"""
        SELECT o.* FROM _ma_snap_old o LEFT ANTI JOIN _ma_snap_new n
            ON n.source = o.source AND n.snapshot = o.snapshot
        UNION ALL
        SELECT n.source, n.snapshot, n.models, n.committed_at, n.run_id,
               n.simulated OR coalesce(o.simulated, FALSE) AS simulated,
               greatest(o.last_at, n.last_at) AS last_at,
               CASE WHEN n.population IS NOT NULL AND {wins} THEN n.population
                    ELSE o.population END AS population,
               CASE WHEN n.population IS NOT NULL AND {wins} THEN n.population_by
                    ELSE o.population_by END AS population_by
        FROM _ma_snap_new n LEFT JOIN _ma_snap_old o
            ON n.source = o.source AND n.snapshot = o.snapshot
    """), "snapshots")


def _upsert_scope(spark: SparkSession, old: DataFrame, rows: list[tuple[Any, ...]]
                  ) -> DataFrame:
    """A snapshot once marked full stays full (``store.history.set_scope``)."""
    new = spark.createDataFrame(rows, "source STRING, snapshot DATE, format STRING,"
                                " full BOOLEAN")
    new.createOrReplaceTempView("_ma_scope_new")
    old.createOrReplaceTempView("_ma_scope_old")
    return spark.sql("""
        SELECT o.* FROM _ma_scope_old o LEFT ANTI JOIN _ma_scope_new n
            ON n.source = o.source AND n.snapshot = o.snapshot
        UNION ALL
        SELECT n.source, n.snapshot,
               CASE WHEN n.`full` OR o.source IS NULL THEN n.format ELSE o.format END,
               n.`full` OR coalesce(o.`full`, FALSE)
        FROM _ma_scope_new n LEFT JOIN _ma_scope_old o
            ON n.source = o.source AND n.snapshot = o.snapshot
    """)


def _append_quarantine(spark: SparkSession, old: DataFrame, run_id: str,
                       rows: list[tuple[str, str, str, str]], at: dt.datetime) -> DataFrame:
    if not rows:
        return old
    start = (old.agg({"qid": "max"}).collect()[0][0] or 0) + 1
    new = spark.createDataFrame(
        [(start + i, run_id, src, loc, rec, why, at)
         for i, (src, loc, rec, why) in enumerate(rows)],
        "qid BIGINT, run_id STRING, source STRING, location STRING, record STRING,"
        " reason STRING, at TIMESTAMP")
    return old.unionByName(new)


def ingest_to(location: str | None, paths: Sequence[str], *, fmt: str = "auto",
              snapshot: dt.date | None = None, master: str | None = None,
              spark: SparkSession | None = None,
              population: str | None = None) -> IngestSummary:
    """``--engine spark ingest file``: start Spark (unless given one), ingest ``paths``
    into the table folder ``location`` (``--db``), stop Spark."""
    from modelatlas.errors import UsageError
    from modelatlas.spark import session

    loc = location or settings.get("db")
    if not loc:
        raise UsageError("--engine spark ingest file writes a table folder: give --db DIR "
                         "(a local folder or a URL your Spark can write)")
    if not tbl.is_url(loc):
        p = Path(loc).expanduser()
        if p.is_file():
            raise UsageError(f"{p} is a DuckDB store; --engine spark ingest file writes a "
                             "table folder (--db DIR; `modelatlas export DIR` converts a store)")
        loc = str(p.absolute())
    t = session.target(master)
    session.require(t)
    spark = spark or session.active()
    sp = spark if spark is not None else session.start(t)
    try:
        return ingest_files(sp, loc, list(paths), fmt=fmt, snapshot=snapshot,
                            population=population)
    finally:
        if spark is None:
            session.stop(sp)
