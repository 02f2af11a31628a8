"""The checkpoint of a crawl: one ``crawl_jobs`` row plus its fetched pages.

Why a job key: rerunning *the same command* must find the unfinished job it
left behind (same source, endpoint, sort, limit, since; same snapshot when one
was given), whatever the date is now, so a crawl killed before midnight still
completes the snapshot it started.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from modelatlas.sources.hub_api import Page
from modelatlas.store.db import Store

# An unfinished job older than this is abandoned rather than resumed.
MAX_RESUME_AGE = dt.timedelta(days=7)


@dataclass(frozen=True)
class Coverage:
    """How much of a source's announced total a finished listing holds.

    ``partial`` snapshots are committed but never count as full listings (so no
    model is reported removed because a capped listing missed it).
    """

    expected: int | None
    listed: int
    partial: bool
    reason: str | None


@dataclass
class Job:
    job_id: str
    source: str
    job_key: str
    endpoint: str
    snapshot: dt.date
    status: str
    next_cursor: str | None
    pages_done: int
    models_fetched: int
    total_hint: int | None
    listed: bool
    started_at: dt.datetime
    resumed: bool = False


_COLS = ("job_id, source, job_key, endpoint, snapshot, status, next_cursor, pages_done,"
         " models_fetched, total_hint, listed, started_at")


def key_of(params: Mapping[str, Any]) -> str:
    """Canonical JSON of the parameters that define a job."""
    return json.dumps(dict(params), sort_keys=True, default=str)


def _load(store: Store, where: str, args: list[Any]) -> Job | None:
    rows = store.rows(f"SELECT {_COLS} FROM crawl_jobs WHERE {where}"
                      " ORDER BY started_at DESC LIMIT 1", args)
    if not rows:
        return None
    r = rows[0]
    return Job(**r)


def open_job(
    store: Store,
    *,
    source: str,
    params: Mapping[str, Any],
    endpoint: str,
    snapshot: dt.date | None,
    run_id: str,
) -> Job:
    """Resume the unfinished job of the same command, or start a new one."""
    key = key_of(params)
    where = "source = ? AND job_key = ? AND status <> 'done' AND status <> 'abandoned'"
    args: list[Any] = [source, key]
    if snapshot is not None:
        where += " AND snapshot = ?"
        args.append(snapshot)
    job = _load(store, where, args)
    now = dt.datetime.now(dt.UTC)
    if job is not None and now - job.started_at > MAX_RESUME_AGE:
        abandon(store, job.job_id, "older than 7 days; started afresh")
        job = None
    if job is not None:
        store.sql(
            "UPDATE crawl_jobs SET status = 'running', run_id = ?, updated_at = now(),"
            " message = NULL WHERE job_id = ?",
            [run_id, job.job_id],
        )
        job.status = "running"
        job.resumed = True
        return job
    job_id = uuid.uuid4().hex[:16]
    snap = snapshot or now.date()
    store.sql(
        "INSERT INTO crawl_jobs (job_id, source, job_key, endpoint, snapshot, status,"
        " started_at, updated_at, run_id) VALUES (?, ?, ?, ?, ?, 'running', now(), now(), ?)",
        [job_id, source, key, endpoint, snap, run_id],
    )
    loaded = _load(store, "job_id = ?", [job_id])
    assert loaded is not None
    return loaded


def checkpoint(store: Store, job: Job, page_no: int, cursor: str, page: Page,
               body: str, next_cursor: str | None) -> None:
    """Record a fetched page and the cursor of the next one, atomically."""
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT OR REPLACE INTO crawl_pages (job_id, page_no, cursor, items, body,"
            " fetched_at) VALUES (?, ?, ?, ?, ?, now())",
            [job.job_id, page_no, cursor, len(page.items), body],
        )
        con.execute(
            "UPDATE crawl_jobs SET next_cursor = ?, pages_done = ?, models_fetched = ?,"
            " total_hint = coalesce(?, total_hint), listed = ?, updated_at = now()"
            " WHERE job_id = ?",
            [next_cursor, page_no, job.models_fetched + len(page.items), page.total,
             next_cursor is None, job.job_id],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    job.pages_done = page_no
    job.models_fetched += len(page.items)
    job.next_cursor = next_cursor
    job.listed = next_cursor is None
    if page.total is not None:
        job.total_hint = page.total


def mark(store: Store, job_id: str, status: str, message: str | None = None) -> None:
    store.sql(
        "UPDATE crawl_jobs SET status = ?, message = ?, updated_at = now(),"
        " finished_at = CASE WHEN ? = 'done' THEN now() ELSE finished_at END"
        " WHERE job_id = ?",
        [status, message, status, job_id],
    )


def abandon(store: Store, job_id: str, message: str) -> None:
    mark(store, job_id, "abandoned", message)
    store.sql("DELETE FROM crawl_pages WHERE job_id = ?", [job_id])


def pages(store: Store, job_id: str, chunk: int = 16) -> Iterator[tuple[int, str]]:
    """(page_no, body) in page order, read in chunks so other statements may run
    on the same connection between them (a DuckDB result is consumed whole)."""
    last = 0
    while True:
        rows = store.con.execute(
            "SELECT page_no, body FROM crawl_pages WHERE job_id = ? AND page_no > ?"
            " ORDER BY page_no LIMIT ?",
            [job_id, last, chunk],
        ).fetchall()
        if not rows:
            return
        for page_no, body in rows:
            yield int(page_no), str(body)
        last = int(rows[-1][0])
