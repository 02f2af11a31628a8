"""Point-lookup indexes survive bulk writes: set aside inside the transaction, rebuilt
before it commits, restored by a rollback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from modelatlas import derive
from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store import Store, indexes, open_store
from modelatlas.store.ingest import commit_input

ALL = sorted(indexes.KNOWN)


def _ingest(store: Store, ids: range, snap: dt.date) -> None:
    rows = [{"id": f"org/m{i}", "snapshot": snap, "downloads_30d": i,
             "tags": ["transformers", "license:mit",
                      *([f"base_model:finetune:org/m{i - 1}"] if i % 3 else [])]}
            for i in ids]
    commit_input(store, [Batch(batch_from_rows(rows))], run_id=str(snap),
                 source_label=str(snap))


def test_bulk_ingest_and_full_derive_keep_the_indexes(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as st:
        assert indexes.present(st.con, ("models", "edges", "roots")) == ALL
        _ingest(st, range(300), dt.date(2026, 1, 31))  # bulk: indexes set aside
        derive.refresh(st, force=True)  # full lineage rebuild: roots index set aside
        assert indexes.present(st.con, ("models", "edges", "roots")) == ALL
        _ingest(st, range(290, 310), dt.date(2026, 2, 28))  # small: maintained in place
        derive.refresh(st)
        # the rebuilt indexes hold every row: lookups through them find each one
        for i in (0, 150, 299, 305):
            assert st.scalar("SELECT count(*) FROM models WHERE id = ?", [f"org/m{i}"]) == 1
            assert st.scalar("SELECT count(*) FROM roots WHERE model_id = ?",
                             [f"org/m{i}"]) == 1
        assert st.scalar("SELECT count(*) FROM edges WHERE child = 'org/m299'") == 1
        assert st.scalar("SELECT count(*) FROM roots WHERE model_id = 'org/m301'") == 1
    with open_store(tmp_path / "s.duckdb", read_only=True) as ro:  # and they were committed
        assert indexes.present(ro.con, ("models", "edges", "roots")) == ALL


def test_a_failure_inside_restores_the_dropped_index(store: Store) -> None:
    con = store.con
    con.execute("BEGIN TRANSACTION")
    with pytest.raises(duckdb.Error), indexes.deferred(con, "roots") as names:
        assert names == ["roots_model_idx"]
        assert indexes.present(con, ("roots",)) == []
        con.execute("SELECT CAST('x' AS INTEGER)")
    con.execute("ROLLBACK")
    assert indexes.present(con, ("roots",)) == ["roots_model_idx"]


def test_only_whitelisted_indexes_are_touched(store: Store) -> None:
    store.con.execute("CREATE INDEX models_org_extra ON models (org)")
    store.con.execute("BEGIN TRANSACTION")
    with indexes.deferred(store.con, "models") as names:
        assert names == ["models_id_idx"]
    store.con.execute("COMMIT")
    left = {r[0] for r in store.con.execute(
        "SELECT index_name FROM duckdb_indexes() WHERE table_name = 'models'").fetchall()}
    assert left == {"models_id_idx", "models_org_extra"}
