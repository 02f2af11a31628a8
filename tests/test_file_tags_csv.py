"""The tag-list CSV reader: its columnar path gives what the per-row reference gives."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pyarrow as pa
import pytest

from modelatlas.sources import csvrows, file_tags_csv
from modelatlas.sources.records import Batch, ReadPlan, to_batches

HEADER = "created_at,model,author,downloads,likes,tags\n"

ODD_VALUES = {
    "created_at": ["2026-09-01T10:00:00Z", "2026-09-01T10:00:00.5+02:00", "", "2026-09-01",
                   "0001-01-01T00:00:00+14:00", "2026-02-30T10:00:00Z", "2026-09-01T10:00:00",
                   "2300-01-01T00:00:00Z", "not a date", " 2026-09-01T10:00:00Z"],
    "downloads": ["0", "12", "", "-3", " 7", "007", "99999999999999999999999", "1.5", "x",
                  "123456789012345678", "None"],
    "tags": ["", "a; b", "license:mit; base_model:finetune:o/m", ";;", " x ;y ", "cut; lic…",
             "cut; base_model:quantiz...", "région:eu", "a;; b"],
    "author": ["user", "", "Ünï"],
    "model": ["o/m", " o/m2 ", "o/ü", ""],
}


def _line(rng: random.Random, i: int) -> str:
    plain = rng.random() < 0.7
    created = "2026-09-01T10:00:00Z" if plain else rng.choice(ODD_VALUES["created_at"])
    model = f"org{i % 5}/m{i}" if plain or rng.random() < 0.5 else rng.choice(
        ODD_VALUES["model"])
    author = f"org{i % 5}" if plain else rng.choice(ODD_VALUES["author"])
    dls = str(i) if plain else rng.choice(ODD_VALUES["downloads"])
    tags = "transformers; license:apache-2.0" if plain else rng.choice(ODD_VALUES["tags"])
    if rng.random() < 0.03:
        return f'{created},{model}\n'  # wrong field count
    if rng.random() < 0.02:
        return f'{created},{model},{author},{dls},1,"a\x00b"\n'  # NUL byte
    return f'{created},"{model}","{author}",{dls},{i % 3},"{tags}"\n'


def _read_both(path: Path, batch: int) -> tuple[list[dict[str, object]], list[tuple[str, str]],
                                                  list[dict[str, object]], list[tuple[str, str]]]:
    plan = ReadPlan(str(path), dt.date(2026, 9, 30), batch)
    got = list(file_tags_csv.FORMAT.read(plan))
    items = ((loc, raw, row, err) for loc, row, raw, err in csvrows.rows(path))
    want = list(to_batches(items, plan, file_tags_csv._convert))

    def rows(bs: list[Batch]) -> list[dict[str, object]]:
        out: list[dict[str, object]] = pa.Table.from_batches([b.records for b in bs]).to_pylist()
        return out

    def rej(bs: list[Batch]) -> list[tuple[str, str]]:
        return sorted((r.location, r.reason) for b in bs for r in b.rejected)

    return rows(got), rej(got), rows(want), rej(want)


@pytest.mark.parametrize("seed,batch", [(1, 7), (2, 64), (3, 1000)])
def test_columnar_path_equals_per_row_reference(tmp_path: Path, seed: int, batch: int) -> None:
    rng = random.Random(seed)
    path = tmp_path / "new-models.csv"
    path.write_text(HEADER + "".join(_line(rng, i) for i in range(600)), encoding="utf-8")
    got_rows, got_rej, want_rows, want_rej = _read_both(path, batch)
    assert got_rows == want_rows  # same values, same order
    assert got_rej == want_rej
    assert len(got_rows) > 300 and got_rej  # both paths were exercised


def test_plain_rows_parse(tmp_path: Path) -> None:
    path = tmp_path / "new-models.csv"
    path.write_text(HEADER + '2026-09-01T10:00:00+02:00,o/m,o,5,,"a ;  b; ;c"\n'
                    "2026-09-01T10:00:00Z,o/n,o,,2,\n", encoding="utf-8")
    rows, rej, _, _ = _read_both(path, 100)
    assert not rej
    assert [r["tags"] for r in rows] == [["a", "b", "c"], []]
    assert [r["downloads_30d"] for r in rows] == [5, None]
    assert [r["likes"] for r in rows] == [None, 2]
    assert rows[0]["created_at"] == dt.datetime(2026, 9, 1, 8, tzinfo=dt.UTC)
    assert rows[0]["truncated_tags"] == [] and rows[0]["location"] == "line 2"
