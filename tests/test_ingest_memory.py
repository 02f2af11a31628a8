"""Bounded memory: staging never holds on to the Arrow batches it was given."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa

from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store import open_store
from modelatlas.store.ingest import IngestSummary, load_input, transaction


def _batches(n_batches: int, rows: int, seen: list[int]) -> Iterator[Batch]:
    for b in range(n_batches):
        tags = [f"license:mit-{'x' * 200}-{b}", "region:us"] * 10
        yield Batch(batch_from_rows([
            {"id": f"o{b}/m{i}", "snapshot": dt.date(2026, 1, 1), "tags": tags,
             "downloads_30d": i} for i in range(rows)]))
        seen.append(pa.total_allocated_bytes())


def test_staging_keeps_no_arrow_batch_alive() -> None:
    """Inside the ingest transaction, batches handed to DuckDB are released (a
    registered view would keep every one alive until commit: memory ~ input size)."""
    seen: list[int] = []
    with open_store(":memory:") as st, transaction(st, "mem"):
        base = pa.total_allocated_bytes()
        load_input(st, _batches(30, 2_000, seen), run_id="r", label="mem", hub="hf",
                   simulated=False, part=IngestSummary("r"))
        after = pa.total_allocated_bytes()
    one_batch = 2_000 * 20 * 210  # bytes of tag text in one batch
    assert max(seen) - base < 6 * one_batch
    assert after - base < 2 * one_batch  # 30 batches were staged: none is held
