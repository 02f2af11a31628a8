"""Which files share an ingest transaction: small ones of one format, never a big one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from modelatlas import pipeline
from modelatlas.sources import registry
from modelatlas.sources.records import ReadPlan


def _planned(tmp_path: Path, sizes: list[int]) -> list[pipeline._Planned]:
    out = []
    for i, n in enumerate(sizes):
        p = tmp_path / f"f{i}.parquet"
        p.write_bytes(b"x" * n)
        out.append(pipeline._Planned(p, registry.get("hub-parquet"),
                                     ReadPlan(str(p), dt.date(2026, 1, 1 + i), 1000, None),
                                     False, i))
    return out


def test_small_files_share_big_files_go_alone(tmp_path: Path) -> None:
    small, big = 10_000, pipeline.SMALL_FILE + 1
    plan = _planned(tmp_path, [small, small, big, big, small, small, small])
    groups = [[p.order for p in g] for g in pipeline._groups(plan)]
    assert groups == [[0, 1], [2], [3], [4, 5, 6]]
