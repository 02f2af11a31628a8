"""``ingest details``: per-model details from the Hub, as its own client asks for them.

For each model: ``GET /api/models/{id}?blobs=true&securityStatus=true`` (card,
config, safetensors/gguf parameter counts, gating, siblings with size and LFS
SHA-256, the Hub's ``securityRepoStatus``), then the file tree at the same commit
with ``expand=true`` (the Hub's per-file ``securityFileStatus``). Stored in
``model_details`` and ``model_files`` (read by ``check``); the card's licence and
base models feed the model's row and lineage edges.

What the Hub answered is kept in ``repo_checks``: a repository that is not found
(404, ``X-Error-Code: RepoNotFound``, or 401 to a request without valid
credentials, as huggingface_hub reads it) is reported and recorded, not a
failure, so a list with deleted repositories finishes; gated and disabled
repositories are recorded as such. Transport faults, 408, 429 and 5xx are retried;
what still fails fails the run with one line, and a rerun resumes.

Resumable like a crawl: a ``crawl_jobs`` row (source ``hf-details``) keyed by
the endpoint and the list of ids; each model is written in its own
transaction, and a rerun skips the models already answered for by the job.
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

from modelatlas import derive, settings
from modelatlas.crawl import jobs
from modelatlas.errors import (
    DisabledRepoError,
    GatedRepoError,
    HubAnswer,
    HubRefusedError,
    InputError,
    ModelAtlasError,
    NetworkError,
    NotFoundError,
    RepoNotFoundError,
    UsageError,
)
from modelatlas.sources import hubfields
from modelatlas.sources.hub_api import HubClient, RepoFile, sibling_files
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
    gated: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)
    files: int = 0
    trees_truncated: int = 0
    quarantined: int = 0
    edges: int = 0
    resumed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id, "job_id": self.job_id, "requested": self.requested,
            "fetched": self.fetched, "skipped": self.skipped, "not_found": self.not_found,
            "gated": self.gated, "disabled": self.disabled, "renamed": self.renamed,
            "files": self.files, "trees_truncated": self.trees_truncated,
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
    """The ``model_details`` columns of one answer (siblings keep size, blob id and
    the LFS SHA-256, as ``ModelInfo`` reads them)."""
    siblings = [
        {"rfilename": f.path, "size": f.size, "blobId": f.blob_id,
         "lfs": {"sha256": f.lfs_sha256, "size": f.lfs_size} if f.lfs_sha256 else None}
        for f in sibling_files(info)
    ]  # fmt: skip
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
        _json(info.get("securityRepoStatus")),
    ]


@dataclass
class Fetched:
    """Everything ``ingest details`` learned about one model."""

    info: dict[str, Any]
    files: list[RepoFile]
    tree_status: str
    resolved_id: str | None


def merge_files(siblings: list[RepoFile], tree: list[RepoFile]) -> list[RepoFile]:
    """Siblings (always there with ``blobs``) overlaid with the tree's entries (which
    add the Hub's per-file scan); a file in only one of them is kept."""
    by_path = {f.path: f for f in siblings}
    for t in tree:
        s = by_path.get(t.path)
        by_path[t.path] = t if s is None else RepoFile(
            path=t.path, size=t.size if t.size is not None else s.size,
            blob_id=t.blob_id or s.blob_id, lfs_sha256=t.lfs_sha256 or s.lfs_sha256,
            lfs_size=t.lfs_size if t.lfs_size is not None else s.lfs_size,
            xet_hash=t.xet_hash, security_status=t.security_status, av_scan=t.av_scan,
            pickle_import_scan=t.pickle_import_scan)
    return list(by_path.values())


def fetch_one(client: HubClient, model_id: str, *, max_files: int) -> Fetched:
    """Model info, then its tree at the same commit. Raises the client's typed errors
    for the model itself; a tree the Hub refuses only lowers ``tree_status``."""
    info = client.model_info(model_id)
    answered = info.get("id") if isinstance(info.get("id"), str) else None
    resolved = answered if answered and answered != model_id else None
    sha = info.get("sha") if isinstance(info.get("sha"), str) else None
    siblings = sibling_files(info)
    try:
        tree = client.list_tree(resolved or model_id, revision=sha or "main", expand=True,
                                max_files=max_files)
    except GatedRepoError:
        return Fetched(info, siblings, "gated", resolved)
    except NotFoundError:
        return Fetched(info, siblings, "not_found", resolved)
    except HubRefusedError:
        return Fetched(info, siblings, "failed", resolved)
    status = "truncated" if tree.truncated else "ok"
    return Fetched(info, merge_files(siblings, tree.files), status, resolved)


def _file_rows(model_id: str, files: list[RepoFile]) -> list[list[Any]]:
    return [[model_id, f.path, f.size, f.blob_id, f.lfs_sha256, f.lfs_size, f.xet_hash,
             f.security_status, _json(f.av_scan), _json(f.pickle_import_scan)] for f in files]


def record_check(store: Store, model_id: str, status: str, *, run_id: str,
                 answer: HubAnswer | None = None, detail: str | None = None,
                 resolved_id: str | None = None) -> None:
    """What the Hub said about a repository (``repo_checks``, append-only)."""
    store.sql(
        "INSERT INTO repo_checks (model_id, source, checked_at, status, http_status,"
        " error_code, detail, resolved_id, run_id) VALUES (?, 'hf', now(), ?, ?, ?, ?, ?, ?)",
        [model_id, status, answer.status if answer else None, answer.code if answer else None,
         (detail or "")[:500] or None, resolved_id, run_id],
    )


def _store_one(store: Store, model_id: str, got: Fetched, row: dict[str, Any] | None,
               run_id: str) -> int:
    """Write one model's details, files and check, and feed card info back, in one
    transaction."""
    con = store.con
    edges = 0
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            "INSERT OR REPLACE INTO model_details (model_id, fetched_at, sha, card_data,"
            " siblings, config, safetensors, gated, raw, security_repo_status, resolved_id,"
            " tree_status) VALUES (?, now(), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*detail_row(model_id, got.info), got.resolved_id, got.tree_status],
        )
        con.execute("DELETE FROM model_files WHERE model_id = ?", [model_id])
        rows = _file_rows(model_id, got.files)
        if rows:
            con.executemany(
                "INSERT INTO model_files (model_id, path, size, blob_id, lfs_sha256, lfs_size,"
                " xet_hash, security_status, av_scan, pickle_import_scan, fetched_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())", rows)
        record_check(store, model_id, "ok", run_id=run_id, resolved_id=got.resolved_id)
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
            "SELECT model_id FROM repo_checks WHERE checked_at >= ?", [job.started_at]
        ).fetchall()
    }
    label = f"{client.endpoint}/api/models"
    tally = IngestSummary(run_id)
    max_files = _max_files()
    try:
        for i, model_id in enumerate(model_ids, 1):
            if model_id in done:
                out.skipped += 1
            else:
                _one(store, client, model_id, out, label=label, run_id=run_id,
                     max_files=max_files)
            if on_model:
                on_model(i, len(model_ids))
    except ModelAtlasError as exc:
        if isinstance(exc, NetworkError) and "rerun" not in str(exc):
            exc.args = (f"{exc}; the models fetched are kept, rerun the same command to"
                        " continue",)
        jobs.mark(store, job.job_id, "failed", str(exc))
        tally.records, tally.quarantined = out.fetched, out.quarantined
        finish_run(store, tally, "failed", str(exc)[:2000])
        raise
    jobs.mark(store, job.job_id, "done")
    tally.records, tally.quarantined = out.fetched, out.quarantined
    finish_run(store, tally, "ok")
    derive.refresh(store, extra=f"details:{job.job_id}:{dt.datetime.now(dt.UTC).isoformat()}")
    return out


def _max_files() -> int:
    raw = settings.get("tree_max_files")
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"MODELATLAS_TREE_MAX_FILES must be a positive integer, not {raw!r}")
    return int(raw)


def _one(store: Store, client: HubClient, model_id: str, out: DetailsSummary, *,
         label: str, run_id: str, max_files: int) -> None:
    """Fetch and store one model; a repository the Hub says is gone, gated or disabled
    is recorded and reported, not a failure."""
    try:
        got = fetch_one(client, model_id, max_files=max_files)
    except RepoNotFoundError as exc:
        out.not_found.append(model_id)
        record_check(store, model_id, "not_found", run_id=run_id, answer=exc, detail=str(exc))
        return
    except GatedRepoError as exc:
        out.gated.append(model_id)
        record_check(store, model_id, "gated", run_id=run_id, answer=exc, detail=str(exc))
        return
    except DisabledRepoError as exc:
        out.disabled.append(model_id)
        record_check(store, model_id, "disabled", run_id=run_id, answer=exc, detail=str(exc))
        return
    try:
        row: dict[str, Any] | None = hubfields.canonical(got.info)
        if row is not None and row.get("id") != model_id:
            row["id"] = model_id  # a renamed repo answers under its new id
    except ValueError as exc:
        row = None
        out.quarantined += quarantine(
            store, run_id, label,
            [Rejected(model_id, json.dumps(got.info, default=str)[:100_000], str(exc))])
    out.edges += _store_one(store, model_id, got, row, run_id)
    out.fetched += 1
    out.files += len(got.files)
    out.trees_truncated += got.tree_status == "truncated"
    if got.resolved_id:
        out.renamed[model_id] = got.resolved_id
