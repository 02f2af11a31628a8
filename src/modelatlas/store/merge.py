"""Merge one staged input (``_stg``) into ``models``, ``observations`` and ``edges``.

Runs inside the ingest transaction (:mod:`modelatlas.store.ingest`), set-based,
rewriting only what changed:

* **metadata** — one ``_meta`` row per id: the input's row for a single-snapshot
  input; for several snapshots each field from the newest row that states it
  (records apply in the order of their own observation time: snapshot date, then
  ``observed_at``, then reading order). A stored model whose record did not change
  (same ``meta_sig``) gets a date update only; a changed one is rewritten whole;
  an older record than the stored metadata only widens ``first_seen`` and keeps
  the earliest ``created_at``;
* **observations** — one row per (source, snapshot, model); a stored row is
  replaced unless it was observed later the same day (``observed_at``);
* **edges** — recomputed only for children whose stated parents changed
  (``lineage_sig``); the parents they no longer name are reported for derive.

The Hub's metadata wins over a mirror's (ModelScope lists many Hub ids): another
source refreshes only the rows it created itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from modelatlas.errors import StoreError
from modelatlas.store import tagsql

HUBS = ("hf", "modelscope")  # values of models.source / observations.source


def hub_sql(hub: str) -> str:
    """The source name as a SQL literal, from the whitelist only (DDL takes no parameters)."""
    if hub not in HUBS:
        raise StoreError(f"unknown source hub {hub!r}; expected one of {', '.join(HUBS)}")
    return f"'{hub}'"


def dates_sql(days: list[dt.date]) -> str:
    """Dates as a SQL list of literals (typed values only, never text from an input)."""
    if not all(isinstance(d, dt.date) for d in days):
        raise StoreError("snapshot dates must be dates")
    return ", ".join(f"DATE '{d.isoformat()}'" for d in days) or "NULL"

# Order of records for one id: snapshot date, then observation time, then reading order.
KEY = "(snapshot, coalesce(observed_at, CAST(snapshot AS TIMESTAMPTZ)), _row)"

# Fields taken, for several snapshots in one input, from the newest row that states them.
_SCALARS = ("org", "name", "last_modified", "pipeline_tag", "library", "card_license_name",
            "card_license_link", "gated", "params_total", "params_active", "used_storage")
# Taken together from the newest row that has tags.
_TAGGED = ("tags", "truncated_tags", "arxiv", "datasets", "formats", "regions")
# Taken together from the newest row stating any parent.
_LINEAGE = ("card_base_models", "card_base_relation", "base_models", "lineage_sig")

MODEL_COLS = (
    "id", "org", "name", "source", "created_at", "last_modified", "release_date",
    "pipeline_tag", "library", "license_raw", "license_name", "license_link", "gated",
    "params_total", "params_active", "used_storage", "tags", "arxiv", "datasets", "formats",
    "regions", "truncated_tags", "first_seen", "last_seen", "meta_snapshot", "meta_at",
    "meta_sig", "lineage_sig", "license_id",
)  # fmt: skip


@dataclass
class Merged:
    """What the merge did, for the summary and the derive dirty set."""

    new: int = 0
    rewritten: int = 0
    touched: int = 0
    observations: int = 0
    edges: int = 0


def build_meta(con: duckdb.DuckDBPyConnection, several: bool) -> None:
    """``_meta``: one row per id with first_seen/last_seen/created_max/meta_at/license_says,
    and ``_lin_src``: the rows whose stated parents make the lineage (one per id)."""
    if not several:
        con.execute("""
            CREATE OR REPLACE TEMP VIEW _meta AS
            SELECT *, snapshot AS first_seen, snapshot AS last_seen,
                   created_at AS created_max, observed_at AS meta_at,
                   (has_tags OR license_raw IS NOT NULL) AS license_says
            FROM _stg
        """)
        con.execute("CREATE OR REPLACE TEMP VIEW _lin_src AS SELECT * FROM _meta"
                    " WHERE has_lineage")
        return
    newest = ", ".join(f"arg_max({c}, {KEY}) FILTER (WHERE {c} IS NOT NULL) AS {c}"
                       for c in _SCALARS)
    # arg_max_null: a NULL of the newest row is its value (plain arg_max skips NULLs).
    tagged = ", ".join(f"arg_max_null({c}, {KEY}) FILTER (WHERE has_tags) AS {c}"
                       for c in _TAGGED)
    lineage = ", ".join(f"arg_max_null({c}, {KEY}) FILTER (WHERE has_lineage) AS {c}"
                        for c in _LINEAGE)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _meta_t AS
        SELECT *, hash(org, last_modified, pipeline_tag, library, gated, params_total,
                       params_active, used_storage, tags, truncated_tags, license_raw,
                       card_license_name, card_license_link, card_base_models,
                       card_base_relation, base_models) AS meta_sig
        FROM (
            SELECT id, {newest}, {tagged}, {lineage},
                   arg_max_null(license_raw, {KEY})
                       FILTER (WHERE has_tags OR license_raw IS NOT NULL) AS license_raw,
                   bool_or(has_tags OR license_raw IS NOT NULL) AS license_says,
                   bool_or(has_tags) AS has_tags, bool_or(has_lineage) AS has_lineage,
                   min(snapshot) AS first_seen, max(snapshot) AS last_seen,
                   arg_max(snapshot, {KEY}) AS snapshot, arg_max_null(observed_at, {KEY}) AS meta_at
            FROM _stg GROUP BY id
        ) LEFT JOIN (SELECT id, min(created_at) AS created_at, max(created_at) AS created_max
                     FROM _cre_in GROUP BY id) USING (id)
    """)
    con.execute("CREATE OR REPLACE TEMP VIEW _meta AS SELECT * FROM _meta_t")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lin_t AS
        SELECT * FROM _stg WHERE has_lineage
        QUALIFY row_number() OVER (PARTITION BY id ORDER BY {KEY} DESC) = 1
    """)
    con.execute("CREATE OR REPLACE TEMP VIEW _lin_src AS SELECT * FROM _lin_t")


def _newer(hub: str) -> str:
    """SQL: the input's metadata for ``m.id`` replaces the stored ``x`` row's."""
    own = f"(x.source = {hub_sql(hub)} OR {hub_sql(hub)} = 'hf')"
    return f"""({own} AND (m.snapshot > x.meta_snapshot OR (m.snapshot = x.meta_snapshot
        AND coalesce(m.meta_at, CAST(m.snapshot AS TIMESTAMPTZ))
            >= coalesce(x.meta_at, CAST(x.meta_snapshot AS TIMESTAMPTZ)))))"""


def compare(con: duckdb.DuckDBPyConnection, hub: str) -> int:
    """``_mx``: one row per stored id of the input, with what to do with it.

    Flags: ``newer`` (the input's metadata wins), ``rewrite`` (newer and the record
    changed: rewrite the row), ``lin_changed`` (the stated parents changed),
    ``recreated`` (another creation time is stated), ``same_hist`` (the record is
    the one the stored metadata came from, so its licence history has no news).
    Returns the number of stored ids in the input.
    """
    newer = _newer(hub)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _mx AS
        SELECT id, newer, rewrite, lin_changed, recreated,
               newer AND NOT rewrite AND x_source = {hub_sql(hub)} AS same_hist,
               first_seen, last_seen, meta_snapshot, meta_at, created_at, release_date,
               prev_org, prev_created, prev_first_seen,
               (first_seen IS DISTINCT FROM x_first_seen OR last_seen IS DISTINCT FROM x_last_seen
                OR meta_snapshot IS DISTINCT FROM x_meta_snapshot
                OR meta_at IS DISTINCT FROM x_meta_at OR created_at IS DISTINCT FROM prev_created
                OR release_date IS DISTINCT FROM x_release_date) AS touch
        FROM (
            SELECT m.id, {newer} AS newer,
                   {newer} AND m.meta_sig IS DISTINCT FROM x.meta_sig AS rewrite,
                   {newer} AND m.has_lineage AND m.lineage_sig IS DISTINCT FROM x.lineage_sig
                       AS lin_changed,
                   (x.created_at IS NOT NULL AND m.created_at IS NOT NULL
                    AND (m.created_at <> x.created_at OR m.created_max <> x.created_at))
                    OR m.created_at <> m.created_max AS recreated,
                   least(x.first_seen, m.first_seen) AS first_seen,
                   greatest(x.last_seen, m.last_seen) AS last_seen,
                   CASE WHEN {newer} THEN m.snapshot ELSE x.meta_snapshot END AS meta_snapshot,
                   CASE WHEN {newer} THEN m.meta_at ELSE x.meta_at END AS meta_at,
                   least(x.created_at, m.created_at) AS created_at,
                   least(x.release_date, CAST(m.created_at AS DATE)) AS release_date,
                   x.source AS x_source, x.org AS prev_org, x.created_at AS prev_created,
                   x.first_seen AS prev_first_seen, x.first_seen AS x_first_seen,
                   x.last_seen AS x_last_seen, x.meta_snapshot AS x_meta_snapshot,
                   x.meta_at AS x_meta_at, x.release_date AS x_release_date
            FROM _meta m JOIN models x ON x.id = m.id
        )
    """)
    return int(con.execute("SELECT count(*) FROM _mx").fetchall()[0][0])


def _merged_columns(hub: str) -> str:
    """SQL select list of a rewritten model row (``m`` input, ``x`` stored, ``k`` _mx)."""

    def fresh(col: str, src: str | None = None) -> str:
        return f"coalesce(m.{src or col}, x.{col}) AS {col}"

    def tagged(col: str) -> str:
        # truncated_tags unstated is [] as for a new row (_NEW_COLUMNS), never NULL:
        # the same record gave NULL or [] depending on whether the model was stored
        # before (found by the Spark conformance test, issue 14).
        value = f"coalesce(m.{col}, [])" if col == "truncated_tags" else f"m.{col}"
        return f"CASE WHEN m.has_tags THEN {value} ELSE x.{col} END AS {col}"

    return ", ".join([
        "m.id", "m.org", "m.name", f"{hub_sql(hub)} AS source", "k.created_at",
        fresh("last_modified"), "k.release_date", fresh("pipeline_tag"), fresh("library"),
        "CASE WHEN m.license_says THEN m.license_raw ELSE x.license_raw END AS license_raw",
        fresh("license_name", "card_license_name"), fresh("license_link", "card_license_link"),
        fresh("gated"), fresh("params_total"), fresh("params_active"), fresh("used_storage"),
        *(tagged(c) for c in ("tags", "arxiv", "datasets", "formats", "regions",
                              "truncated_tags")),
        "k.first_seen", "k.last_seen", "k.meta_snapshot", "k.meta_at", "m.meta_sig",
        "CASE WHEN m.has_lineage THEN m.lineage_sig ELSE x.lineage_sig END AS lineage_sig",
        "x.license_id",
    ])


_NEW_COLUMNS = ", ".join([
    "m.id", "m.org", "m.name", "{hub} AS source", "m.created_at", "m.last_modified",
    "CAST(m.created_at AS DATE) AS release_date", "m.pipeline_tag", "m.library",
    "m.license_raw", "m.card_license_name AS license_name",
    "m.card_license_link AS license_link", "m.gated", "m.params_total", "m.params_active",
    "m.used_storage", "coalesce(m.tags, []) AS tags", "m.arxiv", "m.datasets", "m.formats",
    "m.regions", "coalesce(m.truncated_tags, []) AS truncated_tags", "m.first_seen",
    "m.last_seen", "m.snapshot AS meta_snapshot", "m.meta_at", "m.meta_sig",
    "CASE WHEN m.has_lineage THEN m.lineage_sig END AS lineage_sig",
    "NULL::VARCHAR AS license_id",
])


def merge_models(con: duckdb.DuckDBPyConnection, hub: str, known: int, out: Merged) -> None:
    """Insert new ids, rewrite changed rows, update dates of the others."""
    cols = ", ".join(MODEL_COLS)
    if known:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _mrw AS
            SELECT {_merged_columns(hub)}
            FROM _meta m JOIN _mx k ON k.id = m.id AND k.rewrite JOIN models x ON x.id = m.id
        """)
        out.rewritten = int(con.execute("SELECT count(*) FROM _mrw").fetchall()[0][0])
        con.execute("""
            UPDATE models SET first_seen = k.first_seen, last_seen = k.last_seen,
                meta_snapshot = k.meta_snapshot, meta_at = k.meta_at,
                created_at = k.created_at, release_date = k.release_date
            FROM _mx k WHERE models.id = k.id AND k.touch AND NOT k.rewrite
        """)
        out.touched = int(con.execute(
            "SELECT count(*) FROM _mx WHERE touch AND NOT rewrite").fetchall()[0][0])
        if out.rewritten:
            con.execute("DELETE FROM models WHERE id IN (SELECT id FROM _mrw)")
            con.execute(f"INSERT INTO models ({cols}) SELECT {cols} FROM _mrw")
    new_rows = f"SELECT {_NEW_COLUMNS} FROM _meta m"
    if known:
        new_rows += " ANTI JOIN _mx k ON k.id = m.id"
    con.execute(f"INSERT INTO models ({cols}) SELECT {cols} FROM ({new_rows})"
                .replace("{hub}", hub_sql(hub)))
    n_meta = int(con.execute("SELECT count(*) FROM _meta").fetchall()[0][0])
    out.new = n_meta - known


def merge_observations(con: duckdb.DuckDBPyConnection, hub: str, snapshots: list[dt.date],
                       out: Merged) -> None:
    """``_obs``: the input's observations actually written (later-observed stored rows
    of the same day are kept, and the input's row for them is not written)."""
    src, marks = hub_sql(hub), dates_sql(snapshots)
    stored = int(con.execute(
        f"SELECT count(*) FROM observations WHERE source = {src} AND snapshot IN ({marks})"
    ).fetchall()[0][0])
    if stored:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _obs_old AS
            SELECT o.snapshot, o.model_id,
                   coalesce(o.observed_at, CAST(o.snapshot AS TIMESTAMPTZ))
                       > coalesce(s.observed_at, CAST(s.snapshot AS TIMESTAMPTZ)) AS keep_old
            FROM observations o JOIN _stg s ON s.id = o.model_id AND s.snapshot = o.snapshot
            WHERE o.source = {src} AND o.snapshot IN ({marks})
        """)
        con.execute(f"""
            DELETE FROM observations WHERE source = {src} AND snapshot IN ({marks})
              AND (snapshot, model_id) IN (SELECT snapshot, model_id FROM _obs_old
                                           WHERE NOT keep_old)
        """)
        skip = "ANTI JOIN (SELECT snapshot, model_id FROM _obs_old WHERE keep_old) k" \
               " ON k.snapshot = s.snapshot AND k.model_id = s.id"
    else:
        skip = ""
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW _obs AS
        SELECT {src} AS source, s.snapshot, s.id AS model_id, s.observed_at,
               s.downloads_30d, s.downloads_all_time, s.likes, s.trending_score,
               s.children_count, FALSE AS carried_over
        FROM _stg s {skip}
    """)
    con.execute("""
        INSERT INTO observations (source, snapshot, model_id, observed_at, downloads_30d,
            downloads_all_time, likes, trending_score, children_count, carried_over)
        SELECT source, snapshot, model_id, observed_at, downloads_30d, downloads_all_time,
               likes, trending_score, children_count, carried_over FROM _obs
    """)
    out.observations = int(con.execute("SELECT count(*) FROM _obs").fetchall()[0][0])


# Per child of the edges in {t}: has it an edge, and one naming another model.
_SHAPE = "SELECT child, bool_or(child <> parent) AS other FROM {t} GROUP BY child"


def merge_edges(con: duckdb.DuckDBPyConnection, known: int, out: Merged) -> None:
    """Replace the edges of children whose stated parents changed; ``_gone_parents``
    lists the parents they no longer name (their node may vanish: derive must know),
    ``_lin_kept`` the stored children whose kind of node stayed the same."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _echild AS
        SELECT l.id, k.id IS NOT NULL AS stored
        FROM _lin_src l LEFT JOIN _mx k ON k.id = l.id
        WHERE k.id IS NULL OR k.lin_changed
    """ if known else "CREATE OR REPLACE TEMP TABLE _echild AS"
                      " SELECT id, FALSE AS stored FROM _lin_src")
    rows = ("(SELECT l.* FROM _lin_src l SEMI JOIN _echild c ON c.id = l.id)" if known
            else "_lin_src")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_edges AS"
                f" {tagsql.edges_query(rows, 'bm_tags')}")
    if known:
        # The stored edges of the rewritten children, read once for both questions.
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _old_edges AS
            SELECT e.child, e.parent FROM edges e
            SEMI JOIN (SELECT id FROM _echild WHERE stored) c ON c.id = e.child
        """)
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _gone_parents AS
            SELECT DISTINCT o.parent FROM _old_edges o
            ANTI JOIN _new_edges n ON n.child = o.child AND n.parent = o.parent
        """)
        # Children whose parents changed but whose kind of node did not: a child before
        # and after (the re-upload rule skips it), a derivative of another model before
        # and after (the org heuristic counts it the same). Derive skips the work that
        # only such a change of kind can cause (``derive_dirty`` kind 'parents').
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lin_kept AS
            SELECT c.id FROM (SELECT id FROM _echild WHERE stored) c
            LEFT JOIN ({_SHAPE.format(t="_old_edges")}) o ON o.child = c.id
            LEFT JOIN ({_SHAPE.format(t="_new_edges")}) n ON n.child = c.id
            WHERE (o.child IS NULL) = (n.child IS NULL)
              AND coalesce(o.other, FALSE) = coalesce(n.other, FALSE)
        """)
        con.execute("DELETE FROM edges WHERE child IN (SELECT id FROM _echild WHERE stored)")
    else:
        con.execute("CREATE OR REPLACE TEMP TABLE _gone_parents AS"
                    " SELECT NULL::VARCHAR AS parent LIMIT 0")
    con.execute("INSERT INTO edges (child, parent, relation, origin)"
                " SELECT child, parent, relation, origin FROM _new_edges")
    out.edges = int(con.execute("SELECT count(*) FROM _new_edges").fetchall()[0][0])


TEMP = ("_mx", "_mrw", "_obs_old", "_echild", "_new_edges", "_old_edges", "_gone_parents",
        "_lin_kept", "_meta_t", "_lin_t")
TEMP_VIEWS = ("_meta", "_lin_src", "_obs")
