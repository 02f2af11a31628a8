"""Resumable Hub crawls against the fake Hub: faults, failures, resume, --since, details."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator

import pytest

from modelatlas.atlas import Atlas
from modelatlas.crawl.details import ingest_details, read_ids, top_ids
from modelatlas.crawl.run import ingest_hub
from modelatlas.errors import BadRequestError, NetworkError, UnauthorizedError, UsageError
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.store import Store
from tests.fakehub import PLACEHOLDER_CREATED, FakeHub, Faults, make_models, running

D1, D2 = dt.date(2026, 3, 1), dt.date(2026, 3, 2)


def fast_client(url: str, timeout: float = 2.0, token: str | bool | None = None) -> HubClient:
    pol = RetryPolicy(attempts=8, base=0.001, cap=0.01, timeout=timeout, wait_scale=0.0)
    return HubClient(url, policy=pol, sleep=lambda s: None, rng=random.Random(1), token=token)


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
        assert "rerun the same command" in str(err.value)
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


@pytest.mark.parametrize("token", [None, "hf_user"])
def test_details_store_files_hashes_scans_and_finish_despite_deleted_repos(
    store: Store, tmp_path, token: str | None
) -> None:
    models = make_models(60)
    models[10]["cardData"] = {"license": "other", "license_name": "acme-1",
                              "license_link": "LICENSE", "base_model": "org3/model-3",
                              "base_model_relation": "quantized"}
    hub = FakeHub(models, malformed=[])
    ids = ["org10/model-10", "org20/model-20", "ghost/none", "org34/model-34", "gone/too"]
    with running(hub):
        with fast_client(hub.base) as cl:
            ingest_hub(store, client=cl, snapshot=D1)
        # model-10's listing said finetune of model-5 (tag); the card names another parent
        hub.set_faults(Faults(script=["500", "reset"]))
        with fast_client(hub.base, token=token) as cl:
            s = ingest_details(store, cl, ids)
        assert s.fetched == 3 and s.not_found == ["ghost/none", "gone/too"]
        assert s.quarantined == 0 and s.files >= 3 * 2 and s.trees_truncated == 0
        before = len(hub.requests)
        with fast_client(hub.base, token=token) as cl:
            again = ingest_details(store, cl, ids)
        assert again.fetched == 3 and not again.resumed  # a finished run is not resumed
    checks = store.rows("SELECT model_id, status, http_status, error_code FROM repo_checks"
                        " WHERE model_id = 'ghost/none'")
    status = 404 if token else 401  # the Hub answers 401 to anonymous requests
    assert checks == [{"model_id": "ghost/none", "status": "not_found", "http_status": status,
                       "error_code": "RepoNotFound"}] * 2
    row = store.rows("SELECT * FROM model_details WHERE model_id = 'org10/model-10'")[0]
    sib = json.loads(row["siblings"])
    assert sib[1]["rfilename"] == "model.safetensors" and sib[1]["size"] > 0
    assert len(sib[1]["lfs"]["sha256"]) == 64
    assert json.loads(row["config"])["architectures"] == ["LlamaForCausalLM"]
    assert json.loads(row["safetensors"])["total"] > 0 and row["sha"]
    assert json.loads(row["card_data"])["license_name"] == "acme-1"
    assert json.loads(row["security_repo_status"])["scansDone"] is True
    assert row["tree_status"] == "ok"
    files = store.rows("SELECT path, size, lfs_sha256, security_status, pickle_import_scan"
                       " FROM model_files WHERE model_id = 'org34/model-34' ORDER BY path")
    by = {f["path"]: f for f in files}
    assert set(by) == {"config.json", "model.safetensors", "onnx/model.onnx", "pytorch_model.bin"}
    assert by["model.safetensors"]["lfs_sha256"] == models[34]["siblings"][1]["lfs"]["sha256"]
    assert by["pytorch_model.bin"]["security_status"] == "unsafe"
    assert json.loads(by["pytorch_model.bin"]["pickle_import_scan"])["highestSafetyLevel"] \
        == "dangerous"
    assert by["config.json"]["lfs_sha256"] is None and by["config.json"]["security_status"] \
        == "safe"
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


def test_a_deleted_repo_becomes_a_removed_event_and_a_return_a_reappearance(
    store: Store,
) -> None:
    models = make_models(12)
    hub = FakeHub(models, malformed=[])
    with running(hub):
        with fast_client(hub.base) as cl:
            ingest_hub(store, client=cl, snapshot=D1)
        gone = models.pop(7)
        hub.changed()
        with fast_client(hub.base) as cl:
            s = ingest_details(store, cl, ["org7/model-7", "org3/model-3", "never/seen"])
        assert s.not_found == ["org7/model-7", "never/seen"]
        removed = Atlas(store).run("changes", {"kind": "removed"}).records()
        assert [(e["model_id"], e["new"]) for e in removed] == [
            ("org7/model-7", "not found (HTTP 401, RepoNotFound)")]  # only models we know
        models.append(gone)
        hub.changed()
        with fast_client(hub.base) as cl:
            ingest_details(store, cl, ["org7/model-7"])
    kinds = {e["kind"] for e in
             Atlas(store).run("changes", {"model": "org7/model-7"}).records()}
    assert kinds == {"removed", "reappeared"}


def test_gated_disabled_and_renamed_repos_are_recorded_not_fatal(store: Store) -> None:
    hub = FakeHub(make_models(10), malformed=[], disabled={"org2/model-2"},
                  renamed={"old/model-3": "org3/model-3"})
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_details(store, cl, ["org2/model-2", "old/model-3", "org4/model-4"])
    assert s.disabled == ["org2/model-2"] and s.fetched == 2
    assert s.renamed == {"old/model-3": "org3/model-3"}
    rows = store.rows("SELECT model_id, status, resolved_id FROM repo_checks ORDER BY model_id")
    assert rows == [
        {"model_id": "old/model-3", "status": "ok", "resolved_id": "org3/model-3"},
        {"model_id": "org2/model-2", "status": "disabled", "resolved_id": None},
        {"model_id": "org4/model-4", "status": "ok", "resolved_id": None},
    ]
    assert store.scalar("SELECT resolved_id FROM model_details WHERE model_id ="
                        " 'old/model-3'") == "org3/model-3"


def test_an_invalid_token_stops_details_at_once_with_one_line(store: Store) -> None:
    hub = FakeHub(make_models(5), malformed=[], valid_tokens={"hf_good"})
    with running(hub), fast_client(hub.base, token="hf_bad") as cl, \
            pytest.raises(UnauthorizedError) as err:
        ingest_details(store, cl, ["org1/model-1", "org2/model-2"])
    assert "\n" not in str(err.value) and "HTTP 401" in str(err.value)
    assert len(hub.requests) == 1
    assert store.scalar("SELECT status FROM crawl_jobs") == "failed"


def test_tree_budget_marks_the_tree_truncated(store: Store,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_TREE_MAX_FILES", "2")
    hub = FakeHub(make_models(18), malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        s = ingest_details(store, cl, ["org17/model-17"])
    assert s.trees_truncated == 1
    assert store.scalar("SELECT tree_status FROM model_details") == "truncated"
    # the siblings still give every file its size and hash
    assert store.scalar("SELECT count(*) FROM model_files WHERE lfs_sha256 IS NOT NULL") == 2


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
        assert len(hub.requests) - before == 4 * 2  # info + tree of the models not fetched yet
    assert s.resumed and s.skipped == 4 and s.fetched == 4
    assert store.scalar("SELECT count(*) FROM model_details") == 8


def test_refused_page_size_falls_back_and_is_remembered(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MODELATLAS_PAGE_SIZE", raising=False)
    hub = FakeHub(make_models(420), max_limit=100)
    with running(hub):
        with fast_client(hub.base) as cl:
            s = ingest_hub(store, client=cl, snapshot=D1)
        limits = [parse_first(p)["limit"][0] for _, p, _ in hub.requests]
        assert limits[:3] == ["500", "250", "100"] and set(limits[3:]) == {"100"}
        assert s.pages == 5
        assert store.scalar("SELECT page_size FROM api_limits") == 100
        before = len(hub.requests)
        with fast_client(hub.base) as cl:
            ingest_hub(store, client=cl, snapshot=D2)
        assert parse_first(hub.requests[before][1])["limit"] == ["100"]  # remembered
    assert snapshot_state(store, D2) == hub.truth()


def test_a_page_size_refused_down_to_the_last_step_fails_with_one_line(store: Store) -> None:
    hub = FakeHub(make_models(10), max_limit=10)
    with running(hub), fast_client(hub.base) as cl, pytest.raises(BadRequestError) as err:
        ingest_hub(store, client=cl, snapshot=D1)
    assert "HTTP 400" in str(err.value) and "\n" not in str(err.value)
    assert store.scalar("SELECT count(*) FROM api_limits") == 0  # only what worked is kept


def test_keyset_cursor_misses_a_model_that_overtakes_it_without_duplicates(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model whose rank rises past the cursor mid-crawl is missed (the Hub's
    keyset cursor has no snapshot isolation); nothing is stored twice."""
    monkeypatch.setenv("MODELATLAS_PAGE_SIZE", "20")
    models = make_models(100)
    hub = FakeHub(models, malformed=[])
    low = min(models, key=lambda m: (m["downloads"], m["id"]))
    with running(hub):
        cl = fast_client(hub.base)
        real = cl.list_page

        def moving(url: str, *, page_no: int):  # type: ignore[no-untyped-def]
            page = real(url, page_no=page_no)
            if page_no == 2:
                low["downloads"] = 10**9  # rises to the top, behind the cursor
                hub.changed()
            return page

        cl.list_page = moving  # type: ignore[method-assign]
        with cl:
            ingest_hub(store, client=cl, snapshot=D1)
    state = snapshot_state(store, D1)
    assert low["id"] not in state and len(state) == 99
    assert store.scalar("SELECT count(*) - count(DISTINCT model_id) FROM observations") == 0


def test_placeholder_creation_date_is_never_stored(store: Store) -> None:
    hub = FakeHub(make_models(30), malformed=[])
    with running(hub), fast_client(hub.base) as cl:
        ingest_hub(store, client=cl, snapshot=D1)
    placeholder = dt.datetime.fromisoformat(PLACEHOLDER_CREATED.replace("Z", "+00:00"))
    assert store.scalar("SELECT count(*) FROM models WHERE created_at = ?", [placeholder]) == 0
    assert store.scalar("SELECT count(*) FROM models WHERE created_at IS NULL") == 3
