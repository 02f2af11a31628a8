"""The crawl loop: resume the job, fetch and checkpoint pages, commit when listed.

``ingest_hub`` and ``ingest_modelscope`` are the library entry points behind
``modelatlas ingest hub|modelscope``. A page that still fails after the client's
bounded retries fails the run with a one-line ``NetworkError`` naming the page;
the job keeps its checkpoint, so rerunning the same command continues from it.
When the listing is complete the lister says how much of the source's announced
total it holds; a short listing is committed as a *partial* snapshot (summary
``partial: true`` with the counts), never as a full one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from modelatlas import derive, settings
from modelatlas.crawl import jobs
from modelatlas.crawl.commit import commit_job
from modelatlas.crawl.listers import HubLister, Lister
from modelatlas.errors import ModelAtlasError, NetworkError, UsageError
from modelatlas.metrics.populations import recordable
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.sources.hub_listing import DEFAULT_PAGE_SIZE, SORTS
from modelatlas.store.db import Store
from modelatlas.store.ingest import IngestSummary, finish_run, new_run


@dataclass
class Progress:
    """What the progress callback is told after each page."""

    pages: int
    models: int
    total: int | None
    limit: int | None


@dataclass
class CrawlSummary:
    """The run summary ``--json`` prints."""

    ingest: IngestSummary
    job_id: str = ""
    source: str = ""
    endpoint: str = ""
    snapshot: str = ""
    resumed: bool = False
    pages: int = 0
    models_listed: int = 0
    carried_over: int = 0
    requests: int = 0
    retries: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        d = self.ingest.as_dict()
        d.update(
            job_id=self.job_id, source=self.source, endpoint=self.endpoint,
            snapshot=self.snapshot, resumed=self.resumed, pages=self.pages,
            models_listed=self.models_listed, carried_over=self.carried_over,
            requests=self.requests, retries=self.retries,
        )  # fmt: skip
        d.update(self.extra)
        return d


OnPage = Callable[[Progress], None]


RERUN_HINT = "the checkpoint is kept, rerun the same command to continue"


def page_size(limit: int | None, default: int = DEFAULT_PAGE_SIZE) -> int:
    """Models per request: ``MODELATLAS_PAGE_SIZE`` when set, else ``default`` (the
    Hub: 500), never more than ``limit``."""
    raw = os.environ.get(settings.SETTINGS["page_size"].env)
    size = default
    if raw:
        if not raw.isdigit() or int(raw) < 1:
            raise UsageError(f"MODELATLAS_PAGE_SIZE must be a positive integer, not {raw!r}")
        size = int(raw)
    return max(1, min(size, limit)) if limit else size


def crawl(store: Store, lister: Lister, *, command: str, params: dict[str, Any],
          snapshot: dt.date | None, limit: int | None, carry_over: bool = False,
          on_page: OnPage | None = None, stats: Callable[[], tuple[int, int]] | None = None,
          population: str | None = None) -> CrawlSummary:
    """Run (or resume) the crawl job defined by ``params`` and commit its snapshot.

    ``population`` (``--population``) is recorded on the snapshot instead of what the
    crawl declares (its source's full listing, or ``<source>-partial``)."""
    if population is not None:
        population = recordable(population)
    run_id = new_run(store, command, jobs.key_of(params))
    summary = IngestSummary(run_id)
    job = jobs.open_job(store, source=lister.source, params=params,
                        endpoint=lister.endpoint, snapshot=snapshot, run_id=run_id)
    out = CrawlSummary(summary, job.job_id, lister.source, lister.endpoint,
                       job.snapshot.isoformat(), job.resumed)
    coverage = None
    try:
        lister.prepare(store, job)
        cursor = job.next_cursor or lister.first_cursor()
        while not job.listed:
            page_no = job.pages_done + 1
            page = lister.fetch(cursor, page_no)
            nxt = page.next_url
            if not page.items:
                nxt = None
            if limit is not None and job.models_fetched + len(page.items) >= limit:
                nxt = None
            if lister.last_page(page):
                nxt = None
            jobs.checkpoint(store, job, page_no, cursor, page, page.body, nxt)
            if on_page:
                on_page(Progress(job.pages_done, job.models_fetched, job.total_hint, limit))
            if nxt is not None:
                cursor = nxt
        if limit is None:
            coverage = lister.coverage(store, job)
        out.carried_over = commit_job(store, job, lister, run_id=run_id, limit=limit,
                                      carry_over=carry_over, summary=summary,
                                      coverage=coverage, population=population)
    except ModelAtlasError as exc:
        if isinstance(exc, NetworkError) and RERUN_HINT not in str(exc):
            exc.args = (f"{exc}; {RERUN_HINT}",)
        jobs.mark(store, job.job_id, "failed", str(exc))
        finish_run(store, summary, "failed", str(exc)[:2000])
        raise
    except BaseException:
        jobs.mark(store, job.job_id, "failed", "interrupted")
        finish_run(store, summary, "failed", "interrupted")
        raise
    out.pages = job.pages_done
    out.models_listed = job.models_fetched
    out.extra.update(
        partial=bool(coverage and coverage.partial),
        expected_total=coverage.expected if coverage else None,
        listed_distinct=coverage.listed if coverage else None,
        coverage_note=coverage.reason if coverage else None,
    )
    if stats:
        out.requests, out.retries = stats()
    finish_run(store, summary, "ok")
    if summary.snapshots:
        derive.refresh(store)
    return out


def endpoint_or_default(endpoint: str | None, setting: str) -> str:
    """``--endpoint``, else the setting's environment variable, else its default."""
    return (endpoint or settings.get(setting)).rstrip("/")


@contextlib.contextmanager
def _client(given: HubClient | None, endpoint: str | None, setting: str,
            token: str | bool | None) -> Iterator[HubClient]:
    """The caller's client (tests), or one for the endpoint that is closed afterwards.

    ``token=None`` sends the token huggingface_hub would find; ``False`` none.
    """
    if given is not None:
        yield given
        return
    cl = HubClient(endpoint_or_default(endpoint, setting), token=token,
                   policy=RetryPolicy.from_env())
    try:
        yield cl
    finally:
        cl.close()


def ingest_hub(
    store: Store,
    *,
    endpoint: str | None = None,
    limit: int | None = None,
    sort: str | None = None,
    since: dt.date | None = None,
    snapshot: dt.date | None = None,
    on_page: OnPage | None = None,
    client: HubClient | None = None,
    population: str | None = None,
) -> CrawlSummary:
    """Snapshot the Hub's model list (``modelatlas ingest hub``)."""
    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    if since is not None:
        if sort not in (None, "lastModified"):
            raise UsageError("--since lists models by lastModified; do not combine it with --sort")
        sort = "lastModified"
    sort = sort or "downloads"
    if sort not in SORTS:
        raise UsageError(f"--sort must be one of {'|'.join(SORTS)}")
    with _client(client, endpoint, "hf_endpoint", None) as cl:
        lister = HubLister(cl, sort=sort, page_size=page_size(limit), since=since)
        params = {"endpoint": cl.endpoint, "sort": sort, "limit": limit,
                  "since": since.isoformat() if since else None}
        return crawl(store, lister, command="ingest hub", params=params, snapshot=snapshot,
                     limit=limit, carry_over=since is not None, on_page=on_page,
                     stats=lambda: (cl.stats.requests, cl.stats.retries), population=population)


def ingest_modelscope(
    store: Store,
    *,
    endpoint: str | None = None,
    limit: int | None = None,
    snapshot: dt.date | None = None,
    on_page: OnPage | None = None,
    client: HubClient | None = None,
    population: str | None = None,
) -> CrawlSummary:
    """Snapshot ModelScope's public model list (``modelatlas ingest modelscope``)."""
    from modelatlas.sources.modelscope_api import PAGE_SIZE, ModelScopeLister

    if limit is not None and limit < 1:
        raise UsageError("--limit must be at least 1")
    # Never the Hub's token: ModelScope is another service.
    with _client(client, endpoint, "modelscope_endpoint", False) as cl:
        lister = ModelScopeLister(cl, page_size=min(page_size(limit, PAGE_SIZE), PAGE_SIZE))
        params = {"endpoint": cl.endpoint, "sort": lister.sort, "limit": limit}
        return crawl(store, lister, command="ingest modelscope", params=params,
                     snapshot=snapshot, limit=limit, on_page=on_page,
                     stats=lambda: (cl.stats.requests, cl.stats.retries), population=population)
