"""latest_observations equals the window over all observations, whatever the ingest order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store import open_store
from modelatlas.store.ingest import (
    IngestSummary,
    carried_over,
    commit_input,
    load_input,
    transaction,
)
from modelatlas.store.latest import COLS, WINDOW

DAYS = [dt.date(2026, 1, d) for d in (1, 2, 3, 5)]
IDS = [f"o{i % 3}/m{i}" for i in range(6)]

record = st.fixed_dictionaries({
    "id": st.sampled_from(IDS),
    "downloads_30d": st.integers(0, 50),
    "likes": st.one_of(st.none(), st.integers(0, 5)),
    "hour": st.one_of(st.none(), st.integers(0, 23)),
})
an_input = st.fixed_dictionaries({
    "hub": st.sampled_from(["hf", "modelscope"]),
    "day": st.sampled_from(DAYS),
    "rows": st.lists(record, min_size=1, max_size=6),
    "carry": st.booleans(),
})


def _rows(inp: dict[str, Any]) -> list[dict[str, Any]]:
    out = []
    for r in inp["rows"]:
        at = None if r["hour"] is None else dt.datetime.combine(
            inp["day"], dt.time(r["hour"]), dt.UTC)
        out.append({"id": r["id"], "downloads_30d": r["downloads_30d"], "likes": r["likes"],
                    "snapshot": inp["day"], "observed_at": at, "tags": ["license:mit"]})
    return out


CARRY = """
    INSERT INTO observations (source, snapshot, model_id, downloads_30d, downloads_all_time,
        likes, carried_over)
    SELECT o.source, ?, o.model_id, o.downloads_30d, o.downloads_all_time, o.likes, TRUE
    FROM observations o
    WHERE o.source = ? AND o.snapshot = (SELECT max(snapshot) FROM snapshots
                                         WHERE source = ? AND snapshot < ?)
      AND o.model_id NOT IN (SELECT id FROM _final)
      AND o.model_id NOT IN (SELECT model_id FROM observations WHERE source = ? AND snapshot = ?)
"""


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(an_input, min_size=1, max_size=7))
def test_latest_equals_window_after_any_ingest_order(inputs: list[dict[str, Any]]) -> None:
    with open_store(":memory:") as store:
        for k, inp in enumerate(inputs):
            batches = [Batch(batch_from_rows(_rows(inp)))]
            if inp["carry"]:  # a crawl with --since: carried-over rows in the same transaction
                with transaction(store, "crawl"):
                    load_input(store, batches, run_id=str(k), label="crawl", hub=inp["hub"],
                               simulated=False, part=IngestSummary(str(k)))
                    h, d = inp["hub"], inp["day"]
                    store.con.execute(CARRY, [d, h, h, d, h, d])
                    carried_over(store, h, d)
            else:
                commit_input(store, batches, run_id=str(k), source_label="x", hub=inp["hub"])
            got = sorted(store.sql(f"SELECT {COLS} FROM latest_observations").fetchall())
            want = sorted(store.sql(WINDOW).fetchall())
            assert got == want
            assert store.scalar("SELECT count(*) FROM latest_observations") == store.scalar(
                "SELECT count(DISTINCT model_id) FROM observations")
