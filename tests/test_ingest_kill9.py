"""``ingest file`` (with its incremental derive) killed with SIGKILL at random moments, then
rerun: the store ends equal to a run that was never interrupted."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from modelatlas.store import open_store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.storedump import DUMPS, dump


def _cmd(db: Path, files: list[Path]) -> list[str]:
    return [sys.executable, "-m", "modelatlas", "--db", str(db), "ingest", "file",
            *map(str, files)]


def test_kill9_rerun_cycles_end_equal_to_an_uninterrupted_run(tmp_path: Path) -> None:
    files = write_snapshots(SynthConfig(models=4000, snapshots=4, seed=11), tmp_path / "sim")
    env = dict(os.environ)
    truth = tmp_path / "truth.duckdb"
    subprocess.run(_cmd(truth, files), env=env, check=True, capture_output=True)
    db = tmp_path / "killed.duckdb"
    rng = random.Random(3)
    kills = 0
    for _ in range(12):
        proc = subprocess.Popen(_cmd(db, files), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 6.0))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 3  # most runs were cut short somewhere
    done = subprocess.run(_cmd(db, files), env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got, want = dump(db), dump(truth)
    for table in DUMPS:
        assert got[table] == want[table], table
    with open_store(db) as st:
        runs: Any = st.sql("SELECT status, count(*) FROM ingest_runs GROUP BY 1").fetchall()
        assert "running" not in dict(runs)
