"""The simulated Hub: reproducible, labelled SIMULATED, calibrated on real shapes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from modelatlas.pipeline import ingest_files
from modelatlas.store import Store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.clirunner import run_cli


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("sim")
    return write_snapshots(SynthConfig(models=60_000, snapshots=6, seed=7), out)


def test_same_seed_same_files(tmp_path: Path) -> None:
    a = write_snapshots(SynthConfig(models=2_000, snapshots=2, seed=3), tmp_path / "a")
    b = write_snapshots(SynthConfig(models=2_000, snapshots=2, seed=3), tmp_path / "b")
    c = write_snapshots(SynthConfig(models=2_000, snapshots=2, seed=4), tmp_path / "c")
    assert pq.read_table(a[-1]).equals(pq.read_table(b[-1]))
    assert not pq.read_table(a[-1]).equals(pq.read_table(c[-1]))


def test_everything_is_labelled_simulated(sim: list[Path], store: Store) -> None:
    assert all("SIMULATED" in p.name for p in sim)
    assert pq.read_schema(sim[0]).metadata[b"modelatlas.simulated"] == b"true"
    assert (sim[0].parent / "README.SIMULATED.txt").exists()
    ingest_files(store, sim[:2])
    assert store.scalar("SELECT bool_and(simulated) FROM snapshots") is True


def test_calibrated_shapes(sim: list[Path]) -> None:
    t = pq.read_table(sim[-1]).to_pandas()
    lifetime = t["downloadsAllTime"].to_numpy()
    assert 0.80 <= (lifetime < 200).mean() <= 0.92  # ~85% under 200 lifetime downloads
    s = np.sort(lifetime)[::-1]
    top = (np.searchsorted(np.cumsum(s) / s.sum(), 0.99) + 1) / s.size
    assert 0.005 <= top <= 0.04  # ~1.5% of repos hold 99% of downloads
    orgs = t["author"].value_counts()
    assert (orgs >= 20).sum() >= 30  # organisations with many releases
    assert (orgs == 1).sum() > 1000  # a long tail of one-off uploaders
    assert t["id"].is_unique


def test_lineage_shape(sim: list[Path], store: Store) -> None:
    ingest_files(store, [sim[-1]])
    rel = dict(store.sql("SELECT relation, count(*) FROM edges GROUP BY 1").fetchall())
    assert set(rel) == {"finetune", "adapter", "quantized", "merge"}
    # Quantized repos are leaves.
    q_parents = store.scalar(
        "SELECT count(*) FROM edges e JOIN edges q ON q.child = e.parent"
        " WHERE q.relation = 'quantized'"
    )
    assert q_parents == 0
    # Merges have two or three parents.
    per_merge = [r[0] for r in store.sql(
        "SELECT count(*) FROM edges WHERE relation = 'merge' GROUP BY child").fetchall()]
    assert per_merge and min(per_merge) >= 2 and max(per_merge) <= 3
    # Most derivatives hang off a few roots: the top 20 parents hold most edges.
    top = store.scalar(
        "SELECT sum(n) FROM (SELECT count(*) n FROM edges GROUP BY parent ORDER BY n DESC"
        " LIMIT 20)")
    assert top / store.scalar("SELECT count(*) FROM edges") > 0.3
    # Parents are created before their children.
    later = store.scalar(
        "SELECT count(*) FROM edges e JOIN models c ON c.id = e.child"
        " JOIN models p ON p.id = e.parent WHERE p.created_at > c.created_at")
    assert later == 0


def test_growth_across_snapshots(sim: list[Path]) -> None:
    sizes = [pq.read_metadata(p).num_rows for p in sim]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]


def test_synth_cli(tmp_path: Path) -> None:
    res = run_cli("synth", "--models", "500", "--snapshots", "2", "--out", str(tmp_path))
    assert res.code == 0 and "SIMULATED" in res.out
    assert len(list(tmp_path.glob("*.parquet"))) == 2
    assert run_cli("synth", "--models", "5", "--out", str(tmp_path)).code == 2
