"""An input larger than ``MODELATLAS_INGEST_PART_ROWS`` is merged in several transactions
(one per set of model ids); the store ends exactly as one transaction leaves it, a
rerun changes no count, and a kill -9 between the parts leaves a consistent store
that a rerun completes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from modelatlas.store import indexes, open_store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.storedump import DUMPS, counts, dump

HEADER = "created_at,model,author,downloads,likes,tags\n"


def _csv(path: Path, n: int) -> Path:
    """A new-models list with what a split must not tear apart: the same model
    twice (the later line wins), bad lines (quarantined), parents, licences."""
    lines = [HEADER]
    for i in range(n):
        tags = f"license:{'mit' if i % 3 else 'apache-2.0'}"
        if i % 4:
            tags += f"; base_model:finetune:org/m{i // 4}"
        lines.append(f"2026-09-0{1 + i % 9}T10:00:00Z,org/m{i},org,{i},{i % 5},{tags}\n")
        if i % 37 == 0:  # seen again later in the file, with other counts and licence
            lines.append(f"2026-09-01T10:00:00Z,org/m{i},org,{i + 1000},9,license:llama3.1\n")
        if i % 101 == 0:
            lines.append(f"2026-09-01T10:00:00Z,org/bad {i},org,1,1,license:mit\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def _files(tmp_path: Path) -> list[Path]:
    sim = write_snapshots(SynthConfig(models=1500, snapshots=2, seed=5), tmp_path / "sim")
    return [*sim, _csv(tmp_path / "new-models-2026-09-30.csv", 900)]


def _cli(db: Path, files: list[Path], part_rows: int | None, prelude: str = ""
         ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if part_rows is not None:
        env["MODELATLAS_INGEST_PART_ROWS"] = str(part_rows)
    code = prelude + "from modelatlas.cli import run\nrun()\n"
    return subprocess.run([sys.executable, "-c", code, "--db", str(db), "ingest", "file",
                           *map(str, files)], env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def truth(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], dict[str, list[str]]]:
    """The files, and the store one transaction per input leaves (the default size)."""
    tmp = tmp_path_factory.mktemp("parts")
    files = _files(tmp)
    db = tmp / "one.duckdb"
    done = _cli(db, files, None)
    assert done.returncode == 0, done.stderr
    return files, dump(db)


def test_parts_give_the_store_of_one_transaction(
        truth: tuple[list[Path], dict[str, list[str]]], tmp_path: Path) -> None:
    files, want = truth
    db = tmp_path / "parts.duckdb"
    done = _cli(db, files, 300)  # ~1450-1500 models per dump: 5 parts, the CSV 4
    assert done.returncode == 0, done.stderr
    got = dump(db)
    assert len(want["quarantine"]) == 9 and len(want["edges"]) > 600  # the input is varied
    for table in DUMPS:
        assert got[table] == want[table], table
    with open_store(db) as st:  # the indexes the first (bulk) input set aside are back
        assert indexes.present(st.con, ("models", "edges", "roots")) == sorted(indexes.KNOWN)
    before = counts(db)
    again = _cli(db, files, 300)  # re-ingesting the same input changes no count
    assert again.returncode == 0, again.stderr
    assert counts(db) == {**before, "quarantine": 2 * before["quarantine"]}


KILL_AFTER_TWO_PARTS = """
import os, signal
from modelatlas.store import ingest
_seen = []
_add = ingest.IngestSummary.add
def add(self, other):
    _add(self, other)
    if other.models and not other.records:  # a part that has just committed
        _seen.append(1)
        if len(_seen) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
ingest.IngestSummary.add = add
"""


def test_kill_between_parts_leaves_a_consistent_store_a_rerun_completes(
        truth: tuple[list[Path], dict[str, list[str]]], tmp_path: Path) -> None:
    files, want = truth
    db = tmp_path / "killed.duckdb"
    first = files[:1]  # a bulk input: its indexes are set aside in its first part
    killed = _cli(db, first, 300, KILL_AFTER_TWO_PARTS)
    assert killed.returncode == -9, killed.stderr
    with open_store(db) as st:
        n = int(st.scalar("SELECT count(*) FROM models"))
        assert 0 < n < 1454  # two of five parts
        # each stored model is whole: its observation, latest observation, history
        assert st.scalar("SELECT count(*) FROM observations") == n
        assert st.scalar("SELECT count(*) FROM latest_observations") == n
        assert st.scalar("SELECT count(DISTINCT model_id) FROM model_history") == n
        assert st.scalar("SELECT count(*) FROM edges e ANTI JOIN models m"
                         " ON m.id = e.child") == 0
        # the snapshot is not listed before its last part, and nothing is quarantined
        assert st.scalar("SELECT count(*) FROM snapshots") == 0
        assert st.scalar("SELECT count(*) FROM snapshot_scope") == 0
        assert st.scalar("SELECT count(*) FROM quarantine") == 0
        assert indexes.present(st.con, ("models", "edges")) == []
        # a full derive is pending (derive has not seen these models yet)
        assert st.scalar("SELECT count(*) FROM derive_dirty WHERE model_id IS NULL") >= 1
    done = _cli(db, files, 300)  # the rerun: every file, the killed one again
    assert done.returncode == 0, done.stderr
    got = dump(db)
    for table in DUMPS:
        assert got[table] == want[table], table
    with open_store(db) as st:
        assert indexes.present(st.con, ("models", "edges", "roots")) == sorted(indexes.KNOWN)
        runs: Any = dict(st.sql("SELECT status, count(*) FROM ingest_runs GROUP BY 1")
                         .fetchall())
        assert runs == {"interrupted": 1, "ok": 1}


@pytest.mark.parametrize("value", ["0", "many", "-5", "1e6"])
def test_bad_part_rows_is_one_line(tmp_path: Path, value: str) -> None:
    path = _csv(tmp_path / "new-models-2026-09-30.csv", 5)
    env = dict(os.environ, MODELATLAS_INGEST_PART_ROWS=value)
    done = subprocess.run([sys.executable, "-m", "modelatlas", "--db", str(tmp_path / "s.db"),
                           "ingest", "file", str(path)], env=env, capture_output=True,
                          text=True)
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "MODELATLAS_INGEST_PART_ROWS must be a positive whole number" in done.stderr
