"""Small hand-built stores for the adoption-metric tests (hub-dump Parquet -> ingest)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from modelatlas.pipeline import ingest_files
from modelatlas.store.db import Store

SCHEMA = pa.schema([
    ("id", pa.string()), ("author", pa.string()), ("createdAt", pa.string()),
    ("downloads", pa.int64()), ("downloadsAllTime", pa.int64()), ("likes", pa.int64()),
    ("tags", pa.list_(pa.string())), ("parameters", pa.int64()), ("snapshot", pa.date32()),
])


def obs(model: str, snapshot: str, downloads: int | None, *, likes: int = 0,
        all_time: int | None = None, created: str | None = "2025-01-01T00:00:00Z",
        tags: Sequence[str] = (), params: int | None = None) -> dict[str, Any]:
    """One hub-dump row."""
    return {"id": model, "author": model.split("/")[0] if "/" in model else None,
            "createdAt": created, "downloads": downloads, "downloadsAllTime": all_time,
            "likes": likes, "tags": list(tags), "parameters": params,
            "snapshot": dt.date.fromisoformat(snapshot)}


def load(store: Store, tmp: Path, rows: Sequence[dict[str, Any]]) -> None:
    """Write one Parquet file per snapshot and ingest them all."""
    by_snap: dict[dt.date, list[dict[str, Any]]] = {}
    for r in rows:
        by_snap.setdefault(r["snapshot"], []).append(r)
    paths = []
    for snap, rs in sorted(by_snap.items()):
        p = tmp / f"hub-{snap.isoformat()}.parquet"
        pq.write_table(pa.Table.from_pylist(rs, schema=SCHEMA), p)
        paths.append(p)
    summary = ingest_files(store, paths)
    assert not summary.failed, summary.failed


def set_orgs(store: Store, rows: Sequence[tuple[str, str, str, str]]) -> None:
    """Replace ``orgs`` with (namespace, country, region, kind) rows."""
    store.sql("DELETE FROM orgs")
    for ns, country, region, kind in rows:
        store.sql(
            "INSERT INTO orgs (org, namespace, country, region, kind, origin)"
            " VALUES (?, ?, ?, ?, ?, 'catalog')", [ns.lower(), ns, country, region, kind])


def set_roots(store: Store, rows: Sequence[tuple[str, str, float, str | None]]) -> None:
    """Replace ``roots`` with (model_id, root_id, weight, family) rows."""
    store.sql("DELETE FROM roots")
    for model, root, weight, family in rows:
        store.sql(
            "INSERT INTO roots (model_id, root_id, depth, weight, family) VALUES (?, ?, ?, ?, ?)",
            [model, root, 0 if model == root else 1, weight, family])
