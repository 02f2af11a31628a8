"""What a live source must provide to be crawled resumably, and the Hub's lister.

A lister turns an opaque string cursor into a page of raw records (the cursor is
what gets checkpointed: the Hub's ``Link`` URL, a ModelScope partition and page
number), maps a raw record to a canonical row, may end the listing early
(``--since``), and says at the end how much of the source's announced total the
listing holds (``coverage``). ModelScope's lister lives with its wire format in
:mod:`modelatlas.sources.modelscope_api`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from modelatlas.crawl.jobs import Coverage, Job
from modelatlas.errors import BadRequestError
from modelatlas.sources import hubfields
from modelatlas.sources.hub_api import HubClient, Page, smaller_page, with_limit
from modelatlas.store.db import Store


class Lister(Protocol):
    source: str  # observations.source / models.source: 'hf' | 'modelscope'
    endpoint: str

    def prepare(self, store: Store, job: Job) -> None: ...

    def first_cursor(self) -> str: ...

    def fetch(self, cursor: str, page_no: int) -> Page: ...

    def canonical(self, item: Any) -> dict[str, Any]: ...

    def last_page(self, page: Page) -> bool: ...

    def coverage(self, store: Store, job: Job) -> Coverage | None: ...


def remembered_page_size(store: Store, endpoint: str, resource: str) -> int | None:
    """The largest page size this endpoint accepted after refusing a bigger one."""
    v = store.scalar("SELECT page_size FROM api_limits WHERE endpoint = ? AND resource = ?",
                     [endpoint, resource])
    return int(v) if v is not None else None


def remember_page_size(store: Store, endpoint: str, resource: str, size: int) -> None:
    store.sql(
        "INSERT INTO api_limits (endpoint, resource, page_size, learned_at) VALUES (?, ?, ?,"
        " now()) ON CONFLICT (endpoint, resource) DO UPDATE SET page_size ="
        " excluded.page_size, learned_at = excluded.learned_at",
        [endpoint, resource, size],
    )


class HubLister:
    """``/api/models`` (always sorted descending by the Hub), followed by ``Link``.

    A page size the Hub refuses with HTTP 400 is retried one step smaller (1000,
    500, 250, 100, 50) and the accepted size is remembered per endpoint in
    ``api_limits``, so the next run starts with it.
    """

    source = "hf"
    resource = "models"

    def __init__(self, client: HubClient, *, sort: str, page_size: int,
                 since: dt.date | None = None) -> None:
        self.client = client
        self.endpoint = client.endpoint
        self.sort = sort
        self.page_size = page_size
        self.since = since
        self._store: Store | None = None

    def prepare(self, store: Store, job: Job) -> None:
        self._store = store
        known = remembered_page_size(store, self.endpoint, self.resource)
        if known is not None and known < self.page_size:
            self.page_size = known

    def first_cursor(self) -> str:
        return self.client.list_url(sort=self.sort, limit=self.page_size)

    def fetch(self, cursor: str, page_no: int) -> Page:
        stepped = False
        while True:
            url = with_limit(cursor, self.page_size)
            try:
                page = self.client.list_page(url, page_no=page_no)
            except BadRequestError:
                smaller = smaller_page(self.page_size)
                if smaller is None:
                    raise
                self.page_size, stepped = smaller, True  # and try again, one step down
                continue
            if stepped and self._store is not None:  # remembered once it worked
                remember_page_size(self._store, self.endpoint, self.resource, self.page_size)
            return page

    def canonical(self, item: Any) -> dict[str, Any]:
        return hubfields.canonical(item)

    def last_page(self, page: Page) -> bool:
        """With ``--since`` (sorted by lastModified, newest first) the listing ends
        at the first page holding a model modified before the date."""
        if self.since is None:
            return False
        cutoff = dt.datetime.combine(self.since, dt.time(), dt.UTC)
        for item in page.items:
            stamp = _modified(item)
            if stamp is not None and stamp < cutoff:
                return True
        return False

    def coverage(self, store: Store, job: Job) -> Coverage | None:
        """The Hub announces no total (no official client reads ``X-Total-Count``): a
        listing that followed ``Link`` to its end is taken as complete."""
        return None


def _modified(item: Any) -> dt.datetime | None:
    if not isinstance(item, dict):
        return None
    raw = hubfields.pick(item, hubfields.ALIASES["last_modified"])
    if not isinstance(raw, str):
        return None
    try:
        stamp = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
