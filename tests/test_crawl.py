"""Resumable Hub crawls against the fake Hub: faults, failures, resume, --since, details."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator

import pytest

from modelatlas.crawl.details import ingest_details, read_ids, top_ids
from modelatlas.crawl.run import ingest_hub
from modelatlas.errors import NetworkError, UsageError
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.store import Store
from tests.fakehub import FakeHub, Faults, make_models, running

D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)


def fast_client(url: str, timeout: float = 2.0) -> HubClient:
    pol = RetryPolicy(attempts=8, base=0.001, cap=0.01, timeout=timeout, wait_scale=0.0)
    return HubClient(url, policy=pol, sleep=lambda s: None, rng=random.Random(1))


@pytest.fixture
def page_size(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MODELATLAS_PAGE_SIZE", "250")
    yield


def snapshot_state(store: Store, snap: dt.date, source: str = "hf") -> dict[str, tuple]:
    rows = store.con.execute(
        "SELECT o.model_id, o.downloads_30d, o.likes, m.tags FROM observations o"
        " JOIN models m ON m.id = o.model_id WHERE o.source = ? AND o.snapshot = ?",
        [source, snap],
    ).fetchall()
    return {r[0]: (r[1], r[2], list(r[3])) for r in rows}


def test_50k_models_with_faults_on_10pct_of_requests_equal_ground_truth(
    store: Store, page_size: None
) -> None:
    kinds = ("429", "500", "502", "503", "reset", "truncated", "cut")  # slow: test_hub_api
    hub = FakeHub(make_models(50_000), faults=Faults(rate=0.10, seed=5, kinds=kinds))
    with running(hub), fast_client(hub.base, timeout=10) as cl:
        s = ingest_hub(store, client=cl, snapshot=D1)
    assert snapshot_state(store, D1) == hub.truth()
    served = sum(hub.faults_served.values())
    assert served >= 0.05 * len(hub.requests)  # the faults really happened
    assert {"429", "reset", "truncated", "cut"} <= set(hub.faults_served)
    assert s.ingest.quarantined == 4 and s.retries >= served
    assert store.scalar("SELECT models FROM snapshots WHERE source='hf' AND snapshot=?",
                        [D1]) == 50_000
    reasons = {r[0] for r in store.con.execute("SELECT reason FROM quarantine").fetchall()}
    assert "model id contains white space" in reasons and "missing model id" in reasons
    assert store.scalar("SELECT count(*) FROM crawl_pages") == 0  # pages dropped at commit


def test_limit_takes_the_top_models_by_the_sort(store: Store) -> None:
    hub = FakeHub(make_models(300), malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_hub(store, client=cl, limit=40, sort="likes", snapshot=D1)
    top = sorted(hub.models, key=lambda m: (m["likes"], m["id"]), reverse=True)[:40]
    assert set(snapshot_state(store, D1)) == {m["id"] for m in top}
    assert s.pages == 1 and len(hub.requests) == 1


def test_failing_page_keeps_checkpoint_and_snapshot_invisible_then_rerun_completes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELATLAS_PAGE_SIZE", "100")
    hub = FakeHub(make_models(1000), faults=Faults(fail_pages={4}))
    with running(hub):
        with fast_client(hub.base) as cl, pytest.raises(NetworkError) as err:
            ingest_hub(store, client=cl, snapshot=D1)
        assert "page 4" in str(err.value) and "\n" not in str(err.value)
        assert store.scalar("SELECT count(*) FROM snapshots") == 0
        assert store.scalar("SELECT count(*) FROM observations") == 0
        assert store.scalar("SELECT status FROM crawl_jobs") == "failed"
        assert store.scalar("SELECT count(*) FROM crawl_pages") == 3
        assert store.scalar("SELECT status FROM ingest_runs") == "failed"
        hub.set_faults(Faults())
        before = len(hub.requests)
        with fast_client(hub.base) as cl:
            s = ingest_hub(store, client=cl, snapshot=D1)
        assert s.resumed and s.pages == 11
        assert len(hub.requests) - before == 8  # pages 4..11 only: 1..3 came from the store
    assert snapshot_state(store, D1) == hub.truth()


def test_rerun_after_done_starts_afresh_without_duplicates(store: Store) -> None:
    hub = FakeHub(make_models(120))
    with running(hub):
        for _ in range(2):
            with fast_client(hub.base) as cl:
                s = ingest_hub(store, client=cl, snapshot=D1)
            assert not s.resumed
    assert store.scalar("SELECT count(*) FROM observations") == 120
    assert store.scalar("SELECT count(*) FROM quarantine") == 8  # 4 per run, one run each
    assert store.scalar("SELECT count(*) FROM crawl_jobs WHERE status = 'done'") == 2


def test_since_lists_recent_models_and_carries_over_the_rest(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELATLAS_PAGE_SIZE", "50")
    models = make_models(400)
    hub = FakeHub(models, malformed=[])
    with running(hub):
        with fast_client(hub.base) as cl:
            ingest_hub(store, client=cl, snapshot=D1)
        # 30 models change after D1: new commits, new counts
        changed = {m["id"] for m in models[:30]}
        for m in models[:30]:
            m["lastModified"] = "2026-03-01T12:00:00.000Z"
            m["downloads"] += 1_000
        hub.changed()
        before = len(hub.requests)
        with fast_client(hub.base) as cl:
            s = ingest_hub(store, client=cl, since=D1, snapshot=D2)
        assert len(hub.requests) - before == 1  # one page held all recent ones
        q = parse_first(hub.requests[before][1])
        assert q["sort"] == ["lastModified"]
    state = snapshot_state(store, D2)
    assert state == hub.truth()
    carried = {r[0] for r in store.con.execute(
        "SELECT model_id FROM observations WHERE snapshot = ? AND carried_over", [D2]
    ).fetchall()}
    assert carried and carried.isdisjoint(changed) and len(carried) == s.carried_over
    assert s.models_listed == 50 and len(carried) == 350
    old = store.con.execute(
        "SELECT count(*) FROM observations a JOIN observations b USING (source, model_id)"
        " WHERE a.snapshot = ? AND b.snapshot = ? AND b.carried_over"
        " AND a.downloads_30d = b.downloads_30d AND a.likes = b.likes", [D1, D2]
    ).fetchall()[0][0]
    assert old == 350
    assert store.scalar("SELECT models FROM snapshots WHERE snapshot = ?", [D2]) == 400


def parse_first(path: str) -> dict[str, list[str]]:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(path).query)


def test_since_and_other_sort_is_a_usage_error(store: Store) -> None:
    with pytest.raises(UsageError):
        ingest_hub(store, since=D1, sort="downloads", endpoint="http://127.0.0.1:9")


def test_details_are_stored_feed_edges_and_licence_and_resume(store: Store, tmp_path) -> None:
    models = make_models(60)
    models[10]["cardData"] = {"license": "other", "license_name": "acme-1",
                              "license_link": "LICENSE", "base_model": "org3/model-3",
                              "base_model_relation": "quantized"}
    hub = FakeHub(models, malformed=[])
    ids = ["org10/model-10", "org20/model-20", "ghost/none", "org30/model-30"]
    with running(hub):
        with fast_client(hub.base) as cl:
            ingest_hub(store, client=cl, snapshot=D1)
        # model-10's listing said finetune of model-5 (tag); the card names another parent
        hub.set_faults(Faults(script=["500", "reset"]))
        with fast_client(hub.base) as cl:
            s = ingest_details(store, cl, ids)
        assert s.fetched == 3 and s.not_found == ["ghost/none"] and s.quarantined == 1
        before = len(hub.requests)
        with fast_client(hub.base) as cl:
            again = ingest_details(store, cl, ids)
        assert again.fetched == 3 and not again.resumed  # a finished run is not resumed
    row = store.rows("SELECT * FROM model_details WHERE model_id = 'org10/model-10'")[0]
    sib = json.loads(row["siblings"])
    assert sib[1]["rfilename"] == "model.safetensors" and sib[1]["size"] > 0
    assert json.loads(row["config"])["architectures"] == ["LlamaForCausalLM"]
    assert json.loads(row["safetensors"])["total"] > 0 and row["sha"]
    assert json.loads(row["card_data"])["license_name"] == "acme-1"
    m = store.rows("SELECT license_name, license_link FROM models WHERE id = 'org10/model-10'")
    assert m == [{"license_name": "acme-1", "license_link": "LICENSE"}]
    edges = store.rows("SELECT parent, relation, origin FROM edges"
                       " WHERE child = 'org10/model-10' ORDER BY parent")
    assert {"parent": "org3/model-3", "relation": "quantized", "origin": "card"} in edges
    assert len(hub.requests) > before
    f = tmp_path / "ids.txt"
    f.write_text("# top\norg1/model-1\n\norg2/model-2  # note\norg1/model-1\n")
    assert read_ids(f) == ["org1/model-1", "org2/model-2"]
    top = top_ids(store, 3)
    best = sorted(models, key=lambda m: (-m["downloads"], m["id"]))[:3]
    assert top == [m["id"] for m in best]


def test_details_resume_skips_models_already_fetched(store: Store) -> None:
    hub = FakeHub(make_models(20), malformed=[])
    ids = [f"org{i}/model-{i}" for i in range(1, 9)]
    with running(hub):
        hub.set_faults(Faults(fail_models={"org5/model-5"}))  # the 5th keeps failing
        with fast_client(hub.base) as cl, pytest.raises(NetworkError, match="org5/model-5"):
            ingest_details(store, cl, ids)
        assert store.scalar("SELECT count(*) FROM model_details") == 4
        assert store.scalar("SELECT status FROM crawl_jobs") == "failed"
        hub.set_faults(Faults())
        before = len(hub.requests)
        with fast_client(hub.base) as cl:
            s = ingest_details(store, cl, ids)
        assert len(hub.requests) - before == 4  # only the models not fetched yet
    assert s.resumed and s.skipped == 4 and s.fetched == 4
    assert store.scalar("SELECT count(*) FROM model_details") == 8
