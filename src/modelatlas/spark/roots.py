"""Root resolution on Spark: iterative joins with checkpoints, cycle-safe.

The same method as :mod:`modelatlas.lineage.graph` (read its docstring for the
why), written as Spark DataFrame joins, one job per generation:

1. drop self-loops (reported) and duplicate edges;
2. seed every parentless node as its own root at depth 0;
3. push ``(node, root, depth)`` pairs down one generation at a time, keeping
   only pairs not seen before (breadth first, so the first depth is the
   shortest); the loop ends because the set of pairs is finite;
4. nodes still without a root only lead up into cycles: on that residue the
   transitive closure finds the source strongly connected components, whose
   smallest id becomes a root, and step 3 runs again from those seeds;
5. every node on a cycle is reported (edges trimmed set-based, then the exact
   closure on what survives).

Each generation's pair set is checkpointed (:func:`checkpoint`), so the plan of
generation *n* does not carry the *n* joins before it: without it, a 10-deep
Hub chain means a 10-join plan re-planned every round and recomputed on every
executor loss. ``spark.checkpoint.dir`` (HDFS, S3) makes the checkpoints
reliable on a cluster; otherwise they are local (kept by the executors).

Results equal DuckDB's ``roots`` and ``lineage_issues`` (tests/test_spark_roots.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from modelatlas.catalog import families
from modelatlas.errors import StoreError
from modelatlas.lineage.graph import MAX_GENERATIONS

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame, SparkSession

SELF_LOOP = "names itself as its base model"
#: The growing pair set is a union of checkpointed generations; every this many
#: generations it is checkpointed whole, so its plan stays short.
CHECKPOINT_EVERY = 8


@dataclass
class SparkResolution:
    """What a resolution did (as :class:`modelatlas.lineage.graph.Resolution`)."""

    generations: int
    cycle_roots: int
    roots: DataFrame
    issues: DataFrame


def checkpoint(df: DataFrame) -> DataFrame:
    """Materialise ``df`` and cut its plan: reliable when the session has a checkpoint
    directory (``spark.checkpoint.dir``), else local to the executors."""
    spark = df.sparkSession
    try:
        reliable = bool(spark.conf.get("spark.checkpoint.dir", None))
    except Exception:  # a Connect server that does not expose the key
        reliable = False
    return df.checkpoint(eager=True) if reliable else df.localCheckpoint(eager=True)


def _propagate(pairs: DataFrame, front: DataFrame, edges: DataFrame
               ) -> tuple[DataFrame, int]:
    """Push ``front`` pairs down ``edges`` until nothing new; (all pairs, generations)."""
    from pyspark.sql import functions as F

    gens = 0
    while gens < MAX_GENERATIONS:
        nxt = (front.join(edges, edges["parent"] == front["model_id"])
               .groupBy(edges["child"].alias("model_id"), front["root_id"])
               .agg((F.min(front["depth"]) + 1).alias("depth")))
        nxt = checkpoint(nxt.join(pairs, ["model_id", "root_id"], "left_anti"))
        if nxt.isEmpty():
            break
        gens += 1
        pairs = pairs.unionByName(nxt)
        if gens % CHECKPOINT_EVERY == 0:
            pairs = checkpoint(pairs)
        front = nxt
    return pairs, gens


def _closure(ue: DataFrame) -> DataFrame:
    """Transitive closure ``(node, anc)`` of the (small) edge set ``ue(child, parent)``."""
    c = checkpoint(ue.select(ue["child"].alias("node"), ue["parent"].alias("anc"))
                   .distinct())
    front = c
    for i in range(1, MAX_GENERATIONS + 1):
        nxt = (front.join(ue, ue["child"] == front["anc"])
               .select(front["node"], ue["parent"].alias("anc")).distinct()
               .join(c, ["node", "anc"], "left_anti"))
        nxt = checkpoint(nxt)
        if nxt.isEmpty():
            break
        c = c.unionByName(nxt)
        if i % CHECKPOINT_EVERY == 0:
            c = checkpoint(c)
        front = nxt
    return c


def _scc(c: DataFrame) -> DataFrame:
    """Cycle members of closure ``c``: (node, rep = smallest id of its SCC, source)."""
    from pyspark.sql import functions as F

    a = c.select(F.col("node").alias("a_node"), F.col("anc").alias("a_anc"))
    b = c.select(F.col("node").alias("b_node"), F.col("anc").alias("b_anc"))
    cyc = c.where(F.col("node") == F.col("anc")).select(F.col("node").alias("c_node")) \
        .distinct()
    back = (F.col("b_node") == F.col("a_anc")) & (F.col("b_anc") == F.col("a_node"))
    on_cycle = F.col("a_node") == F.col("c_node")
    mutual = (a.join(b, back).join(cyc, on_cycle, "left_semi")
              .select(F.col("a_node").alias("node"), F.col("a_anc").alias("other"))
              .unionByName(cyc.select(F.col("c_node").alias("node"),
                                      F.col("c_node").alias("other")))
              .distinct())
    scc = mutual.groupBy("node").agg(F.min("other").alias("rep"))
    outside = (a.join(b, back, "left_anti").join(cyc, on_cycle, "left_semi")
               .select(F.col("a_node").alias("node")).distinct()
               .withColumn("_out", F.lit(True)))
    return scc.join(outside, "node", "left").select(
        "node", "rep", F.col("_out").isNull().alias("source"))


def _cycles(edges: DataFrame) -> DataFrame:
    """(node, rep) for every node on a cycle (module docstring, step 5)."""
    ue = checkpoint(edges.select("child", "parent"))
    before = ue.count()
    for _ in range(MAX_GENERATIONS):
        children = ue.select(ue["child"].alias("k")).distinct()
        parents = ue.select(ue["parent"].alias("k")).distinct()
        ue = checkpoint(ue.join(children, ue["parent"] == children["k"], "left_semi")
                        .join(parents, ue["child"] == parents["k"], "left_semi"))
        after = ue.count()
        if after in (before, 0):
            break
        before = after
    if ue.isEmpty():
        return ue.sparkSession.createDataFrame([], "node STRING, rep STRING")
    return _scc(_closure(ue)).select("node", "rep")


def family_column(col: Column) -> Column:
    """The family of a model id column, by the rules of ``families.yaml`` (first match),
    as :func:`modelatlas.catalog.families.sql_case` computes it in DuckDB. Patterns and
    names are bound values (Column API), never SQL text."""
    from pyspark.sql import functions as F

    has_ns = F.instr(col, "/") > 0
    org = F.when(has_ns, F.lower(F.substring_index(col, "/", 1))).otherwise(F.lit(""))
    name = F.when(has_ns, F.lower(F.substring(col, F.instr(col, "/") + 1, 1 << 20))) \
        .otherwise(F.lower(col))
    out: Column | None = None
    for r in reversed(families.rules()):
        cond = F.lit(True)
        if r.orgs:
            cond = cond & org.isin(list(r.orgs))
        if r.pattern is not None:
            cond = cond & name.rlike(r.pattern)
        out = F.when(cond, F.lit(r.family)).otherwise(
            out if out is not None else F.lit(None).cast("string"))
    return out if out is not None else F.lit(None).cast("string")


def resolve(spark: SparkSession, edges: DataFrame, nodes: DataFrame) -> SparkResolution:
    """Every node's roots, depth, weight, family; and the graph's issues.

    ``edges``: columns ``child, parent`` (parents spelled as stored ids);
    ``nodes``: column ``id``. Returns DataFrames with the columns of the store's
    ``roots`` and ``lineage_issues`` tables.
    """
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    raw = edges.select("child", "parent").where(
        F.col("child").isNotNull() & F.col("parent").isNotNull())
    ids = checkpoint(nodes.select("id").where(F.col("id").isNotNull())
                     .union(raw.select(F.col("child").alias("id")))
                     .union(raw.select(F.col("parent").alias("id"))).distinct())
    loops = raw.where(F.col("child") == F.col("parent")).select(
        F.col("child").alias("model_id")).distinct()
    e = checkpoint(raw.where(F.col("child") != F.col("parent")).distinct())
    with_parent = e.select(F.col("child").alias("id")).distinct()
    seeds = ids.join(with_parent, "id", "left_anti").select(
        F.col("id").alias("model_id"), F.col("id").alias("root_id"),
        F.lit(0).alias("depth"))
    seeds = checkpoint(seeds)
    pairs, gens = _propagate(seeds, seeds, e)
    n_nodes = ids.count()
    resolved = pairs.select("model_id").distinct().count()
    cycle_roots = 0
    if resolved < n_nodes:
        residue = ids.join(pairs.select(F.col("model_id").alias("id")).distinct(), "id",
                           "left_anti")
        ue = checkpoint(e.join(residue, e["child"] == residue["id"], "left_semi"))
        reps = _scc(_closure(ue)).where("source").select("rep").distinct()
        front = checkpoint(reps.select(F.col("rep").alias("model_id"),
                                       F.col("rep").alias("root_id"), F.lit(0).alias("depth")))
        cycle_roots = front.count()
        pairs = checkpoint(pairs.unionByName(front))
        pairs, more = _propagate(pairs, front, e)
        gens += more
        if pairs.select("model_id").distinct().count() < n_nodes:  # pragma: no cover
            raise StoreError("lineage: some models got no root (a bug; please report)")
    w = Window.partitionBy("model_id")
    fam = pairs.select("root_id").distinct().withColumn("family", family_column(F.col("root_id")))
    roots = (pairs.join(fam, "root_id")
             .select("model_id", "root_id", F.col("depth").cast("int").alias("depth"),
                     (F.lit(1.0) / F.count(F.lit(1)).over(w)).cast("double").alias("weight"),
                     "family"))
    cyc = _cycles(e)
    issues = (loops.select("model_id", F.lit("self_loop").alias("kind"),
                           F.lit(SELF_LOOP).alias("detail"))
              .unionByName(cyc.select(
                  F.col("node").alias("model_id"), F.lit("cycle").alias("kind"),
                  F.concat(F.lit("on a cycle of base-model edges (smallest id on it: "),
                           F.col("rep"), F.lit(")")).alias("detail")))
              .groupBy("model_id", "kind").agg(F.min("detail").alias("detail")))
    return SparkResolution(gens, cycle_roots, roots, issues)


#: Candidate ids sent to the rule per DuckDB call (bounded driver memory).
REUPLOAD_CHUNK = 50_000


def reupload_edges(spark: SparkSession, models: DataFrame, edges: DataFrame) -> DataFrame:
    """The re-upload rule's edges (``reupload_edges``) for the graph of ``models`` and
    ``edges``: the same declaration as the DuckDB derive
    (:data:`modelatlas.lineage.reuploaded.NODES_SQL` translated for the nodes without a
    stated parent, then :func:`modelatlas.catalog.reuploads.edges_sql` itself, run by
    an in-process DuckDB on the candidates). Spark narrows the nodes first with the
    rule's own entry test (a re-packager namespace or a packaging suffix: every id the
    rule can answer passes it), so only candidates reach the driver, in chunks."""
    import duckdb
    from pyspark.sql import functions as F

    from modelatlas.catalog import reuploads
    from modelatlas.lineage.reuploaded import NODES_SQL
    from modelatlas.spark.translate import to_spark

    s = models.sparkSession
    models.createOrReplaceTempView("models")
    edges.createOrReplaceTempView("edges")
    nodes = s.sql(to_spark(NODES_SQL).text)
    ns = F.lower(F.substring_index(F.col("id"), "/", 1))
    cand = nodes.where((F.instr(F.col("id"), "/") > 0) & (
        ns.isin(list(reuploads.repackagers()))
        | F.col("id").rlike("(?i)" + reuploads.suffix_rx())))
    rows: list[tuple[str, str, str, str]] = []
    mem = duckdb.connect()
    try:
        chunk: list[str] = []
        for r in cand.toLocalIterator():
            chunk.append(str(r["id"]))
            if len(chunk) >= REUPLOAD_CHUNK:
                rows += [(e.child, e.parent, e.relation, e.origin)
                         for e in reuploads.resolve(chunk, con=mem)]
                chunk = []
        rows += [(e.child, e.parent, e.relation, e.origin)
                 for e in reuploads.resolve(chunk, con=mem)]
    finally:
        mem.close()
    return s.createDataFrame(rows, "child STRING, parent STRING, relation STRING,"
                                   " origin STRING")


def rebuild(spark: SparkSession, models: DataFrame, edges: DataFrame,
            reupload: DataFrame | None = None) -> SparkResolution:
    """``roots`` and ``lineage_issues`` from the store's ``models`` and ``edges`` frames
    and the re-upload rule's edges (``reupload``; computed by :func:`reupload_edges`
    when not given), parents matched to stored ids case-insensitively as in
    :data:`modelatlas.lineage.edges.CANON_EDGES` (the same statement, translated)."""
    from modelatlas.lineage.edges import CANON_EDGES
    from modelatlas.spark.translate import to_spark

    s = models.sparkSession
    if reupload is None:
        reupload = reupload_edges(spark, models, edges)
    models.createOrReplaceTempView("models")
    edges.createOrReplaceTempView("edges")
    reupload.createOrReplaceTempView("reupload_edges")
    canon = s.sql(to_spark(f"SELECT child, parent FROM ({CANON_EDGES}) AS ce").text)
    return resolve(s, canon, models.select("id"))
