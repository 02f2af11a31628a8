"""``ingest details``: per-model details from ``/api/models/{id}?blobs=true``.

Stores card metadata, file list with sizes (``check`` needs them), config,
safetensors parameter counts and gating in ``model_details``, and feeds what the
listing lacks back into the model's row: card licence (name, link), parameter
count, gating, and lineage edges from ``cardData.base_model``.

Resumable like a crawl: a ``crawl_jobs`` row (source ``hf-details``) keyed by
the endpoint and the list of ids; each model is written in its own
transaction, and a rerun skips the models already fetched by the job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelatlas import derive
from modelatlas.crawl import jobs
from modelatlas.errors import InputError, ModelAtlasError, NotFoundError, UsageError
from modelatlas.sources import hubfields
from modelatlas.sources.hub_api import HubClient
from modelatlas.sources.records import Rejected, batch_from_rows
from modelatlas.store import tagsql
from modelatlas.store.db import Store
from modelatlas.store.ingest import IngestSummary, finish_run, new_run, quarantine


@dataclass
class DetailsSummary:
    run_id: str
    job_id: str = ""
    requested: int = 0
    fetched: int = 0
    skipped: int = 0
    not_found: list[str] = field(default_factory=list)
    quarantined: int = 0
    edges: int = 0
    resumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "job_id": self.job_id, "requested": self.requested,
            "fetched": self.fetched, "skipped": self.skipped, "not_found": self.not_found,
            "quarantined": self.quarantined, "edges": self.edges, "resumed": self.resumed,
        }  # fmt: skip


def read_ids(path: Path) -> list[str]:
    """Model ids from a text file, one per line; blank lines and ``#`` comments skipped."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    ids: list[str] = []
    for line in text.splitlines():
        s = line.split("#", 1)[0].strip()
        if s and s not in ids:
            ids.append(s)
    return ids


def top_ids(store: Store, n: int) -> list[str]:
    """The ``n`` most downloaded Hub models of the latest Hub snapshot."""
    if n < 1:
        raise UsageError("--top must be at least 1")
    rows = store.con.execute(
        "SELECT model_id FROM observations WHERE source = 'hf' AND snapshot ="
        " (SELECT max(snapshot) FROM snapshots WHERE source = 'hf')"
        " ORDER BY downloads_30d DESC NULLS LAST, model_id LIMIT ?",
        [n],
    ).fetchall()
    return [str(r[0]) for r in rows]


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def detail_row(model_id: str, info: dict[str, Any]) -> list[Any]:
    """The ``model_details`` columns of one answer."""
    siblings = [
        {"rfilename": s.get("rfilename"), "size": s.get("size")}
        for s in info.get("siblings") or [] if isinstance(s, dict)
    ]
    gated = info.get("gated")
    return [
        model_id,
        info.get("sha"),
        _json(hubfields.card(info) or None),
        json.dumps(siblings, ensure_ascii=False),
        _json(info.get("config")),
        _json(info.get("safetensors")),
        None if gated is None else hubfields.as_text(gated),
        json.dumps(info, ensure_ascii=False, default=str),
    ]


def _store_one(store: Store, model_id: str, info: dict[str, Any],
               row: dict[str, Any] | None) -> int:
    """Write one model's details and feed card info back, in one transaction."""
    con = store.con
    edges = 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT OR REPLACE INTO model_details (model_id, fetched_at, sha, card_data,"
            " siblings, config, safetensors, gated, raw) VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?)",
            detail_row(model_id, info),
        )
        if row is not None:
            con.execute(
                "UPDATE models SET license_raw = coalesce(license_raw, ?),"
                " license_name = coalesce(?, license_name),"
                " license_link = coalesce(?, license_link), gated = coalesce(?, gated),"
                " params_total = coalesce(?, params_total) WHERE id = ?",
                [row.get("card_license"), row.get("card_license_name"),
                 row.get("card_license_link"), row.get("gated"), row.get("params_total"),
                 model_id],
            )
            if row.get("card_base_models") or row.get("tags"):
                tbl = pa.Table.from_batches([batch_from_rows([row])])
                con.register("_detail_row", tbl)
                try:
                    new = con.execute(
                        f"SELECT child, parent, relation, origin FROM"
                        f" ({tagsql.edges_query('_detail_row')})"
                        " WHERE child IN (SELECT id FROM models)"
                    ).fetchall()
                finally:
                    con.unregister("_detail_row")
                if new:
                    con.execute("DELETE FROM edges WHERE child = ?", [model_id])
                    con.executemany(
                        "INSERT INTO edges (child, parent, relation, origin) VALUES (?, ?, ?, ?)",
                        new,
                    )
                    edges = len(new)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return edges


def ingest_details(
    store: Store,
    client: HubClient,
    model_ids: Sequence[str],
    *,
    on_model: Callable[[int, int], None] | None = None,
) -> DetailsSummary:
    """Fetch and store details for ``model_ids``; resumes an unfinished identical run."""
    run_id = new_run(store, "ingest details", f"{len(model_ids)} models")
    out = DetailsSummary(run_id, requested=len(model_ids))
    digest = hashlib.sha256("\n".join(model_ids).encode()).hexdigest()[:16]
    job = jobs.open_job(store, source="hf-details",
                        params={"endpoint": client.endpoint, "models": digest},
                        endpoint=client.endpoint, snapshot=None, run_id=run_id)
    out.job_id, out.resumed = job.job_id, job.resumed
    done = {
        str(r[0]) for r in store.con.execute(
            "SELECT model_id FROM model_details WHERE fetched_at >= ?", [job.started_at]
        ).fetchall()
    }
    label = f"{client.endpoint}/api/models"
    tally = IngestSummary(run_id)
    try:
        for i, model_id in enumerate(model_ids, 1):
            if model_id in done:
                out.skipped += 1
            else:
                try:
                    info = client.model_info(model_id)
                except NotFoundError as exc:
                    out.not_found.append(model_id)
                    out.quarantined += quarantine(
                        store, run_id, label, [Rejected(model_id, model_id, str(exc))])
                    continue
                try:
                    row: dict[str, Any] | None = hubfields.canonical(info)
                    if row is not None and row.get("id") != model_id:
                        row["id"] = model_id  # a renamed repo answers under its new id
                except ValueError as exc:
                    row = None
                    out.quarantined += quarantine(
                        store, run_id, label,
                        [Rejected(model_id, json.dumps(info, default=str)[:100_000], str(exc))])
                out.edges += _store_one(store, model_id, info, row)
                out.fetched += 1
            if on_model:
                on_model(i, len(model_ids))
    except ModelAtlasError as exc:
        jobs.mark(store, job.job_id, "failed", str(exc))
        tally.records, tally.quarantined = out.fetched, out.quarantined
        finish_run(store, tally, "failed", str(exc)[:2000])
        raise
    jobs.mark(store, job.job_id, "done")
    tally.records, tally.quarantined = out.fetched, out.quarantined
    finish_run(store, tally, "ok")
    derive.refresh(store, extra=f"details:{job.job_id}:{dt.datetime.now(dt.UTC).isoformat()}")
    return out
