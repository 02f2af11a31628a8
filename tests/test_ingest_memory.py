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


def test_failed_commit_is_one_store_error() -> None:
    """DuckDB ends the transaction itself when a COMMIT fails (out of memory while
    writing a 5M-model input): the rollback after it must not raise a second error,
    so the command prints one line instead of a traceback."""
    import duckdb
    import pytest

    from modelatlas.errors import StoreError

    with open_store(":memory:") as st:
        with pytest.raises(StoreError, match=r"could not commit big\.csv"), \
                transaction(st, "big.csv") as con:
            con.execute("ROLLBACK")  # the transaction is gone before COMMIT
        assert st.con.execute("SELECT 1").fetchall() == [(1,)]
        oom = duckdb.TransactionException(
            "TransactionContext Error: Failed to commit: failed to pin block of size 256.0 KiB"
            "\n\nPossible solutions: ...")
        from modelatlas.store.ingest import _store_error

        msg = str(_store_error("big.csv", oom))
        assert "\n" not in msg and "MODELATLAS_INGEST_MEMORY_LIMIT" in msg
