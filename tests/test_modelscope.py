"""ModelScope listing against a fake that pages as the current SDK's service does: the
openapi listing (50 per page, 3,000 deep), partitions, coverage, the dolphin fallback."""

from __future__ import annotations

import datetime as dt
import random
from urllib.parse import parse_qs, urlsplit

import pytest

from modelatlas.crawl.run import ingest_modelscope
from modelatlas.errors import NetworkError
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.sources.modelscope_api import advance, canonical, unwrap_openapi
from modelatlas.store import Store
from tests.fakehub import (
    MS_DEPTH_CAP,
    FakeHub,
    Faults,
    make_ms_models,
    make_quiet_ms_models,
    ms_ground_truth,
    ms_openapi_record,
    running,
)

D1 = dt.date(2026, 4, 1)


def fast_client(url: str) -> HubClient:
    pol = RetryPolicy(attempts=8, base=0.001, cap=0.01, timeout=10, wait_scale=0.0)
    return HubClient(url, policy=pol, sleep=lambda s: None, rng=random.Random(2), token=False)


def ms_state(store: Store, snap: dt.date) -> dict[str, tuple[int, int]]:
    rows = store.con.execute(
        "SELECT model_id, downloads_all_time, likes FROM observations"
        " WHERE source = 'modelscope' AND snapshot = ?", [snap]).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def openapi_params(hub: FakeHub) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(p).query) for m, p, _ in hub.requests
            if m == "GET" and p.startswith("/openapi/v1/models")]


LEGACY = {
    "Path": "Qwen", "Name": "Qwen2.5-7B", "Downloads": 12, "Stars": 3,
    "CreatedTime": 1_700_000_000, "LastUpdatedTime": 1_700_000_000_000,
    "License": "Apache License 2.0", "Tags": ["chat"],
    "Tasks": [{"Name": "text-generation"}], "Frameworks": ["pytorch"],
}


@pytest.mark.parametrize("rec", [LEGACY, ms_openapi_record(LEGACY)])
def test_canonical_maps_both_record_shapes(rec: dict[str, object]) -> None:
    row = canonical(rec)
    assert row["id"] == "Qwen/Qwen2.5-7B" and row["author"] == "Qwen"
    assert row["created_at"].startswith("2023-11-14T22:13:20")
    assert row["last_modified"].startswith("2023-11-14T22:13:20")
    assert row["downloads_all_time"] == 12 and row["downloads_30d"] is None
    assert row["likes"] == 3 and row["pipeline_tag"] == "text-generation"
    assert row["card_license"] == "Apache License 2.0" and row["library"] == "pytorch"


@pytest.mark.parametrize("bad", [{"Path": "", "Name": "x"}, {"Path": "a", "Name": "b",
                                 "Downloads": "many"}, 3, {"id": "no-owner"},
                                 {"id": "a/b/c"}, {"id": "a/b", "likes": True}])
def test_canonical_rejects_unusable_records(bad: object) -> None:
    with pytest.raises(ValueError):
        canonical(bad)


def test_unwrap_reads_the_total_under_each_spelling_the_sdk_accepts() -> None:
    for key in ("total_count", "TotalCount", "total"):
        assert unwrap_openapi({"success": True, "data": {"models": [], key: 7}}, "x") == ([], 7)
    assert unwrap_openapi({"data": {"models": [{"id": "a/b"}]}}, "x") == ([{"id": "a/b"}], None)
    with pytest.raises(NetworkError):
        unwrap_openapi({"success": False, "data": {}}, "x")


def test_paging_never_stops_on_a_short_page() -> None:
    # a server that serves 40 when asked 50: followed at 40, page numbers realigned
    s = advance(1, 50, 0, [0] * 40, 1000, cap=3000)
    assert (s.page, s.size, s.got, s.done) == (2, 40, 40, False)
    s = advance(3, 40, 80, [0] * 40, 1000, cap=3000)
    assert (s.page, s.size, s.got, s.done) == (4, 40, 120, False)
    assert advance(4, 40, 120, [], 1000, cap=3000).done  # empty page: the end
    assert advance(2, 50, 50, [0] * 10, 60, cap=3000).done  # the total is reached
    assert advance(60, 50, 2950, [0] * 50, 10_000, cap=3000).done  # page 61 would pass 3,000


def test_a_crawl_within_the_cap_is_one_query_with_faults_and_equals_ground_truth(
    store: Store,
) -> None:
    hub = FakeHub(ms_models=make_ms_models(2500), faults=Faults(rate=0.10, seed=9,
                                                                 slow_seconds=0.05))
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
    assert sum(hub.faults_served.values()) >= 2 and s.ingest.quarantined == 2
    d = s.as_dict()
    assert d["partial"] is False and d["expected_total"] == 2502
    assert {m for m, _, _ in hub.requests} == {"GET"}
    params = openapi_params(hub)
    assert {q["sort"][0] for q in params} == {"downloads"} and "owner" not in params[0]
    assert max(int(q["page_size"][0]) for q in params) == 50
    lic = store.scalar("SELECT license_raw FROM models WHERE id = 'msorg0/ms-model-0'")
    assert lic in ("Apache License 2.0", "MIT", "other")


def test_more_than_3000_models_are_partitioned_by_owner_and_end_complete(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(3600))
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
    d = s.as_dict()
    assert d["partial"] is False and d["listed_distinct"] == d["expected_total"] == 3602
    params = openapi_params(hub)
    assert all(int(q["page_number"][0]) * int(q["page_size"][0]) <= MS_DEPTH_CAP
               for q in params)
    owners = {q["owner"][0] for q in params if "owner" in q}
    assert owners == {f"msorg{i}" for i in range(31)}
    assert {q["sort"][0] for q in params if "owner" not in q} == {
        "downloads", "likes", "last_modified"}
    job = store.rows("SELECT partial, listed, expected_total FROM crawl_jobs")[0]
    assert job == {"partial": False, "listed": True, "expected_total": 3602}
    assert s.ingest.quarantined == 2  # a bad record seen in two partitions counts once


def test_a_crawl_cut_short_by_the_cap_is_committed_as_partial(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(3300) + make_quiet_ms_models(150),
                  ms_malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    d = s.as_dict()
    assert d["partial"] is True and d["expected_total"] == 3450
    assert d["listed_distinct"] == 3300 and "3,300 of the 3,450" in d["coverage_note"]
    state = ms_state(store, D1)
    assert len(state) == 3300 and not any(k.startswith("quietorg/") for k in state)
    job = store.rows("SELECT status, partial, listed, listed_distinct FROM crawl_jobs")[0]
    assert job == {"status": "done", "partial": True, "listed": False, "listed_distinct": 3300}


def test_a_server_serving_fewer_than_asked_is_still_read_to_the_end(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(700), ms_malformed=[], ms_page_max=30)
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
    assert s.as_dict()["partial"] is False


def test_missing_openapi_falls_back_to_the_dolphin_listing(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(450), ms_openapi=False, dolphin_page_max=40)
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
    assert [m for m, _, _ in hub.requests][:2] == ["GET", "PUT"]
    assert s.as_dict()["partial"] is False and s.ingest.quarantined == 2


def test_modelscope_persistent_failure_then_healthy_rerun(store: Store) -> None:
    hub = FakeHub(ms_models=make_ms_models(450), faults=Faults(fail_pages={3}))
    with running(hub):
        with fast_client(hub.base) as cl, pytest.raises(NetworkError) as err:
            ingest_modelscope(store, client=cl, snapshot=D1)
        msg = str(err.value)
        assert "page 3" in msg and "page_number=3" in msg and "rerun" in msg
        assert store.scalar("SELECT count(*) FROM observations") == 0
        hub.set_faults(Faults())
        with fast_client(hub.base) as cl:
            s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert s.resumed and s.pages == 10
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)


def test_modelscope_limit_and_no_hub_token(store: Store,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_never_to_modelscope")
    hub = FakeHub(ms_models=make_ms_models(300), ms_malformed=[])
    with running(hub):
        ingest_modelscope(store, endpoint=hub.base, limit=150, snapshot=D1)
    top = sorted(hub.ms_models, key=lambda m: (-m["Downloads"], m["Name"]))[:150]
    assert set(ms_state(store, D1)) == {f"{m['Path']}/{m['Name']}" for m in top}
    assert all("authorization" not in h for _, _, h in hub.requests)


def test_a_job_checkpointed_by_the_previous_version_resumes_on_the_dolphin_listing(
    store: Store,
) -> None:
    from modelatlas.crawl import jobs as jobs_mod

    hub = FakeHub(ms_models=make_ms_models(250), ms_malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        job = jobs_mod.open_job(store, source="modelscope",
                                params={"endpoint": cl.endpoint, "sort": "downloads",
                                        "limit": None},
                                endpoint=cl.endpoint, snapshot=D1, run_id="old")
        store.sql("UPDATE crawl_jobs SET next_cursor = '1:100' WHERE job_id = ?", [job.job_id])
        s = ingest_modelscope(store, client=cl, snapshot=D1)
    assert s.resumed and {m for m, _, _ in hub.requests} == {"PUT"}
    assert ms_state(store, D1) == ms_ground_truth(hub.ms_models)
