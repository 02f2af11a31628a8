"""ModelScope's public model list, mapped to the canonical record (``source = modelscope``).

Primary path, as the current SDK (``modelscope_hub``) lists models:
``GET {endpoint}/openapi/v1/models?owner=&sort=&page_number=&page_size=`` answers
``{"success": true, "data": {"models": [...], "total_count": N}}`` with snake_case
records (``id`` = ``owner/name``, ``downloads``, ``likes``, ``created_at``,
``last_modified``, ``license``, ``tasks``, ``tags``). Sources:
``modelscope_hub/_openapi.py`` ``OpenAPIClient.list_models`` (path, parameters,
``page_number * page_size <= 3000``, the ``data`` envelope);
``modelscope_hub/api.py`` ``HubApi._extract_paged`` (items under ``models``, total
under ``total_count`` / ``TotalCount`` / ``total``) and ``_repo_info_from_payload``
(snake_case and PascalCase field names); ``modelscope_hub/compat/hub_api.py``
``LegacyHubApi._OPENAPI_MAX_PAGE_SIZE = 50``; ``constants.py``
``DEFAULT_ENDPOINT = "https://modelscope.cn"``.

Fallback, when the openapi listing is missing (404, 405, a refused request, or an
answer that is not its envelope) at the first request of a crawl: the older
``PUT {endpoint}/api/v1/dolphin/models`` search (body ``{"Name", "Criterion",
"SingleCriterion", "SortBy", "PageNumber", "PageSize"}``, answer
``{"Success", "Data": {"Model": {"Models": [...], "TotalCount"}}}`` with PascalCase
records), as ModelScope's MCP server calls it
(``modelscope-mcp-server`` ``tools/model.py`` ``search_models``).

The openapi listing cannot go deeper than 3,000 models per query, so a crawl of
more is partitioned: first a sweep of the whole listing under each sort order (each
3,000 deep), then one listing per owner seen in the sweep. Paging stops on an
empty page or once ``total_count`` (or the cap) is reached, never on a short
page. A crawl that lists fewer distinct models than the total is committed as a
*partial* snapshot (see :meth:`ModelScopeLister.coverage`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from modelatlas.crawl.jobs import Coverage, Job
from modelatlas.errors import HubRefusedError, NetworkError, NotFoundError
from modelatlas.sources.hub_api import HubClient, Page
from modelatlas.sources.hubfields import as_int, as_text
from modelatlas.store.db import Store

OPENAPI_PATH = "/openapi/v1/models"
DOLPHIN_PATH = "/api/v1/dolphin/models"
PAGE_SIZE = 50  # modelscope_hub compat/hub_api.py: _OPENAPI_MAX_PAGE_SIZE
DEPTH_CAP = 3000  # modelscope_hub _openapi.py: page_number * page_size must be <= 3000
# Sort keys the openapi listing accepts (passed through by OpenAPIClient.list_models);
# each sweep reaches a different 3,000 models.
SORTS: tuple[str, ...] = ("downloads", "likes", "last_modified")
DOLPHIN_PAGE_SIZE = 100
DOLPHIN_SORT = "DownloadsCount"  # modelscope-mcp-server: Default|DownloadsCount|StarsCount|...
MAX_DOLPHIN_PAGES = 100_000  # a listing without a total still ends


class _BadEnvelope(NetworkError):
    """The answer is not the envelope this API is known to send."""


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
    """Tags/Tasks/Frameworks: a list of strings or of objects with a ``Name``/``name``."""
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
        elif isinstance(v, Mapping):
            name = v.get("Name", v.get("name"))
            if isinstance(name, str) and name:
                out.append(name)
    return out


def record_id(rec: Any) -> str | None:
    """``owner/name`` of a record in either shape, or None."""
    if not isinstance(rec, Mapping):
        return None
    if "Path" in rec or "Name" in rec:
        path, name = rec.get("Path"), rec.get("Name")
        ok = isinstance(path, str) and isinstance(name, str) and path and name
        return f"{path}/{name}" if ok else None
    mid = rec.get("id")
    if isinstance(mid, str) and mid.count("/") == 1 and all(mid.split("/")):
        return mid
    return None


def canonical(rec: Any) -> dict[str, Any]:
    """One canonical row from a ModelScope record (openapi snake_case or dolphin
    PascalCase); ValueError if unusable."""
    if not isinstance(rec, Mapping):
        raise ValueError("record is not an object")
    mid = record_id(rec)
    if mid is None:
        raise ValueError("missing Path or Name" if "Path" in rec or "Name" in rec
                         else "missing or malformed id (owner/name)")
    legacy = "Path" in rec or "Name" in rec

    def pick(new: str, old: str) -> Any:
        return rec.get(old) if legacy else rec.get(new, rec.get(old))

    tasks = _names(pick("tasks", "Tasks"))
    frameworks = _names(pick("frameworks", "Frameworks")) or _names(rec.get("library"))
    return {
        "id": mid,
        "author": mid.split("/", 1)[0],
        "created_at": _stamp(pick("created_at", "CreatedTime")),
        "last_modified": _stamp(pick("last_modified", "LastUpdatedTime")
                                or (None if legacy else rec.get("updated_at"))),
        "pipeline_tag": tasks[0] if tasks else None,
        "library": frameworks[0] if frameworks else None,
        "tags": _names(pick("tags", "Tags")),
        "downloads_30d": None,  # ModelScope shows a cumulative count only
        "downloads_all_time": as_int(pick("downloads", "Downloads"), "Downloads"),
        "likes": as_int(pick("likes", "Stars"), "Stars"),
        "card_license": as_text(pick("license", "License")),
    }


def unwrap_openapi(doc: Any, what: str) -> tuple[list[Any], int | None]:
    """``{"success", "data": {"models": [...], "total_count"}}`` -> (models, total)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("data"), dict):
        raise _BadEnvelope(f"{what}: not the openapi envelope (no data object)")
    if doc.get("success") is False:
        raise _BadEnvelope(f"{what}: ModelScope refused: {str(doc.get('message'))[:200]}")
    data = doc["data"]
    models = data.get("models", data.get("Models"))
    if not isinstance(models, list):
        raise _BadEnvelope(f"{what}: openapi answer has no data.models list")
    for key in ("total_count", "TotalCount", "total"):
        total = data.get(key)
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            return models, total
    return models, None


def unwrap_dolphin(doc: Any, what: str) -> tuple[list[Any], int | None]:
    """``{"Success", "Data": {"Model": {"Models": [...], "TotalCount"}}}`` -> (models, total)."""
    if not isinstance(doc, dict):
        raise _BadEnvelope(f"{what}: ModelScope answer is not a JSON object")
    if doc.get("Success") is False:
        msg = str(doc.get("Message") or doc.get("Code") or "unknown error")[:200]
        raise _BadEnvelope(f"{what}: ModelScope refused the request: {msg}")
    data = doc.get("Data") or {}
    block = data.get("Model", data) if isinstance(data, dict) else {}
    models = block.get("Models") if isinstance(block, dict) else None
    if not isinstance(models, list):
        raise _BadEnvelope(f"{what}: ModelScope answer has no Data.Model.Models list")
    total = block.get("TotalCount")
    if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
        return models, total
    return models, None


# Distinct ids of every stored page of a job, either record shape (set-based).
_IDS = """
    SELECT DISTINCT coalesce(
        json_extract_string(j.value, '$.id'),
        json_extract_string(j.value, '$.Path') || '/' || json_extract_string(j.value, '$.Name')
    ) AS id
    FROM crawl_pages p, json_each(p.body) j
    WHERE p.job_id = ? AND p.page_no <= ?
"""


class ModelScopeLister:
    """Every public ModelScope model: openapi sweeps, then per-owner listings."""

    source = "modelscope"
    sort = "downloads"

    def __init__(self, client: HubClient, *, page_size: int = PAGE_SIZE) -> None:
        self.client = client
        self.endpoint = client.endpoint
        self.page_size = max(1, min(page_size, PAGE_SIZE))
        self._store: Store | None = None
        self._job: Job | None = None
        self._owners: tuple[int, list[str]] | None = None
        self.api_used = "openapi"

    # -- the Lister protocol --------------------------------------------------------------

    def prepare(self, store: Store, job: Job) -> None:
        self._store, self._job = store, job

    def first_cursor(self) -> str:
        return json.dumps({"api": "o", "ph": "s", "si": 0, "p": 1, "n": self.page_size})

    def fetch(self, cursor: str, page_no: int) -> Page:
        if not cursor.startswith("{"):  # "<page>:<size>" of a job started by version 0.1
            number, _, size = cursor.partition(":")
            cursor = json.dumps({"api": "d", "p": int(number), "n": int(size or 100)})
        c = json.loads(cursor)
        if c.get("api") == "d":
            self.api_used = "dolphin"
            return self._dolphin(c, page_no)
        try:
            return self._openapi(c, page_no)
        except (NotFoundError, HubRefusedError, _BadEnvelope):
            if page_no != 1:
                raise
        self.api_used = "dolphin"
        return self._dolphin({"api": "d", "p": 1}, page_no)

    def canonical(self, item: Any) -> dict[str, Any]:
        return canonical(item)

    def last_page(self, page: Page) -> bool:
        return False

    def coverage(self, store: Store, job: Job) -> Coverage | None:
        """Distinct models listed against the total the listing announced."""
        row = store.con.execute(f"SELECT count(*) FROM ({_IDS}) WHERE id IS NOT NULL",
                                [job.job_id, job.pages_done]).fetchall()
        listed = int(row[0][0]) if row else 0
        expected = job.total_hint
        if expected is None or listed >= expected:
            return Coverage(expected, listed, False, None)
        return Coverage(expected, listed, True,
                        f"{listed:,} of the {expected:,} models ModelScope counts were listed"
                        f" (the {self.api_used} listing stops {DEPTH_CAP:,} deep per query;"
                        " owners never seen in a sweep are missing)")

    # -- openapi ----------------------------------------------------------------------------

    def _owners_from(self, sweep_pages: int) -> list[str]:
        """Owners seen in the sweep pages (deterministic, so a resumed crawl agrees)."""
        if self._owners is not None and self._owners[0] == sweep_pages:
            return self._owners[1]
        assert self._store is not None and self._job is not None, "prepare() not called"
        rows = self._store.con.execute(
            f"SELECT DISTINCT split_part(id, '/', 1) AS o FROM ({_IDS})"
            " WHERE id IS NOT NULL AND split_part(id, '/', 1) <> '' ORDER BY o",
            [self._job.job_id, sweep_pages]).fetchall()
        owners = [str(r[0]) for r in rows]
        self._owners = (sweep_pages, owners)
        return owners

    def _openapi(self, c: dict[str, Any], page_no: int) -> Page:
        n = int(c.get("n") or self.page_size)
        p, si = int(c["p"]), int(c.get("si", 0))
        params: list[tuple[str, str]] = []
        if c["ph"] == "o":
            owners = self._owners_from(int(c["sp"]))
            params.append(("owner", owners[int(c["oi"])]))
        params += [("sort", SORTS[si]), ("page_number", str(p)), ("page_size", str(n))]
        url = self.client.url(OPENAPI_PATH, params)
        what = f"page {page_no} ({url})"
        doc, _, _ = self.client.get(url, what=what)
        models, total = unwrap_openapi(doc, what)
        step = advance(p, n, int(c.get("g", 0)), models, total, cap=DEPTH_CAP)
        nxt: dict[str, Any] | None = dict(c, p=step.page, n=step.size, g=step.got)
        if c["ph"] == "s":
            if step.done:
                if total is not None and step.got >= total and si == 0:
                    nxt = None  # one query held the whole listing
                elif si + 1 < len(SORTS):
                    nxt = {"api": "o", "ph": "s", "si": si + 1, "p": 1, "n": step.size}
                else:
                    nxt = self._after_sweep(page_no, models, step.size)
            return Page(models, _dump(nxt), total, json.dumps(models, ensure_ascii=False))
        if step.done:
            oi, sp = int(c["oi"]), int(c["sp"])
            if total is not None and step.got < total and si + 1 < len(SORTS):
                nxt = dict(c, si=si + 1, p=1, n=step.size, g=0)  # a big owner: other orders
            elif oi + 1 < len(self._owners_from(sp)):
                nxt = {"api": "o", "ph": "o", "oi": oi + 1, "si": 0, "p": 1, "sp": sp,
                       "n": step.size}
            else:
                nxt = None
        return Page(models, _dump(nxt), None, json.dumps(models, ensure_ascii=False))

    def _after_sweep(self, page_no: int, models: list[Any], n: int) -> dict[str, Any] | None:
        """The owner phase starts after the last sweep page (``sp``); with no owner
        seen at all there is nothing to partition."""
        seen = {i.split("/", 1)[0] for i in (record_id(m) for m in models) if i}
        if not seen and not self._owners_from(page_no - 1):
            return None
        return {"api": "o", "ph": "o", "oi": 0, "si": 0, "p": 1, "sp": page_no, "n": n}

    # -- dolphin (fallback) -----------------------------------------------------------------

    def _dolphin(self, c: dict[str, Any], page_no: int) -> Page:
        p = int(c["p"])
        n = int(c.get("n") or (DOLPHIN_PAGE_SIZE if self.page_size == PAGE_SIZE
                               else self.page_size))
        body = {"Name": "", "Criterion": [], "SingleCriterion": [], "SortBy": DOLPHIN_SORT,
                "PageNumber": p, "PageSize": n}
        url = self.client.url(DOLPHIN_PATH)
        what = f"page {page_no} ({url} PageNumber={p})"
        doc, _, _ = self.client.get(url, what=what, method="PUT", body=body)
        models, total = unwrap_dolphin(doc, what)
        step = advance(p, n, int(c.get("g", 0)), models, total, cap=None)
        done = step.done or step.page > MAX_DOLPHIN_PAGES
        nxt = None if done else {"api": "d", "p": step.page, "n": step.size, "g": step.got}
        return Page(models, _dump(nxt), total, json.dumps(models, ensure_ascii=False))


@dataclass(frozen=True)
class Step:
    """Where a page-number listing goes next: the page, the page size, the models
    received so far in this query, and whether the query is exhausted."""

    page: int
    size: int
    got: int
    done: bool


def advance(page: int, size: int, got: int, models: list[Any], total: int | None, *,
            cap: int | None) -> Step:
    """Never stop on a short page: only on an empty one, once ``total`` models came
    back, or when the next request would pass the depth ``cap``
    (``page_number * page_size``). A server that serves fewer than asked (its own
    page maximum) is followed at its size, realigning the page number."""
    got += len(models)
    if not models or (total is not None and got >= total):
        return Step(page + 1, size, got, True)
    nxt, n = page + 1, size
    if len(models) < size:
        n = len(models)
        if got % n == 0:
            nxt = got // n + 1
    done = cap is not None and nxt * n > cap
    return Step(nxt, n, got, done)


def _dump(cursor: dict[str, Any] | None) -> str | None:
    return None if cursor is None else json.dumps(cursor, sort_keys=True)
