"""ModelScope's public model list, mapped to the canonical record (``source = modelscope``).

Endpoint (as used by ModelScope's own clients; see docs/ingest.md for sources):
``PUT {endpoint}/api/v1/dolphin/models`` with a JSON body
``{"Name": "", "Criterion": [], "SingleCriterion": [], "SortBy": "DownloadsCount",
"PageNumber": n, "PageSize": s}`` answers
``{"Code": 200, "Success": true, "Data": {"Model": {"Models": [...], "TotalCount": N}}}``.
The ``modelscope`` SDK's ``HubApi.list_models(owner)`` uses the sibling
``PUT /api/v1/models/`` (``{"Path": owner, "PageNumber", "PageSize"}`` ->
``Data.Models`` / ``Data.TotalCount``) for one owner; the ``dolphin`` search is
the one that lists every owner, so it is what a whole-hub snapshot needs.

A model record carries ``Path`` (owner), ``Name``, ``ChineseName``,
``CreatedBy``, ``Downloads`` (cumulative), ``Stars``, ``CreatedTime`` and
``LastUpdatedTime`` (Unix seconds), and, when present, ``License``, ``Tags``,
``Tasks`` and ``Frameworks``; the last three may be strings or objects with a
``Name``. Paging is by page number, so the cursor we checkpoint is
``"<page>:<page size>"``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from modelatlas.errors import NetworkError
from modelatlas.sources.hub_api import HubClient, Page
from modelatlas.sources.hubfields import as_int, as_text

DEFAULT_PAGE_SIZE = 100
LIST_PATH = "/api/v1/dolphin/models"


def _stamp(value: Any) -> str | None:
    """Unix seconds (or milliseconds) or an ISO string -> ISO 8601 UTC text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    if isinstance(value, int | float):
        secs = float(value) / (1000 if value > 10**11 else 1)
        if secs <= 0:
            return None
        return dt.datetime.fromtimestamp(secs, dt.UTC).isoformat()
    if isinstance(value, str):
        s = value.strip()
        if s.isdigit():
            return _stamp(int(s))
        return s
    raise ValueError(f"not a timestamp: {value!r}"[:200])


def _names(value: Any) -> list[str]:
    """Tags/Tasks/Frameworks: a list of strings or of objects with a ``Name``."""
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list):
        raise ValueError(f"not a list: {value!r}"[:200])
    out = []
    for v in value:
        if isinstance(v, str) and v:
            out.append(v)
        elif isinstance(v, Mapping) and isinstance(v.get("Name"), str):
            out.append(str(v["Name"]))
    return out


def canonical(rec: Any) -> dict[str, Any]:
    """One canonical row from a ModelScope model record; ValueError if unusable."""
    if not isinstance(rec, Mapping):
        raise ValueError("record is not an object")
    path, name = rec.get("Path"), rec.get("Name")
    if not isinstance(path, str) or not isinstance(name, str) or not path or not name:
        raise ValueError("missing Path or Name")
    tasks = _names(rec.get("Tasks"))
    frameworks = _names(rec.get("Frameworks"))
    tags = _names(rec.get("Tags"))
    licence = as_text(rec.get("License"))
    return {
        "id": f"{path}/{name}",
        "author": path,
        "created_at": _stamp(rec.get("CreatedTime")),
        "last_modified": _stamp(rec.get("LastUpdatedTime")),
        "pipeline_tag": tasks[0] if tasks else None,
        "library": frameworks[0] if frameworks else None,
        "tags": tags,
        "downloads_30d": None,  # ModelScope shows a cumulative count only
        "downloads_all_time": as_int(rec.get("Downloads"), "Downloads"),
        "likes": as_int(rec.get("Stars"), "Stars"),
        "card_license": licence,
    }


class ModelScopeLister:
    """Page-number listing of every public ModelScope model, most downloaded first."""

    source = "modelscope"
    sort = "DownloadsCount"

    def __init__(self, client: HubClient, *, page_size: int = DEFAULT_PAGE_SIZE) -> None:
        self.client = client
        self.endpoint = client.endpoint
        self.page_size = page_size

    def first_cursor(self) -> str:
        return f"1:{self.page_size}"

    def fetch(self, cursor: str, page_no: int) -> Page:
        number, _, size = cursor.partition(":")
        n, s = int(number), int(size or self.page_size)
        body = {"Name": "", "Criterion": [], "SingleCriterion": [], "SortBy": self.sort,
                "PageNumber": n, "PageSize": s}
        url = self.client.url(LIST_PATH)
        doc, _, _ = self.client.get(url, what=f"page {page_no} ({url} PageNumber={n})",
                                    method="PUT", body=body)
        models, total = _unwrap(doc, page_no)
        nxt = f"{n + 1}:{s}" if len(models) >= s and (total is None or n * s < total) else None
        return Page(models, nxt, total, json.dumps(models, ensure_ascii=False))

    def canonical(self, item: Any) -> dict[str, Any]:
        return canonical(item)

    def last_page(self, page: Page) -> bool:
        return False


def _unwrap(doc: Any, page_no: int) -> tuple[list[Any], int | None]:
    if not isinstance(doc, dict):
        raise NetworkError(f"page {page_no}: ModelScope answer is not a JSON object")
    if doc.get("Success") is False:
        msg = str(doc.get("Message") or doc.get("Code") or "unknown error")[:200]
        raise NetworkError(f"page {page_no}: ModelScope refused the request: {msg}")
    data = doc.get("Data") or {}
    block = data.get("Model", data) if isinstance(data, dict) else {}
    models = block.get("Models") if isinstance(block, dict) else None
    if not isinstance(models, list):
        raise NetworkError(f"page {page_no}: ModelScope answer has no Data.Model.Models list")
    total = block.get("TotalCount")
    return models, int(total) if isinstance(total, int) else None
