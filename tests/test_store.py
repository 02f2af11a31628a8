"""Store: migrations, reopening, refusal of unknown schema versions, transactions."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelatlas.errors import StoreError
from modelatlas.sources.records import Batch, Rejected, batch_from_rows
from modelatlas.store import open_store
from modelatlas.store.db import migrations
from modelatlas.store.ingest import commit_input


def test_migrations_apply_once_and_in_order(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    with open_store(p) as st:
        applied = [r[0] for r in st.sql("SELECT version FROM schema_migrations ORDER BY 1")
                   .fetchall()]
    assert applied == [v for v, _, _ in migrations()]
    with open_store(p) as st:  # reopening applies nothing twice
        assert st.scalar("SELECT count(*) FROM schema_migrations") == len(applied)


def test_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "s.duckdb"
    with open_store(p) as st:
        st.exec("INSERT INTO schema_migrations VALUES (9999, 'future', now())")
    with pytest.raises(StoreError, match="upgrade modelatlas"):
        open_store(p)


def test_missing_store_not_created_on_read(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="no store"):
        open_store(tmp_path / "absent.duckdb", create=False)
    assert not (tmp_path / "absent.duckdb").exists()


def test_failure_mid_input_rolls_back_everything(tmp_path: Path) -> None:
    import datetime as dt

    def batches():  # type: ignore[no-untyped-def]
        yield Batch(batch_from_rows([{"id": "a/b", "snapshot": dt.date(2025, 1, 1)}]),
                    [Rejected("line 2", "x", "bad")])
        raise OSError("disk went away")

    with open_store(tmp_path / "s.duckdb") as st:
        with pytest.raises(OSError):
            commit_input(st, batches(), run_id="r", source_label="test")
        assert st.scalar("SELECT count(*) FROM models") == 0
        assert st.scalar("SELECT count(*) FROM snapshots") == 0
        assert st.scalar("SELECT count(*) FROM quarantine") == 0
