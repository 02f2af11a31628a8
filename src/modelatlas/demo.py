"""The offline demo: a SIMULATED Hub through the whole pipeline to the report.

Nothing here touches the network. The store, the simulated files and the report
land in one folder, so the demo never writes into the user's real store.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.report import build_report
from modelatlas.store import open_store
from modelatlas.synth import SynthConfig, write_snapshots


@dataclass
class DemoResult:
    out: Path
    db: Path
    report_html: Path | None = None
    steps: list[str] = field(default_factory=list)


def run_demo(
    out: Path,
    *,
    models: int = 20_000,
    snapshots: int = 12,
    seed: int = 0,
    echo: Callable[[str], None] = print,
) -> DemoResult:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    db = out / "demo.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    result = DemoResult(out, db)
    t0 = time.perf_counter()
    echo(f"[1/4] simulating a Hub of {models:,} models over {snapshots} monthly snapshots"
         " (SIMULATED data)")
    files = write_snapshots(SynthConfig(models=models, snapshots=snapshots, seed=seed),
                            out / "simulated-hub")
    with open_store(db) as st:
        echo(f"[2/4] ingesting {len(files)} files into {db}")
        summary = ingest_files(st, files)
        echo(f"      {summary.observations:,} observations, {summary.edges:,} lineage edges,"
             f" {summary.quarantined} quarantined")
        echo("[3/4] deriving attribution, licences and lineage")
        derive.refresh(st)
    echo("[4/4] building the report")
    with Atlas.open(db) as atlas:
        result.report_html = build_report(atlas, out / "report").html
    echo(f"done in {time.perf_counter() - t0:.1f}s")
    return result
