"""Commit source batches to the store: one transaction per input, set-based.

Flow for one input (a file, or one page range of a live crawl):

1. stream canonical Arrow batches into a temporary staging table;
2. validate in SQL; rejected rows go to ``quarantine`` with their raw content;
3. keep one row per (snapshot, id): the last one read;
4. upsert ``models`` (metadata from the newest snapshot wins), upsert
   ``observations`` (idempotent on (source, snapshot, id)), replace the lineage
   ``edges`` of every model whose metadata was refreshed, record ``snapshots``;
5. commit. Any failure rolls the whole input back: a snapshot is visible whole
   or not at all, and re-ingesting the same input changes no count.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from modelatlas.errors import ModelAtlasError, StoreError
from modelatlas.licenses.history import capture_staged
from modelatlas.sources.records import RECORD_SCHEMA, Batch, Rejected
from modelatlas.store import tagsql
from modelatlas.store.db import Store

STAGING = "_staging"
HUBS = ("hf", "modelscope")  # values of models.source / observations.source


@dataclass
class IngestSummary:
    """What one ingest did; printed by the CLI and returned by the library."""

    run_id: str
    inputs: list[str] = field(default_factory=list)
    records: int = 0
    models: int = 0
    observations: int = 0
    edges: int = 0
    quarantined: int = 0
    snapshots: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def add(self, part: IngestSummary) -> None:
        """Add the counts of one committed input to this run's summary."""
        self.records += part.records
        self.models += part.models
        self.observations += part.observations
        self.edges += part.edges
        self.quarantined += part.quarantined
        self.snapshots.extend(part.snapshots)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "inputs": self.inputs,
            "records": self.records,
            "models": self.models,
            "observations": self.observations,
            "edges": self.edges,
            "quarantined": self.quarantined,
            "snapshots": sorted(set(self.snapshots)),
            "failed": self.failed,
        }


def new_run(store: Store, command: str, args: str) -> str:
    run_id = uuid.uuid4().hex[:12]
    store.sql(
        "INSERT INTO ingest_runs (run_id, command, args, started_at, status)"
        " VALUES (?, ?, ?, now(), 'running')",
        [run_id, command, args],
    )
    return run_id


def finish_run(store: Store, summary: IngestSummary, status: str, message: str = "") -> None:
    store.sql(
        "UPDATE ingest_runs SET finished_at = now(), status = ?, records = ?, quarantined = ?,"
        " message = ? WHERE run_id = ?",
        [status, summary.records, summary.quarantined, message, summary.run_id],
    )


def quarantine(store: Store, run_id: str, source: str, items: Iterable[Rejected]) -> int:
    rows = [(run_id, source, r.location, r.record, r.reason) for r in items]
    if rows:
        store.con.executemany(
            'INSERT INTO quarantine (run_id, source, location, record, reason, "at")'
            " VALUES (?, ?, ?, ?, ?, now())",
            rows,
        )
    return len(rows)


_REASON = """
  CASE
    WHEN id IS NULL OR trim(id) = '' THEN 'missing model id'
    WHEN regexp_matches(id, '\\s') THEN 'model id contains white space'
    WHEN length(id) > 256 THEN 'model id longer than 256 characters'
    WHEN length(id) - length(replace(id, '/', '')) > 1 THEN 'model id has more than one /'
    WHEN starts_with(id, '/') OR ends_with(id, '/') THEN 'model id has an empty part'
    WHEN downloads_30d < 0 OR downloads_all_time < 0 OR likes < 0 THEN 'negative count'
    WHEN snapshot IS NULL THEN 'no snapshot date'
  END"""

# Raw content (as JSON) is built only for the failing rows.
_VALIDATE = f"""
SELECT _row, location, to_json(s) AS record, reason
FROM (SELECT *, {_REASON} AS reason FROM {STAGING}) s
WHERE reason IS NOT NULL
"""


def _stage(con: duckdb.DuckDBPyConnection, batches: Iterable[Batch], store: Store,
           run_id: str, source_label: str, summary: IngestSummary) -> None:
    con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    cols = ", ".join(
        f'"{f.name}" {_duck_type(f.type)}' for f in RECORD_SCHEMA
    )
    con.execute(f"CREATE TEMP TABLE {STAGING} ({cols}, _row BIGINT)")
    offset = 0
    for batch in batches:
        summary.quarantined += quarantine(store, run_id, source_label, batch.rejected)
        rb = batch.records
        summary.records += rb.num_rows + len(batch.rejected)
        if rb.num_rows == 0:
            continue
        tbl = pa.Table.from_batches([rb])
        con.register("_incoming", tbl)
        con.execute(
            f"INSERT INTO {STAGING} SELECT *, {offset} + row_number() OVER () FROM _incoming"
        )
        con.unregister("_incoming")
        offset += rb.num_rows


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return "VARCHAR[]"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    return "VARCHAR"


def _merge(con: duckdb.DuckDBPyConnection, hub: str, simulated: bool,
           run_id: str, summary: IngestSummary) -> None:
    # One row per (snapshot, id): the last read wins (dropped in place: no copy).
    con.execute(f"""
        DELETE FROM {STAGING} WHERE _row IN (
            SELECT _row FROM (SELECT _row, row_number() OVER (
                PARTITION BY snapshot, id ORDER BY _row DESC) AS rn FROM {STAGING})
            WHERE rn > 1)
    """)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _final AS SELECT * FROM {STAGING}")
    several = int(_one(con, f"SELECT count(DISTINCT snapshot) FROM {STAGING}")) > 1
    # Per-snapshot licence/gating/org history, so change events survive later ingests.
    capture_staged(con, hub)
    # Newest row per id drives the model metadata; parse tags once, set-based.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _meta AS
        SELECT id,
          coalesce(nullif(trim(author), ''),
                   CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 1) END) AS org,
          CASE WHEN strpos(id, '/') > 0 THEN split_part(id, '/', 2) ELSE id END AS name,
          created_at, last_modified,
          pipeline_tag, library,
          coalesce({tagsql.prefixed('license')}[1], card_license) AS license_raw,
          card_license_name AS license_name, card_license_link AS license_link,
          gated, params_total, params_active, coalesce(tags, []) AS tags,
          {tagsql.prefixed('arxiv')} AS arxiv, {tagsql.prefixed('dataset')} AS datasets,
          {tagsql.formats()} AS formats, {tagsql.prefixed('region')} AS regions,
          coalesce(truncated_tags, []) AS truncated_tags,
          card_base_models, card_base_relation, snapshot
        FROM _final f
        {"QUALIFY row_number() OVER (PARTITION BY id ORDER BY snapshot DESC, _row DESC) = 1"
         if several else ""}
    """)
    # The Hub's metadata for an id wins over a mirror's (ModelScope lists many of the
    # same ids): another source refreshes only the rows it created itself.
    own = f"(x.source = '{hub}' OR '{hub}' = 'hf')"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _known AS
        SELECT m.id, m.snapshot >= x.meta_snapshot AND {own} AS newer
        FROM _meta m JOIN models x ON x.id = m.id
    """)
    n_known = int(_one(con, "SELECT count(*) FROM _known"))
    # Merge with what the store knows (metadata from the newest snapshot wins), then
    # replace: delete + insert is far cheaper in DuckDB than updating list columns.
    newer = f"(x.id IS NULL OR (m.snapshot >= x.meta_snapshot AND {own}))"
    with_tags = f"({newer} AND len(m.tags) > 0)"

    def fresh(col: str) -> str:
        return f"CASE WHEN {newer} THEN coalesce(m.{col}, x.{col}) ELSE x.{col} END AS {col}"

    def tagged(col: str) -> str:
        return f"CASE WHEN {with_tags} OR x.id IS NULL THEN m.{col} ELSE x.{col} END AS {col}"

    cols = ", ".join([
        "m.id",
        f"CASE WHEN {newer} THEN m.org ELSE x.org END AS org",
        f"CASE WHEN {newer} THEN m.name ELSE x.name END AS name",
        f"CASE WHEN {newer} THEN '{hub}' ELSE x.source END AS source",
        "least(x.created_at, m.created_at) AS created_at",
        fresh("last_modified"),
        "least(x.release_date, CAST(m.created_at AS DATE)) AS release_date",
        *(fresh(c) for c in ("pipeline_tag", "library", "license_name",
                             "license_link", "gated", "params_total", "params_active")),
        # The licence follows the newest record that says anything about it (tags or card).
        f"CASE WHEN {newer} AND (len(m.tags) > 0 OR m.license_raw IS NOT NULL)"
        " THEN m.license_raw ELSE x.license_raw END AS license_raw",
        *(tagged(c) for c in ("tags", "arxiv", "datasets", "formats", "regions",
                              "truncated_tags")),
        "least(x.first_seen, m.snapshot) AS first_seen",
        "greatest(x.last_seen, m.snapshot) AS last_seen",
        "greatest(x.meta_snapshot, m.snapshot) AS meta_snapshot",
        "x.license_id AS license_id",
    ])
    insert = """
        INSERT INTO models (id, org, name, source, created_at, last_modified, release_date,
            pipeline_tag, library, license_raw, license_name, license_link, gated,
            params_total, params_active, tags, arxiv, datasets, formats, regions,
            truncated_tags, first_seen, last_seen, meta_snapshot, license_id)
        SELECT id, org, name, source, created_at, last_modified, release_date,
            pipeline_tag, library, license_raw, license_name, license_link, gated,
            params_total, params_active, tags, arxiv, datasets, formats, regions,
            truncated_tags, first_seen, last_seen, meta_snapshot, license_id
        FROM ({rows})
    """
    if n_known:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _upsert AS
            SELECT {cols} FROM _meta m JOIN models x ON x.id = m.id
        """)
        con.execute("DELETE FROM models WHERE id IN (SELECT id FROM _known)")
        con.execute(insert.format(rows="SELECT * FROM _upsert"))
    new_rows = f"SELECT {cols} FROM _meta m LEFT JOIN models x ON FALSE"
    if n_known:
        new_rows += " WHERE m.id NOT IN (SELECT id FROM _known)"
    con.execute(insert.format(rows=new_rows))
    summary.models += int(_one(con, "SELECT count(*) FROM _meta"))
    # Observations: replace this input's (snapshot, model) rows, so re-ingest is idempotent.
    con.execute(
        """
        DELETE FROM observations WHERE source = ? AND snapshot IN (SELECT DISTINCT snapshot
            FROM _final) AND (snapshot, model_id) IN (SELECT snapshot, id FROM _final)
        """,
        [hub],
    )
    con.execute(f"""
        INSERT INTO observations (source, snapshot, model_id, downloads_30d,
            downloads_all_time, likes, carried_over)
        SELECT '{hub}', snapshot, id, downloads_30d, downloads_all_time, likes, FALSE
        FROM _final
    """)
    summary.observations += int(_one(con, "SELECT count(*) FROM _final"))
    # Lineage: models whose metadata this input refreshed get their stated parents.
    refreshed = """(SELECT m.* FROM _meta m LEFT JOIN _known k USING (id)
                    WHERE k.id IS NULL OR k.newer)"""
    con.execute(f"CREATE OR REPLACE TEMP TABLE _new_edges AS {tagsql.edges_query(refreshed)}")
    if n_known:
        con.execute("""
            DELETE FROM edges WHERE child IN (
                SELECT m.id FROM _meta m JOIN _known k USING (id)
                WHERE k.newer AND (len(m.tags) > 0 OR m.card_base_models IS NOT NULL))
        """)
    con.execute(
        "INSERT INTO edges (child, parent, relation, origin)"
        " SELECT child, parent, relation, origin FROM _new_edges"
    )
    summary.edges += int(_one(con, "SELECT count(*) FROM _new_edges"))
    snaps = con.execute("SELECT DISTINCT snapshot FROM _final ORDER BY 1").fetchall()
    for (snap,) in snaps:
        con.execute(
            """
            INSERT INTO snapshots AS s (source, snapshot, models, committed_at, run_id,
                simulated) VALUES (?, ?,
                (SELECT count(*) FROM observations WHERE source = ? AND snapshot = ?),
                now(), ?, ?)
            ON CONFLICT (source, snapshot) DO UPDATE SET
                models = excluded.models, committed_at = excluded.committed_at,
                run_id = excluded.run_id, simulated = s.simulated OR excluded.simulated
            """,
            [hub, snap, hub, snap, run_id, simulated],
        )
        summary.snapshots.append(snap.isoformat())


def _one(con: duckdb.DuckDBPyConnection, q: str) -> Any:
    rows = con.execute(q).fetchall()
    return rows[0][0] if rows else None


TEMP_TABLES = (STAGING, "_bad", "_meta", "_known", "_upsert", "_new_edges")


@contextlib.contextmanager
def transaction(store: Store, label: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """One ingest transaction: commit on success, roll back on any failure.

    DuckDB errors become a one-line ``StoreError`` naming the input; the
    temporary tables of the ingest are dropped either way.
    """
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except ModelAtlasError:
        con.execute("ROLLBACK")
        raise
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        raise StoreError(f"could not commit {label}: {str(exc).splitlines()[0]}") from exc
    except BaseException:
        con.execute("ROLLBACK")
        raise
    finally:
        con.execute("DROP VIEW IF EXISTS _final")
        for t in TEMP_TABLES:
            con.execute(f"DROP TABLE IF EXISTS {t}")


def load_input(store: Store, batches: Iterable[Batch], *, run_id: str, label: str,
               hub: str, simulated: bool, part: IngestSummary) -> None:
    """Stage, validate (quarantining rejects) and merge one input.

    Call inside :func:`transaction`; afterwards the view ``_final`` holds the
    input's accepted rows (one per snapshot and model) until the transaction ends.
    """
    if hub not in HUBS:  # it is spliced into SQL as a literal: whitelist it
        raise StoreError(f"unknown source hub {hub!r}; expected one of {', '.join(HUBS)}")
    con = store.con
    _stage(con, batches, store, run_id, label, part)
    con.execute(f"CREATE OR REPLACE TEMP TABLE _bad AS {_VALIDATE}")
    bad = con.execute("SELECT location, record, reason FROM _bad ORDER BY _row").fetchall()
    if bad:
        part.quarantined += quarantine(
            store, run_id, label, (Rejected(str(lc), rc, why) for lc, rc, why in bad)
        )
        con.execute(f"DELETE FROM {STAGING} WHERE _row IN (SELECT _row FROM _bad)")
    _merge(con, hub, simulated, run_id, part)


def commit_input(
    store: Store,
    batches: Iterable[Batch],
    *,
    run_id: str,
    source_label: str,
    hub: str = "hf",
    simulated: bool = False,
    summary: IngestSummary | None = None,
) -> IngestSummary:
    """Stage, validate and merge one input in a single transaction."""
    summary = summary or IngestSummary(run_id)
    part = IngestSummary(run_id)
    with transaction(store, source_label):
        load_input(store, batches, run_id=run_id, label=source_label, hub=hub,
                   simulated=simulated, part=part)
    summary.inputs.append(source_label)
    summary.add(part)
    return summary


def json_record(obj: Any) -> str:
    """Serialise a raw record for quarantine, whatever it is."""
    try:
        return json.dumps(obj, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(obj)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
