"""Commit source batches to the store: one transaction per input, set-based, bounded memory.

Flow for one input (a file, a group of small files, or one crawl):

1. stream canonical Arrow batches through :func:`~modelatlas.sources.records.screen`
   (oversized, NUL, invalid UTF-8 -> quarantine) into the temporary staging table
   ``_stg``, parsing tags once on the way in (:mod:`modelatlas.store.tagsql`); the
   staging table lives under DuckDB's memory limit and spills beside the store, so
   memory does not follow the input size;
2. validate in SQL; rejected rows go to ``quarantine`` with their raw content;
3. keep one row per (snapshot, id): the latest observed, else the last read;
4. merge (:mod:`modelatlas.store.merge`): new models inserted, changed ones
   rewritten, unchanged ones get a date update; observations; edges of children
   whose parents changed; licence history and creation times
   (:mod:`modelatlas.store.history`); ``latest_observations``
   (:mod:`modelatlas.store.latest`); snapshot rows and their scope; the derive
   dirty set and a new data generation (:mod:`modelatlas.store.changes`);
5. commit. Any failure rolls the whole input back: a snapshot is visible whole
   or not at all, and re-ingesting the same input changes no count.

Staging (1-2) writes temporary tables only. An input of more than
``MODELATLAS_INGEST_PART_ROWS`` staged rows is merged (3-5) in several
transactions, each holding every row of a set of model ids, because DuckDB's
COMMIT needs memory that grows with the rows of a transaction
(:func:`_commit_parts` says what a process killed between them leaves).
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
import numpy as np
import pyarrow as pa

from modelatlas import settings
from modelatlas.errors import ModelAtlasError, StoreError
from modelatlas.sources.records import (
    QUARANTINE_CHARS,
    RECORD_SCHEMA,
    Batch,
    Rejected,
    clip,
    printable,
    screen,
)
from modelatlas.store import changes, history, indexes, latest, merge, tagsql
from modelatlas.store.db import Store

STAGING = "_stg"
#: The whole staged input while it is merged in parts (``_stg`` then holds one part).
STAGED_ALL = "_stg_all"
#: Rejected records of the input, written to ``quarantine`` by the transaction that
#: writes the input (its last one when it is split), so a kill leaves none behind.
REJECTS = "_qrej"
HUBS = merge.HUBS


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
    new_models: int = 0
    changed_models: int = 0
    #: Snapshots an input joined whose recorded population is not the one the input
    #: declared (its models count in the recorded one): said, never silent.
    population_notes: list[str] = field(default_factory=list)

    def add(self, part: IngestSummary) -> None:
        """Add the counts of one committed input to this run's summary."""
        self.records += part.records
        self.models += part.models
        self.observations += part.observations
        self.edges += part.edges
        self.quarantined += part.quarantined
        self.new_models += part.new_models
        self.changed_models += part.changed_models
        self.snapshots.extend(part.snapshots)
        self.population_notes.extend(part.population_notes)

    @property
    def nothing_read(self) -> bool:
        """No record could be read at all (the only case ``ingest file`` exits 1 for)."""
        return self.records == 0 and bool(self.failed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "inputs": self.inputs,
            "records": self.records,
            "models": self.models,
            "new_models": self.new_models,
            "changed_models": self.changed_models,
            "observations": self.observations,
            "edges": self.edges,
            "quarantined": self.quarantined,
            "snapshots": sorted(set(self.snapshots)),
            "failed": self.failed,
            "population_notes": self.population_notes,
        }


def new_run(store: Store, command: str, args: str) -> str:
    """Start a run. Runs left ``running`` by a process that died (kill -9, power loss)
    are marked ``interrupted``: the store's write lock means none is still going."""
    run_id = uuid.uuid4().hex[:12]
    store.sql(
        "UPDATE ingest_runs SET status = 'interrupted', finished_at = now(),"
        " message = 'the process ended before the run finished' WHERE status = 'running'"
    )
    store.sql(
        "INSERT INTO ingest_runs (run_id, command, args, started_at, status)"
        " VALUES (?, ?, ?, now(), 'running')",
        [run_id, command, args[:2000]],
    )
    return run_id


def finish_run(store: Store, summary: IngestSummary, status: str, message: str = "") -> None:
    store.sql(
        "UPDATE ingest_runs SET finished_at = now(), status = ?, records = ?, quarantined = ?,"
        " message = ? WHERE run_id = ?",
        [status, summary.records, summary.quarantined, message[:2000], summary.run_id],
    )


def quarantine(store: Store, run_id: str, source: str, items: Iterable[Rejected]) -> int:
    rows = [(run_id, source, printable(r.location), clip(printable(r.record)),
             printable(r.reason)[:2000]) for r in items]
    if rows:
        store.con.executemany(
            'INSERT INTO quarantine (run_id, source, location, record, reason, "at")'
            " VALUES (?, ?, ?, ?, ?, now())",
            rows,
        )
    return len(rows)


def _duck_type(t: pa.DataType) -> str:
    if pa.types.is_list(t):
        return "STRUCT(id VARCHAR, relation VARCHAR)[]" if pa.types.is_struct(
            t.value_type) else "VARCHAR[]"
    if pa.types.is_int64(t):
        return "BIGINT"
    if pa.types.is_float64(t):
        return "DOUBLE"
    if pa.types.is_date32(t):
        return "DATE"
    if pa.types.is_timestamp(t):
        return "TIMESTAMPTZ"
    return "VARCHAR"


def _staging_table(con: duckdb.DuckDBPyConnection) -> None:
    cols = [f'"{f.name}" {_duck_type(f.type)}' for f in RECORD_SCHEMA]
    cols.append("_row BIGINT")
    parsed_types = {
        "org": "VARCHAR", "name": "VARCHAR", "license_raw": "VARCHAR",
        "license_known": "BOOLEAN", "arxiv": "VARCHAR[]", "datasets": "VARCHAR[]",
        "formats": "VARCHAR[]", "regions": "VARCHAR[]", "bm_tags": "VARCHAR[]",
        "has_tags": "BOOLEAN", "has_lineage": "BOOLEAN", "meta_sig": "UBIGINT",
        "lineage_sig": "UBIGINT", "reason": "VARCHAR",
    }
    cols.extend(f"{c} {parsed_types[c]}" for c in tagsql.PARSED_COLUMNS)
    con.execute(f"DROP TABLE IF EXISTS {STAGING}")
    con.execute(f"CREATE TEMP TABLE {STAGING} ({', '.join(cols)})")
    con.execute(f"DROP TABLE IF EXISTS {REJECTS}")
    con.execute(f"CREATE TEMP TABLE {REJECTS} (seq BIGINT, location VARCHAR, record VARCHAR,"
                " reason VARCHAR)")


def _hold_rejects(con: duckdb.DuckDBPyConnection, items: list[Rejected], first: int) -> int:
    """Keep rejected records in ``_qrej`` (numbered from ``first``); returns how many."""
    rows = [(first + i, printable(r.location), clip(printable(r.record)),
             printable(r.reason)[:2000]) for i, r in enumerate(items)]
    if rows:
        con.executemany(f"INSERT INTO {REJECTS} VALUES (?, ?, ?, ?)", rows)
    return len(rows)


def _flush_rejects(con: duckdb.DuckDBPyConnection, run_id: str, label: str) -> None:
    """Write the held rejects to ``quarantine``, in the order they were found."""
    con.execute(f"""
        INSERT INTO quarantine (run_id, source, location, record, reason, "at")
        SELECT ?, ?, location, record, reason, now() FROM {REJECTS} ORDER BY seq
    """, [run_id, label])


_INSERT_STAGED = f"INSERT INTO {STAGING} {tagsql.parsed('_in_batch')}"


GATHER_BYTES = 32 * 1024 * 1024


def _stage(store: Store, batches: Iterable[Batch], part: IngestSummary,
           batch_rows: int = 65_536) -> None:
    """Screen each batch, hold its rejects in ``_qrej``, parse the rows into ``_stg``.

    Small batches (many small files in one transaction) are gathered up to
    ``batch_rows`` rows or ``GATHER_BYTES`` first: parsing is one SQL statement per
    gathered batch, and
    its planning, not the rows, would otherwise dominate. The rows reach DuckDB as
    a relation queried in place (not a registered view: inside a transaction an
    unregistered view keeps its Arrow data alive until commit, which made memory
    grow with the input).
    """
    con = store.con
    _staging_table(con)
    pending: list[pa.RecordBatch] = []
    held = held_bytes = 0
    offset = 0

    def flush() -> None:
        nonlocal pending, held, held_bytes, offset
        tbl = pa.Table.from_batches(pending).append_column(
            "_row", pa.array(np.arange(offset + 1, offset + held + 1, dtype=np.int64)))
        con.from_arrow(tbl).query("_in_batch", _INSERT_STAGED)
        offset += held
        pending, held, held_bytes = [], 0, 0

    for batch in batches:
        good, rejected = screen(batch.records)
        rejected = batch.rejected + rejected
        part.quarantined += _hold_rejects(con, rejected, part.quarantined)
        part.records += batch.records.num_rows + len(batch.rejected)
        if good.num_rows:
            pending.append(good)
            held += good.num_rows
            held_bytes += good.nbytes
        if held >= batch_rows or held_bytes >= GATHER_BYTES:
            flush()
    if held:
        flush()


def _raw_json() -> str:
    cols = ", ".join(f'"{f.name}" := "{f.name}"' for f in RECORD_SCHEMA if f.name != "location")
    return f"left(to_json(struct_pack({cols})), {QUARANTINE_CHARS})"


def _validate(store: Store, part: IngestSummary) -> None:
    """Move the staged rows that fail validation to the held rejects (``_qrej``)."""
    con = store.con
    bad = int(con.execute(
        f"SELECT count(*) FROM {STAGING} WHERE reason IS NOT NULL").fetchall()[0][0])
    if not bad:
        return
    con.execute(f"""
        INSERT INTO {REJECTS}
        SELECT ? + row_number() OVER (ORDER BY _row), location, {_raw_json()}, reason
        FROM {STAGING} WHERE reason IS NOT NULL
    """, [part.quarantined])
    con.execute(f"DELETE FROM {STAGING} WHERE reason IS NOT NULL")
    part.quarantined += bad


def _dedupe(con: duckdb.DuckDBPyConnection, several: bool) -> bool:
    """One row per (snapshot, id): the latest observed, else the last read.

    Every creation time stated is kept first (``_cre_in``: id, created_at, seen), so
    a row dropped here still counts for the earliest ``created_at`` and re-creations.
    Returns True when rows were dropped.
    """
    dup = int(con.execute(f"""
        SELECT count(*) FROM (SELECT 1 FROM {STAGING} GROUP BY snapshot, id HAVING count(*) > 1)
    """).fetchall()[0][0])
    if dup or several:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _cre_t AS
            SELECT id, created_at, min(snapshot) AS seen FROM {STAGING}
            WHERE created_at IS NOT NULL GROUP BY id, created_at
        """)
        con.execute("CREATE OR REPLACE TEMP VIEW _cre_in AS SELECT * FROM _cre_t")
    else:
        con.execute(f"CREATE OR REPLACE TEMP VIEW _cre_in AS SELECT id, created_at,"
                    f" snapshot AS seen FROM {STAGING} WHERE created_at IS NOT NULL")
    if dup:
        con.execute(f"""
            DELETE FROM {STAGING} WHERE _row IN (
                SELECT _row FROM (SELECT _row, row_number() OVER (
                    PARTITION BY snapshot, id ORDER BY {merge.KEY} DESC) AS rn FROM {STAGING})
                WHERE rn > 1)
        """)
    return bool(dup)


def _mark_dirty(con: duckdb.DuckDBPyConnection, gen: int, known: int, hist_rows: int,
                out: merge.Merged, everything: bool = False) -> bool:
    """Tell derive what may have changed (one 'everything' row for a big change).

    ``everything``: an earlier part of the same input already asked for a full
    derive (which has not run since: the writer holds the store), so listing this
    part's models one by one would only add rows. Returns True when 'everything'
    was marked."""
    total = int(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
    changed = out.new + out.rewritten + hist_rows
    if everything or changed > changes.FULL_SHARE * max(total, 1):
        changes.mark_all(con, gen)
        return True
    parts = ["SELECT id AS model_id, 'new' AS kind, NULL::VARCHAR AS prev_org FROM _meta"
             + (" ANTI JOIN _mx k USING (id)" if known else ""),
             "SELECT parent, 'gone', NULL FROM _gone_parents",
             "SELECT DISTINCT model_id, 'meta', NULL FROM _hist_new"]
    if known:
        # One row per rewritten model, and an 'org' row when its org changed (NULL-aware:
        # an id without a namespace gains an org when an author is stated).
        parts.append("""
            SELECT id, unnest(CASE WHEN moved THEN [kind, 'org'] ELSE [kind] END),
                   CASE WHEN moved THEN prev_org END
            FROM (SELECT k.id, k.prev_org, k.prev_org IS DISTINCT FROM m.org AS moved,
                         CASE WHEN NOT k.lin_changed THEN 'meta'
                              WHEN p.id IS NOT NULL THEN 'parents' ELSE 'lineage' END AS kind
                  FROM _mx k JOIN _meta m USING (id) LEFT JOIN _lin_kept p USING (id)
                  WHERE k.rewrite OR k.recreated)""")
    changes.mark_models(con, gen, " UNION ALL ".join(parts))
    return False


def _creations(con: duckdb.DuckDBPyConnection, hub: str, known: int) -> int:
    """Keep every creation time of re-created repos (input's and stored)."""
    pairs = ["SELECT c.id AS model_id, c.created_at, c.seen FROM _cre_in c"
             " SEMI JOIN (SELECT id FROM _meta WHERE created_at <> created_max) r"
             " ON r.id = c.id"]
    if known:
        pairs.append("SELECT c.id, c.created_at, c.seen FROM _cre_in c"
                     " SEMI JOIN (SELECT id FROM _mx WHERE recreated) r ON r.id = c.id")
        pairs.append("SELECT id, prev_created, prev_first_seen FROM _mx WHERE recreated")
    return history.capture_creations(con, hub, " UNION ALL ".join(pairs))


def _snapshots(con: duckdb.DuckDBPyConnection, hub: str, run_id: str, simulated: bool,
               snapshots: list[dt.date], part: IngestSummary, staged: str = STAGING) -> None:
    """Record (or refresh) the input's snapshots: model counts, run, latest time
    (``staged``: the table holding the whole input)."""
    src = merge.hub_sql(hub)
    con.execute(f"""
        INSERT INTO snapshots AS s (source, snapshot, models, committed_at, run_id,
            simulated, last_at)
        SELECT {src}, c.snapshot, c.n, now(), ?, ?, t.last_at
        FROM (SELECT snapshot, count(*) AS n FROM observations
              WHERE source = {src} AND snapshot IN ({merge.dates_sql(snapshots)})
              GROUP BY snapshot) c
        JOIN (SELECT snapshot, max(observed_at) AS last_at FROM {staged} GROUP BY 1) t
          USING (snapshot)
        ON CONFLICT (source, snapshot) DO UPDATE SET
            models = excluded.models, committed_at = excluded.committed_at,
            run_id = excluded.run_id, simulated = s.simulated OR excluded.simulated,
            last_at = greatest(s.last_at, excluded.last_at)
    """, [run_id, simulated])
    part.snapshots.extend(s.isoformat() for s in snapshots)


POPULATION_BY = ("source", "user")

#: THE rule of what a snapshot's recorded population becomes (DuckDB here, Spark in
#: spark/ingest.py): the user's choice always; a source's declaration when nothing is
#: recorded, or over another source's declaration when it is a full listing.
#: Placeholders: the old columns and the new values (SQL expressions).
POPULATION_WINS = ("({new_by} = 'user' OR {old} IS NULL"
                   " OR ({old_by} = 'source' AND {new_full} AND {old} <> {new}))")


def record_population(con: duckdb.DuckDBPyConnection, source: str,
                      snapshots: list[dt.date], name: str | None, by: str = "source"
                      ) -> list[tuple[dt.date, str]]:
    """Record what ``snapshots`` cover (``snapshots.population``; docs/metrics.md).

    ``by='user'`` (``--population``) always sets it: re-ingesting a file with another
    ``--population`` relabels its snapshots (no row is added: observations are keyed
    by snapshot and model). ``by='source'`` (the population the input's source
    declares) fills a snapshot with none recorded, or replaces another source's
    declaration when it is a full listing (a hub dump of that date covers what a
    trending file of the same date covered, as ``snapshot_scope`` keeps "full");
    it never overrides a user's choice. Inside the ingest transaction.

    Returns the snapshots that keep another population than ``name`` (the input's
    models then count in that one), with the population they keep.
    """
    if name is None or not snapshots:
        return []
    from modelatlas.metrics.populations import RECORDABLE, kind_of

    if name not in RECORDABLE or by not in POPULATION_BY:
        raise StoreError(f"cannot record population {name!r} ({by}): choose from "
                         f"{', '.join(RECORDABLE)}")
    src = merge.hub_sql(source)
    full = kind_of(name) == "full"
    wins = POPULATION_WINS.format(new_by="$by", old="population", old_by="population_by",
                                  new_full="$full", new="$name")
    con.execute(f"""
        UPDATE snapshots SET population = $name, population_by = $by
        WHERE source = {src} AND snapshot IN ({merge.dates_sql(snapshots)}) AND {wins}
    """, {"name": name, "by": by, "full": full})
    kept = con.execute(f"""
        SELECT snapshot, population FROM snapshots
        WHERE source = {src} AND snapshot IN ({merge.dates_sql(snapshots)})
          AND population IS NOT NULL AND population <> $name ORDER BY snapshot
    """, {"name": name}).fetchall()
    return [(r[0], str(r[1])) for r in kept]


def _bulk_input(con: duckdb.DuckDBPyConnection) -> bool:
    """:func:`_bulk` for a whole split input (``_stg_all``), before its first part."""
    new = int(con.execute(f"SELECT count(*) FROM (SELECT DISTINCT id FROM {STAGED_ALL})"
                          " ANTI JOIN models m USING (id)").fetchall()[0][0])
    total = int(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
    return new > changes.FULL_SHARE * max(total, 1)


def _bulk(con: duckdb.DuckDBPyConnection, known: int) -> bool:
    """True when the input's new models outnumber ``FULL_SHARE`` of the stored ones."""
    staged = int(con.execute("SELECT count(*) FROM _meta").fetchall()[0][0])
    total = int(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
    return staged - known > changes.FULL_SHARE * max(total, 1)


@dataclass
class _Part:
    """Which part of a split input a transaction merges (:func:`commit_input`).

    ``last``: this transaction also records the input's snapshots, scope and
    population; ``staged``: the table holding the whole input; ``everything``: an
    earlier part of the input marked a full derive."""

    last: bool = True
    staged: str = STAGING
    everything: bool = False
    #: the input is a bulk load whose indexes the caller drops once and creates again
    #: once, rather than each part (store/indexes.py)
    indexes_off: bool = False


def _merge(con: duckdb.DuckDBPyConnection, hub: str, simulated: bool, run_id: str,
           scope: tuple[str | None, bool | None] | None, part: IngestSummary,
           population: tuple[str, str] | None = None, which: _Part | None = None) -> bool:
    """Merge the staged rows (``_stg``) into the store; returns True when a full
    derive was marked. For a part of a split input (``which``), the snapshot
    bookkeeping waits for the last part: a snapshot is listed (``snapshots``,
    ``snapshot_scope``, population) only once all of its models are stored."""
    which = which or _Part()
    snapshots = [r[0] for r in con.execute(
        f"SELECT DISTINCT snapshot FROM {STAGING} ORDER BY 1").fetchall()]
    everything = which.everything
    if snapshots:  # a part can be empty (a few ids over many rows)
        everything = _merge_rows(con, hub, snapshots, part, everything, which.indexes_off)
    if which.last:
        _finish_snapshots(con, hub, simulated, run_id, scope, part, population, which.staged)
    return everything


def _merge_rows(con: duckdb.DuckDBPyConnection, hub: str, snapshots: list[dt.date],
                part: IngestSummary, everything: bool, indexes_off: bool = False) -> bool:
    """Models, observations, latest observations, edges, history and the dirty set."""
    dropped = _dedupe(con, several=len(snapshots) > 1)
    gen = changes.bump(con)
    merge.build_meta(con, several=len(snapshots) > 1 or dropped)
    known = merge.compare(con, hub)
    # Licence/gating history of every staged record that may say something new.
    skip = " ANTI JOIN (SELECT id FROM _mx WHERE same_hist) k ON k.id = s.id" if known else ""
    hist_rows = history.capture_staged(con, hub, f"(SELECT s.* FROM {STAGING} s{skip})",
                                       single=len(snapshots) == 1 and not dropped)
    hist_rows += _creations(con, hub, known)
    out = merge.Merged()
    # A bulk load (mostly new models: a first snapshot) rebuilds the point-lookup
    # indexes of models and edges once instead of entry by entry (store/indexes.py).
    bulk = _bulk(con, known) and not indexes_off
    with indexes.deferred(con, *(("models", "edges") if bulk else ())):
        merge.merge_models(con, hub, known, out)
        merge.merge_observations(con, hub, snapshots, out)
        latest.apply(con, "SELECT * FROM _obs", one_snapshot=len(snapshots) == 1)
        merge.merge_edges(con, known, out)
    everything = _mark_dirty(con, gen, known, hist_rows, out, everything)
    changes.mark_snapshots(con, gen, hub, snapshots)
    part.models += out.new + known
    part.new_models += out.new
    part.changed_models += out.rewritten
    part.observations += out.observations
    part.edges += out.edges
    return everything


def _finish_snapshots(con: duckdb.DuckDBPyConnection, hub: str, simulated: bool, run_id: str,
                      scope: tuple[str | None, bool | None] | None, part: IngestSummary,
                      population: tuple[str, str] | None, staged: str) -> None:
    """Record the snapshots of the whole input (``staged``): counts, scope, population."""
    snapshots = [r[0] for r in con.execute(
        f"SELECT DISTINCT snapshot FROM {staged} ORDER BY 1").fetchall()]
    if not snapshots:
        return
    _snapshots(con, hub, run_id, simulated, snapshots, part, staged)
    if scope is not None:
        history.set_scope(con, hub, snapshots, scope[0], full=scope[1])
    if population is not None:
        for snap, kept in record_population(con, hub, snapshots, population[0],
                                            population[1]):
            part.population_notes.append(
                f"snapshot {hub} {snap} stays population '{kept}': this input's "
                f"{population[0]} models count in it (give the input its own --snapshot "
                "date to keep them apart)")


TEMP_VIEWS = (*merge.TEMP_VIEWS, "_final", "_cre_in")
TEMP_TABLES = (STAGING, *merge.TEMP, "_hist_new", "_hist_in", "_cre_t", STAGED_ALL, REJECTS)


def _cleanup(con: duckdb.DuckDBPyConnection, keep: tuple[str, ...] = ()) -> None:
    """Drop the ingest's temporary views and tables (but ``keep``: a split input's
    whole staged rows and rejects, between its parts)."""
    for v in TEMP_VIEWS:
        con.execute(f"DROP VIEW IF EXISTS {v}")
    for t in TEMP_TABLES:
        if t not in keep:
            con.execute(f"DROP TABLE IF EXISTS {t}")


@contextlib.contextmanager
def transaction(store: Store, label: str) -> Iterator[duckdb.DuckDBPyConnection]:
    """One ingest transaction: commit on success, roll back on any failure.

    DuckDB errors become a one-line ``StoreError`` naming the input; the
    temporary tables of the ingest are dropped either way.
    """
    with store.working_memory(), _rollback_on_error(store, label) as con:
        yield con


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, if a transaction is still open: a failed COMMIT (DuckDB out of
    memory while writing) has already ended it, and a second error here would
    replace the one-line message with a traceback."""
    with contextlib.suppress(duckdb.TransactionException):
        con.execute("ROLLBACK")


def _store_error(label: str, exc: duckdb.Error) -> StoreError:
    msg = str(exc).splitlines()[0]
    if "pin block" in msg or "Out of Memory" in msg:
        msg += " (DuckDB's memory limit while ingesting: MODELATLAS_INGEST_MEMORY_LIMIT)"
    return StoreError(f"could not commit {label}: {msg}")


@contextlib.contextmanager
def _one_line(label: str) -> Iterator[None]:
    """DuckDB errors outside a transaction (staging) as one-line ``StoreError``."""
    try:
        yield
    except duckdb.Error as exc:
        raise _store_error(label, exc) from exc


@contextlib.contextmanager
def _rollback_on_error(store: Store, label: str, keep: tuple[str, ...] = ()
                       ) -> Iterator[duckdb.DuckDBPyConnection]:
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except ModelAtlasError:
        _rollback(con)
        raise
    except duckdb.Error as exc:
        _rollback(con)
        raise _store_error(label, exc) from exc
    except BaseException:
        _rollback(con)
        raise
    finally:
        _cleanup(con, keep)


def load_input(store: Store, batches: Iterable[Batch], *, run_id: str, label: str,
               hub: str, simulated: bool, part: IngestSummary,
               scope: tuple[str | None, bool | None] | None = None,
               population: tuple[str, str] | None = None) -> None:
    """Stage, validate (quarantining rejects) and merge one input.

    Call inside :func:`transaction`; afterwards the view ``_final`` holds the
    input's accepted rows (one per snapshot and model) until the transaction ends.
    ``scope``: (format, full) recorded in ``snapshot_scope`` for the input's snapshots;
    ``population``: (name, 'source' | 'user') recorded on them (:func:`record_population`).
    """
    if hub not in HUBS:  # it is spliced into SQL as a literal: whitelist it
        raise StoreError(f"unknown source hub {hub!r}; expected one of {', '.join(HUBS)}")
    con = store.con
    _stage(store, batches, part)
    _validate(store, part)
    _flush_rejects(con, run_id, label)
    _merge(con, hub, simulated, run_id, scope, part, population)
    con.execute(f"CREATE OR REPLACE TEMP VIEW _final AS SELECT * FROM {STAGING}")


def carried_over(store: Store, source: str, snapshot: dt.date) -> None:
    """Observations a crawl copied into (``source``, ``snapshot``) inside the ingest
    transaction: fold them into ``latest_observations`` too."""
    latest.apply_snapshot(store.con, source, snapshot)


def commit_input(
    store: Store,
    batches: Iterable[Batch],
    *,
    run_id: str,
    source_label: str,
    hub: str = "hf",
    simulated: bool = False,
    summary: IngestSummary | None = None,
    scope: tuple[str | None, bool | None] | None = None,
    population: tuple[str, str] | None = None,
) -> IngestSummary:
    """Stage and validate one input, then merge it in one transaction, or in several
    when it holds more than ``MODELATLAS_INGEST_PART_ROWS`` rows (:func:`_commit_parts`).

    Staging writes temporary tables only (in a transaction of its own) and the
    rejected records are held until the input's (last) transaction writes them,
    so nothing of the input is in the store before that transaction.
    """
    if hub not in HUBS:  # it is spliced into SQL as a literal: whitelist it
        raise StoreError(f"unknown source hub {hub!r}; expected one of {', '.join(HUBS)}")
    summary = summary or IngestSummary(run_id)
    part = IngestSummary(run_id)
    con = store.con
    rows_per_part = part_rows()
    with store.working_memory():
        try:
            with _one_line(source_label):
                indexes.ensure(con)  # after a kill between the parts of a bulk input
            # One transaction for the whole staging, though it writes temporary tables
            # only: committing each batch instead doubled its CPU at 1M rows (13.3 vs
            # 6.1 CPU-s), and this COMMIT writes nothing to the store.
            with _rollback_on_error(store, source_label, (STAGING, REJECTS)):
                _stage(store, batches, part)
                _validate(store, part)
                staged = int(con.execute(f"SELECT count(*) FROM {STAGING}").fetchall()[0][0])
            n_parts = max(1, -(-staged // rows_per_part))
            if n_parts == 1:
                with _rollback_on_error(store, source_label):
                    _flush_rejects(con, run_id, source_label)
                    _merge(con, hub, simulated, run_id, scope, part, population)
            else:
                _commit_parts(store, n_parts, run_id=run_id, label=source_label, hub=hub,
                              simulated=simulated, part=part, summary=summary, scope=scope,
                              population=population)
        finally:
            _cleanup(con)
    summary.inputs.append(source_label)
    summary.add(part)
    return summary


def part_rows() -> int:
    """``MODELATLAS_INGEST_PART_ROWS``: staged rows above which an input is merged in
    several transactions; a one-line error when it is not a positive whole number."""
    value = settings.get("ingest_part_rows").strip().replace("_", "")
    if not value.isdigit() or int(value) < 1:
        env = settings.SETTINGS["ingest_part_rows"].env
        raise StoreError(f"{env} must be a positive whole number, not {value!r}")
    return int(value)


def _commit_parts(store: Store, n_parts: int, *, run_id: str, label: str, hub: str,
                  simulated: bool, part: IngestSummary, summary: IngestSummary,
                  scope: tuple[str | None, bool | None] | None,
                  population: tuple[str, str] | None) -> None:
    """Merge a large staged input in ``n_parts`` transactions, by model id.

    Why: DuckDB's COMMIT of one transaction holding millions of new rows pins
    memory that grows with the input (it fails under the 1 GB ingest limit at
    5M models, docs/benchmarks.md); a part's COMMIT needs memory for that part
    only. Each part is every staged row of the models whose ``hash(id)`` falls in
    it (all their snapshots and duplicates), so everything keyed by model
    (metadata, observations, latest observations, edges by child, history,
    creation times, the dirty set) is merged exactly as one transaction would.
    What is about the whole input waits for the last part: its snapshots
    (``snapshots``, ``snapshot_scope``, population) and its quarantined records.

    Between parts (seen only if the process dies there: the writer holds the
    store), the store is consistent but the input's snapshots are not listed yet
    and only some of its models are stored; a rerun of the same input merges the
    stored parts as unchanged records and completes the rest, ending with the
    same store as one uninterrupted run.
    """
    con = store.con
    with _one_line(label):
        con.execute(f"ALTER TABLE {STAGING} RENAME TO {STAGED_ALL}")
        bulk = _bulk_input(con)
    dropped: list[str] = []
    everything = False
    keep = (STAGED_ALL, REJECTS)
    for k in range(n_parts):
        last = k == n_parts - 1
        piece = IngestSummary(run_id)
        where = f"{label} (part {k + 1} of {n_parts}" + (
            f"; parts 1-{k} are stored: ingest it again to complete it)" if k else ")")
        try:
            with _one_line(where):
                con.execute(f"CREATE OR REPLACE TEMP TABLE {STAGING} AS SELECT * FROM"
                            f" {STAGED_ALL} WHERE hash(id) % {n_parts} = {k}")
            with _rollback_on_error(store, where, keep):
                if bulk and k == 0:
                    dropped = indexes.drop(con, "models", "edges")
                everything = _merge(con, hub, simulated, run_id, scope, piece, population,
                                    _Part(last=last, staged=STAGED_ALL,
                                          everything=everything, indexes_off=bulk))
                if last:
                    _flush_rejects(con, run_id, label)
        except ModelAtlasError:
            if k:  # the parts already committed are in the store: say so in the counts
                part.quarantined = 0
                summary.add(part)
            raise
        part.add(piece)
    if dropped:
        # In a transaction of its own, after the staged input is dropped: building an
        # index over the whole table needs memory for the index only (with the 5M
        # staged rows still held it could fail at 1 GB). A kill before it commits leaves
        # the data stored and the index to indexes.ensure.
        _cleanup(con)
        try:
            with _rollback_on_error(store, f"{label} (point-lookup indexes; the input's"
                                    " rows are stored)"):
                indexes.create(con, dropped)
        except ModelAtlasError:
            summary.add(part)
            raise


def json_record(obj: Any) -> str:
    """Serialise a raw record for quarantine, whatever it is."""
    try:
        return clip(printable(json.dumps(obj, default=str, ensure_ascii=False)))
    except (TypeError, ValueError, RecursionError):
        return clip(printable(repr(obj)))


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
