"""What a live source must provide to be crawled resumably.

A lister turns an opaque string cursor into a page of raw records (the cursor
is what gets checkpointed: the Hub's ``Link`` URL, ModelScope's page number),
maps a raw record to a canonical row, and may end the listing early (``--since``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from modelatlas.sources import hubfields
from modelatlas.sources.hub_api import HubClient, Page


class Lister(Protocol):
    source: str  # observations.source / models.source: 'hf' | 'modelscope'
    endpoint: str

    def first_cursor(self) -> str: ...

    def fetch(self, cursor: str, page_no: int) -> Page: ...

    def canonical(self, item: Any) -> dict[str, Any]: ...

    def last_page(self, page: Page) -> bool: ...


class HubLister:
    """``/api/models`` sorted descending, followed by ``Link: rel="next"``."""

    source = "hf"

    def __init__(self, client: HubClient, *, sort: str, page_size: int,
                 since: dt.date | None = None) -> None:
        self.client = client
        self.endpoint = client.endpoint
        self.sort = sort
        self.page_size = page_size
        self.since = since

    def first_cursor(self) -> str:
        return self.client.list_url(sort=self.sort, limit=self.page_size)

    def fetch(self, cursor: str, page_no: int) -> Page:
        return self.client.list_page(cursor, page_no=page_no)

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
