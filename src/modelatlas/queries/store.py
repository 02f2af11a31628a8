"""What is in the store: ``stats``, ``models``, ``quarantine``."""

from __future__ import annotations

from typing import Any

from modelatlas.metrics.populations import kind_of, snapshot_populations_sql
from modelatlas.queries._common import limit
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql

STATS_KEYS = ("models", "snapshots", "observations", "edges", "quarantined", "runs", "orgs")


def _stats(reader: Reader, _: Args) -> dict[str, Any]:
    row = reader.rows("""
        SELECT (SELECT count(*) FROM models) AS models,
               (SELECT count(*) FROM snapshots) AS snapshots,
               (SELECT count(*) FROM observations) AS observations,
               (SELECT count(*) FROM edges) AS edges,
               (SELECT count(*) FROM quarantine) AS quarantined,
               (SELECT count(*) FROM ingest_runs) AS runs,
               (SELECT count(*) FROM orgs) AS orgs,
               (SELECT min(snapshot) FROM snapshots) AS first_snapshot,
               (SELECT max(snapshot) FROM snapshots) AS last_snapshot,
               (SELECT coalesce(bool_or(simulated), FALSE) FROM snapshots) AS simulated
    """)[0]
    out: dict[str, Any] = {k: int(row[k]) for k in STATS_KEYS}
    out["first_snapshot"] = row["first_snapshot"]
    out["last_snapshot"] = row["last_snapshot"]
    out["simulated"] = bool(row["simulated"])
    # what the snapshots cover (docs/metrics.md, Populations)
    out["populations"] = [
        {"population": r["population"], "kind": kind_of(str(r["population"])),
         "snapshots": int(r["n"])}
        for r in reader.rows(f"SELECT population, count(*) AS n FROM"
                             f" ({snapshot_populations_sql()}) AS p"
                             " GROUP BY population ORDER BY population")]
    return out


#: The newest observation of each model (tie: the Hub before mirrors), kept by the
#: ingest in the same transaction as every write (store/latest.py), so reads never
#: run a window over all history (49M rows on a whole-Hub store).
LATEST_OBS = """
    SELECT model_id, downloads_30d, downloads_all_time, likes, snapshot, source
    FROM latest_observations
"""

MODEL_COLUMNS = (
    Column("id"), Column("org"), Column("created_at", "datetime", "Hub creation time (UTC)."),
    Column("license", help="Licence as stated (first license tag, else the card)."),
    Column("license_id", help="Canonical licence id from the licence catalog."),
    Column("pipeline_tag"), Column("downloads", "int", "30-day downloads, newest snapshot."),
    Column("likes", "int"), Column("tags", "json"), Column("library"), Column("gated"),
    Column("params_total", "int", "Total parameters where a source states them."),
    Column("params_active", "int", "Active parameters (mixture-of-experts)."),
    Column("first_seen", "date", "Earliest snapshot that lists the model."),
    Column("last_seen", "date", "Latest snapshot that lists the model."),
    Column("observed", "date", "Snapshot of the downloads and likes shown."),
    Column("population", help="Population of that snapshot (docs/metrics.md)."),
)


#: ``--id``: the stored spelling lineage resolves (lineage/describe.py): the exact one
#: when stored, else the smallest case-insensitive match; so at most one row.
ID_MATCH = ("{col} = (SELECT coalesce(max(CASE WHEN x.id = $id THEN x.id END), min(x.id))"
            " FROM models AS x WHERE lower(x.id) = lower($id))")


def _models(args: Args) -> Sql:
    conds = []
    if args["org"]:
        conds.append("lower(m.org) = lower($org)")
    if args["id"]:
        # One model, matched as lineage resolves an id. The filter sits inside the
        # joined subquery too, so only that row's latest observation is read, not a
        # join over every model's.
        conds.append(ID_MATCH.format(col="m.id"))
    where = ("WHERE " + " AND ".join(conds)) if conds else ""
    obs_where = f"WHERE {ID_MATCH.format(col='model_id')}" if args["id"] else ""
    lim = "LIMIT $limit" if args["limit"] else ""
    text = f"""
    SELECT m.id, m.org, m.created_at,
           m.license_raw AS license, m.license_id, m.pipeline_tag,
           o.downloads_30d AS downloads, o.likes, m.tags, m.library, m.gated,
           m.params_total, m.params_active, m.first_seen, m.last_seen, o.snapshot AS observed,
           sp.population
    FROM models m LEFT JOIN ({LATEST_OBS} {obs_where}) AS o ON o.model_id = m.id
    LEFT JOIN ({snapshot_populations_sql()}) AS sp
      ON sp.source = o.source AND sp.snapshot = o.snapshot
    {where}
    ORDER BY o.downloads_30d DESC NULLS LAST, m.id
    {lim}
    """
    params: dict[str, Any] = {"org": args["org"], "limit": args["limit"], "id": args["id"]}
    return Sql(text, params)


def _quarantine(args: Args) -> Sql:
    lim = "LIMIT $limit" if args["limit"] else ""
    return Sql(
        "SELECT \"at\", source, location, reason,"
        f" record FROM quarantine ORDER BY qid DESC {lim}", {"limit": args["limit"]})


QUERIES = (
    Query("stats", "Counts of models, snapshots, observations, edges and quarantined records.",
          run=_stats, shape="object"),
    Query("models", "Models with their latest observation, most downloaded first.",
          params=(Param("org", help="Only this Hub namespace.", max_length=96),
                  Param("id", help="Only this model id (any case, resolved as lineage"
                        " resolves ids: the exact spelling, else the smallest match).",
                        max_length=200),
                  limit(20, what="models")),
          columns=MODEL_COLUMNS, sql=_models, needs=("models", "latest_observations"),
          brief=("id", "org", "created_at", "license", "pipeline_tag", "downloads", "likes")),
    Query("quarantine", "Records rejected at ingest, newest first, with the reason.",
          params=(limit(20, what="records"),),
          columns=(Column("at", "datetime"), Column("source"), Column("location"), Column("reason"),
                   Column("record", help="The raw record as read.")),
          sql=_quarantine, needs=("quarantine",), brief=("at", "source", "location", "reason")),
)
