"""A small SIMULATED store with hostile strings everywhere a page shows data.

The dashboard tests (in-process and in Chromium) build it once per module:
synth snapshots, then two snapshots of hostile records whose ids, org,
tags, task, library, card licence name and licence link carry script tags,
attribute breakouts, Rich markup (``[/]``) and ANSI escapes, so that a
licence change between the two also puts them on the changes page; and the
OSAI / MOF fixtures, so the openness tabs have rows. Every hostile payload
sets ``window.__pwned``: the browser test asserts it never exists.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.clirunner import run_cli

FIX = Path(__file__).parent / "fixtures" / "openness"
#: What a payload would run if it ever executed.
PWN = "window.__pwned=1"
SCRIPT = f"<script>{PWN}</script>"
IMG = f"<img src=x onerror={PWN}>"
BREAKOUT = f'"onerror="{PWN}'
ANSI = "\x1b[31mred\x1b[0m"
RICH = "[/][bold red]x"

#: Hostile model ids the ingest accepts (one '/', no white space).
EVIL_MODEL = f"evil/<img_src=x_onerror={PWN}>"
EVIL_ORG = f"<svg_onload={PWN}>"
EVIL_CHILD = f'{EVIL_ORG}/"onerror="{PWN}'
EVIL_ANSI = f"evil/{ANSI}"
ROOT = "Qwen"  # a catalog org the synth Hub always has


def hostile_records(license_tag: str) -> list[dict[str, object]]:
    return [
        {"id": EVIL_MODEL, "author": "evil", "createdAt": "2026-09-02T00:00:00Z",
         "downloads": 50_000, "likes": 2,
         "tags": [f"license:{license_tag}", SCRIPT, "[/]", RICH, ANSI, BREAKOUT],
         "pipeline_tag": SCRIPT, "library_name": "[/]",
         "cardData": {"license": "other", "license_name": SCRIPT,
                      "license_link": f"javascript:{PWN}"}},
        {"id": EVIL_CHILD, "author": EVIL_ORG, "createdAt": "2026-09-03T00:00:00Z",
         "downloads": 7_000, "likes": 0,
         "tags": [f"base_model:quantized:{EVIL_MODEL}", "license:mit", IMG]},
        {"id": EVIL_ANSI, "author": "evil", "createdAt": "2026-09-04T00:00:00Z",
         "downloads": 300, "likes": 0, "tags": [RICH, f"base_model:adapter:{EVIL_MODEL}"]},
    ]


def build(tmp: Path, *, models: int = 600, snapshots: int = 6) -> Path:
    """Write the store under ``tmp``; return its path."""
    files = write_snapshots(SynthConfig(models=models, snapshots=snapshots, seed=7),
                            tmp / "sim")
    end = SynthConfig().end
    before = (end.replace(day=1) - dt.timedelta(days=1))
    evil: list[Path] = []
    for day, tag in ((before, "apache-2.0"), (end, IMG)):
        f = tmp / f"evil-{day.isoformat()}.jsonl"
        f.write_text("".join(json.dumps(r) + "\n" for r in hostile_records(tag)))
        evil.append(f)
    db = tmp / "dash.duckdb"
    with open_store(db) as st:
        ingest_files(st, [*files, *evil])
    for fw, folder in (("osai", FIX / "osai"), ("mof", FIX / "mof" / "models")):
        r = run_cli("--db", str(db), "import", fw, str(folder))
        assert r.code == 0, r.err
    return db
