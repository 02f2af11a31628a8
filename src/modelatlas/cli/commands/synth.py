"""``modelatlas synth`` (a SIMULATED Hub) and ``modelatlas demo`` (offline, end to end)."""

from __future__ import annotations

from pathlib import Path

from modelatlas.cli.output import print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.queries import Param

SEED = Param("seed", "int", default=0, minimum=0, help="Random seed (same seed, same files).")


def synth(v: Values) -> None:
    """Write a SIMULATED Hub in the hub-dump Parquet format, one file per snapshot."""
    from modelatlas.synth import SynthConfig, write_snapshots

    paths = write_snapshots(SynthConfig(models=v["models"], snapshots=v["snapshots"],
                                        seed=v["seed"]), Path(v["out"]))
    if v["as_json"]:
        print_json({"files": [str(p) for p in paths], "simulated": True})
    else:
        print(f"wrote {len(paths)} SIMULATED snapshot file(s) to {v['out']}")


def demo(v: Values) -> None:
    """Offline demo: simulated Hub -> ingest -> metrics -> report (all labelled SIMULATED)."""
    from modelatlas.demo import run_demo

    result = run_demo(Path(v["out"]), models=v["models"], snapshots=v["snapshots"],
                      seed=v["seed"], echo=print)
    print(f"\nSIMULATED demo done. Open {result.report_html or result.out}")


COMMANDS = (
    Command(("synth",), "Write a SIMULATED Hub in the hub-dump Parquet format, one file per "
            "snapshot.",
            (Param("models", "int", default=20_000, minimum=50,
                   help="Models at the last snapshot."),
             Param("snapshots", "int", default=12, minimum=1, maximum=1000,
                   help="Monthly snapshots to write."),
             Param("out", required=True, max_length=4096,
                   help="Folder for the SIMULATED Parquet files."),
             SEED, Param("as_json", "bool", default=False, flag="--json")),
            synth),
    Command(("demo",), "Offline demo: simulated Hub -> ingest -> metrics -> report (all "
            "labelled SIMULATED).",
            (Param("out", default="modelatlas-demo", max_length=4096, help="Output folder."),
             Param("models", "int", default=20_000, minimum=50,
                   help="Size of the simulated Hub."),
             Param("snapshots", "int", default=12, minimum=1, maximum=1000), SEED),
            demo),
)
