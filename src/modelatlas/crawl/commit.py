"""Merge a fully listed crawl job into the store, in one transaction.

This is :func:`modelatlas.store.ingest.commit_input` (same staging, set-based
validation, quarantine and merge, reused from that module) plus what a crawl
needs inside the *same* transaction:

* ``--since``: models the incremental listing did not return keep their last
  values, copied from the previous snapshot with ``carried_over = TRUE``;
* the job is marked done (with its coverage: a listing short of the source's
  announced total is *partial* and never counts as a full listing) and its
  stored pages are deleted.

So a kill at any moment leaves either the old state (and a rerun commits) or
the new snapshot with the job done (and a rerun starts a fresh crawl): never a
half snapshot, a duplicate or a quarantined record counted twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from modelatlas.crawl import jobs
from modelatlas.crawl.jobs import Coverage, Job
from modelatlas.crawl.listers import Lister
from modelatlas.sources.records import Batch, Rejected, batch_from_rows
from modelatlas.store import ingest
from modelatlas.store.db import Store
from modelatlas.store.ingest import IngestSummary


def job_batches(store: Store, job: Job, lister: Lister, *, limit: int | None,
                batch_size: int = 20_000) -> Iterator[Batch]:
    """Canonical batches from the stored pages, in listing order, capped at ``limit``.

    A malformed record listed twice (partitions overlap, ranks move under a keyset
    cursor) is quarantined once.
    """
    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    bad_seen: set[str] = set()
    seen = 0
    for page_no, body in jobs.pages(store, job.job_id):
        try:
            items = json.loads(body)
        except json.JSONDecodeError as exc:  # stored pages are validated; be safe anyway
            rejected.append(Rejected(f"page {page_no}", body[:10_000], f"bad page: {exc.msg}"))
            continue
        for i, item in enumerate(items, 1):
            if limit is not None and seen >= limit:
                break
            seen += 1
            loc = f"page {page_no} item {i}"
            try:
                row = lister.canonical(item)
            except ValueError as exc:
                raw = ingest.json_record(item)
                if raw not in bad_seen:
                    bad_seen.add(raw)
                    rejected.append(Rejected(loc, raw, str(exc)))
                continue
            row["snapshot"] = job.snapshot
            row["location"] = loc
            rows.append(row)
        if len(rows) >= batch_size:
            yield Batch(batch_from_rows(rows), rejected)
            rows, rejected = [], []
    yield Batch(batch_from_rows(rows), rejected)


_CARRY = """
INSERT INTO observations (source, snapshot, model_id, downloads_30d, downloads_all_time,
    likes, carried_over)
SELECT o.source, ?, o.model_id, o.downloads_30d, o.downloads_all_time, o.likes, TRUE
FROM observations o
WHERE o.source = ? AND o.snapshot = (
        SELECT max(snapshot) FROM snapshots WHERE source = ? AND snapshot < ?)
  AND o.model_id NOT IN (SELECT id FROM _final)
  AND o.model_id NOT IN (SELECT model_id FROM observations WHERE source = ? AND snapshot = ?)
"""


def _population(job: Job, source: str, limit: int | None, partial: bool,
                given: str | None) -> tuple[str, str]:
    """(population, by) of a crawl's snapshot: the user's, else the declared one."""
    if given is not None:
        return given, "user"
    cut = (limit is not None or partial
           or json.loads(job.job_key or "{}").get("since") is not None)
    full = "modelscope" if source == "modelscope" else "hub"
    return (f"{full}-partial" if cut else full), "source"


def commit_job(store: Store, job: Job, lister: Lister, *, run_id: str, limit: int | None,
               carry_over: bool, summary: IngestSummary,
               coverage: Coverage | None = None, population: str | None = None) -> int:
    """Stage, validate and merge every page of ``job``; carry over; mark it done.

    Adds to ``summary`` and returns the number of carried-over observations. A
    partial ``coverage`` is recorded on the job (``partial``, ``expected_total``,
    ``listed_distinct``) and leaves ``listed`` false, so the snapshot is never read
    as a complete listing. The snapshot records its population: ``population``
    (the user's) when given, else what the crawl declares: its source's full listing
    (``hub``/``modelscope``) when nothing cut it (no ``--limit``/``--since``, not
    partial), else ``<source>-partial`` (the rule the inference of migration 0350 uses).
    """
    con = store.con
    part = IngestSummary(run_id)
    label = f"{lister.endpoint} ({job.source} crawl {job.job_id})"
    carried = 0
    with ingest.transaction(store, label):
        ingest.load_input(store, job_batches(store, job, lister, limit=limit), run_id=run_id,
                          label=label, hub=lister.source, simulated=False, part=part)
        if carry_over:
            rows = con.execute(
                _CARRY, [job.snapshot, lister.source, lister.source, job.snapshot,
                         lister.source, job.snapshot]
            ).fetchall()
            carried = int(rows[0][0]) if rows and rows[0][0] is not None else 0
            ingest.carried_over(store, lister.source, job.snapshot)
            con.execute(
                "INSERT INTO snapshots AS s (source, snapshot, models, committed_at, run_id,"
                " simulated) VALUES (?, ?, (SELECT count(*) FROM observations WHERE source = ?"
                " AND snapshot = ?), now(), ?, FALSE) ON CONFLICT (source, snapshot) DO UPDATE"
                " SET models = excluded.models, committed_at = excluded.committed_at,"
                " run_id = excluded.run_id",
                [lister.source, job.snapshot, lister.source, job.snapshot, run_id],
            )
            part.snapshots.append(job.snapshot.isoformat())
        partial = bool(coverage and coverage.partial)
        con.execute(
            "UPDATE crawl_jobs SET status = 'done', finished_at = now(), updated_at = now(),"
            " message = ?, partial = ?, listed = listed AND NOT ?, expected_total = ?,"
            " listed_distinct = ? WHERE job_id = ?",
            [coverage.reason if coverage else None, partial, partial,
             coverage.expected if coverage else None, coverage.listed if coverage else None,
             job.job_id],
        )
        con.execute("DELETE FROM crawl_pages WHERE job_id = ?", [job.job_id])
        ingest.record_population(con, lister.source, [job.snapshot],
                                 *_population(job, lister.source, limit, partial, population))
    job.status = "done"
    summary.inputs.append(label)
    part.observations += carried
    summary.add(part)
    return carried
