"""``modelatlas synth`` (a SIMULATED Hub) and ``modelatlas demo`` (offline, end to end)."""

from __future__ import annotations

from pathlib import Path

import typer

from modelatlas.cli.output import print_json
from modelatlas.errors import UsageError


def synth(
    models: int = typer.Option(20_000, "--models", help="Models at the last snapshot."),
    snapshots: int = typer.Option(12, "--snapshots", help="Monthly snapshots to write."),
    out: Path = typer.Option(..., "--out", help="Folder for the SIMULATED Parquet files."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write a SIMULATED Hub in the hub-dump Parquet format, one file per snapshot."""
    from modelatlas.synth import SynthConfig, write_snapshots

    if models < 50 or snapshots < 1:
        raise UsageError("--models must be >= 50 and --snapshots >= 1")
    paths = write_snapshots(SynthConfig(models=models, snapshots=snapshots, seed=seed), out)
    if as_json:
        print_json({"files": [str(p) for p in paths], "simulated": True})
    else:
        print(f"wrote {len(paths)} SIMULATED snapshot file(s) to {out}")


def demo(
    out: Path = typer.Option(Path("modelatlas-demo"), "--out", help="Output folder."),
    models: int = typer.Option(20_000, "--models", help="Size of the simulated Hub."),
    snapshots: int = typer.Option(12, "--snapshots"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Offline demo: simulated Hub -> ingest -> metrics -> report (all labelled SIMULATED)."""
    from modelatlas.demo import run_demo

    result = run_demo(out, models=models, snapshots=snapshots, seed=seed, echo=print)
    print(f"\nSIMULATED demo done. Open {result.report_html or result.out}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
    app.command("demo")(demo)
