"""ModelScope listing: mapping, faults, persistent failure then resume, limit."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from modelatlas.crawl.run import ingest_modelscope
from modelatlas.errors import NetworkError
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.sources.modelscope_api import canonical
from modelatlas.store import Store
from tests.fakehub import FakeHub, Faults, make_ms_models, ms_ground_truth, running

D1 = dt.date(2026, 4, 1)


def fast_client(url: str) -> HubClient:
    pol = RetryPolicy(attempts=8, base=0.001, cap=0.01, timeout=10, wait_scale=0.0)
    return HubClient(url, policy=pol, sleep=lambda s: None, rng=random.Random(2))


def ms_state(store: Store, snap: dt.date) -> dict[str, tuple[int, int]]:
    rows = store.con.execute(
        "SELECT model_id, downloads_all_time, likes FROM observations"
        " WHERE source = 'modelscope' AND snapshot = ?", [snap]).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_canonical_maps_owner_times_counts_task_and_licence() -> None:
    row = canonical({
        "Path": "Qwen", "Name": "Qwen2.5-7B", "Downloads": 12, "Stars": 3,
        "CreatedTime": 1_700_000_000, "LastUpdatedTime": 1_700_000_000_000,
        "License": "Apache License 2.0", "Tags": ["chat"],
        "Tasks": [{"Name": "text-generation"}], "Frameworks": ["pytorch"],
    })
    assert row["id"] == "Qwen/Qwen2.5-7B" and row["author"] == "Qwen"
    assert row["created_at"] == "2023-11-14T22:13:20+00:00" == row["last_modified"]
    assert row["downloads_all_time"] == 12 and row["downloads_30d"] is None
    assert row["likes"] == 3 and row["pipeline_tag"] == "text-generation"
    assert row["card_license"] == "Apache License 2.0" and row["library"] == "pytorch"
    for bad in ({"Path": "", "Name": "x"}, {"Path": "a", "Name": "b", "Downloads": "many"}, 3):
        with pytest.raises(ValueError):
            canonical(bad)


def test_modelscope_with_faults_equals_ground_truth(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(3000), faults=Faults(rate=0.10, seed=9,
                                                                 slow_seconds=0.05))
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
    assert sum(hub.faults_served.values()) >= 2 and s.ingest.quarantined == 2
    assert store.scalar("SELECT count(*) FROM models WHERE source = 'modelscope'") == 3000
    lic = store.scalar("SELECT license_raw FROM models WHERE id = 'msorg0/ms-model-0'")
    assert lic in ("Apache License 2.0", "MIT", "other")
    methods = {m for m, _, _ in hub.requests}
    assert methods == {"PUT"}


def test_modelscope_persistent_failure_then_healthy_rerun(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(450), faults=Faults(fail_pages={3}))
    with running(hub):
        with fast_client(hub.base) as cl, pytest.raises(NetworkError) as err:
            ingest_modelscope(store, client=cl, snapshot=D1)
        assert "page 3" in str(err.value) and "PageNumber=3" in str(err.value)
        assert store.scalar("SELECT count(*) FROM observations") == 0
        hub.set_faults(Faults())
        with fast_client(hub.base) as cl:
            s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert s.resumed and s.pages == 5
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)


def test_modelscope_limit(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(300), ms_malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        ingest_modelscope(store, client=cl, limit=150, snapshot=D1)
    top = sorted(hub.ms_models, key=lambda m: (-m["Downloads"], m["Name"]))[:150]
    assert set(ms_state(store, D1)) == {f"{m['Path']}/{m['Name']}" for m in top}
