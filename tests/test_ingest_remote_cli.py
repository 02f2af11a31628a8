"""``modelatlas ingest hub|details|modelscope`` end to end, including kill -9 / rerun cycles."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelatlas.store import open_store
from tests.clirunner import run_cli
from tests.fakehub import (
    FakeHub,
    Faults,
    make_models,
    make_ms_models,
    make_quiet_ms_models,
    running,
)

SNAP = "2026-05-01"


@pytest.fixture
def fast_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MODELATLAS_PAGE_SIZE", "100")
    monkeypatch.setenv("MODELATLAS_HTTP_WAIT_SCALE", "0")
    monkeypatch.setenv("MODELATLAS_HTTP_ATTEMPTS", "4")
    monkeypatch.setenv("MODELATLAS_HTTP_TIMEOUT", "2")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    yield


def observed(db: Path, source: str = "hf") -> dict[str, tuple[int, int, list[str]]]:
    with open_store(db) as st:
        rows = st.con.execute(
            "SELECT o.model_id, o.downloads_30d, o.likes, m.tags FROM observations o"
            " JOIN models m ON m.id = o.model_id WHERE o.source = ? AND o.snapshot = ?",
            [source, SNAP]).fetchall()
    return {r[0]: (r[1], r[2], list(r[3])) for r in rows}


def test_hub_json_prints_one_summary_document_and_uses_hf_endpoint_and_token(
    db_path: Path, fast_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = FakeHub(make_models(350), faults=Faults(script=["503", "429"], retry_after="1"))
    with running(hub):
        monkeypatch.setenv("HF_ENDPOINT", hub.base)
        monkeypatch.setenv("HF_TOKEN", "hf_abc")
        r = run_cli("--db", str(db_path), "ingest", "hub", "--snapshot", SNAP, "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["models"] == 350 and doc["quarantined"] == 4 and doc["snapshots"] == [SNAP]
    assert doc["pages"] == 4 and doc["retries"] == 2 and doc["source"] == "hf"
    assert r.err == ""  # no progress bar off a terminal
    assert all(h.get("authorization") == "Bearer hf_abc" for _, _, h in hub.requests)
    assert observed(db_path) == hub.truth()


def test_hub_persistent_page_failure_exits_1_with_one_line_then_healthy_rerun_completes(
    db_path: Path, fast_env: None
) -> None:
    hub = FakeHub(make_models(500), faults=Faults(fail_pages={3}))
    args = ("--db", str(db_path), "ingest", "hub", "--snapshot", SNAP)
    with running(hub):
        r = run_cli(*args, "--endpoint", hub.base)
        assert r.code == 1 and r.out == ""
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and "page 3" in lines[0] and "rerun" in lines[0]
        assert observed(db_path) == {}
        hub.set_faults(Faults())
        r = run_cli(*args, "--endpoint", hub.base)
    assert r.code == 0, r.err
    assert "resumed" in r.out
    assert observed(db_path) == hub.truth()


def test_usage_errors_exit_2(db_path: Path) -> None:
    base = ("--db", str(db_path), "ingest")
    assert run_cli(*base, "hub", "--since", "yesterday").code == 2
    assert run_cli(*base, "hub", "--since", "2026-01-01", "--sort", "likes").code == 2
    assert run_cli(*base, "hub", "--sort", "trending").code == 2
    assert run_cli(*base, "details").code == 2
    assert run_cli(*base, "hub", "--endpoint", "ftp://x").code == 2


def test_details_and_modelscope_commands(db_path: Path, fast_env: None, tmp_path: Path) -> None:
    hub = FakeHub(make_models(50), malformed=[], ms_models=make_ms_models(120))
    ids = tmp_path / "ids.txt"
    ids.write_text("org1/model-1\norg2/model-2\n")
    with running(hub):
        r = run_cli("--db", str(db_path), "ingest", "details", "--models", str(ids),
                    "--endpoint", hub.base, "--json")
        assert r.code == 0, r.err
        assert json.loads(r.out)["fetched"] == 2
        r = run_cli("--db", str(db_path), "ingest", "hub", "--endpoint", hub.base,
                    "--snapshot", SNAP)
        assert r.code == 0 and "50 models" in r.out
        r = run_cli("--db", str(db_path), "ingest", "details", "--top", "5",
                    "--endpoint", hub.base, "--json")
        assert r.code == 0 and json.loads(r.out)["fetched"] == 5
        r = run_cli("--db", str(db_path), "ingest", "modelscope", "--endpoint", hub.base,
                    "--limit", "100", "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["models"] + doc["quarantined"] == 100 and doc["quarantined"] == 2
    top5 = [m["id"] for m in sorted(hub.models, key=lambda m: (-m["downloads"], m["id"]))[:5]]
    with open_store(db_path) as st:
        assert st.scalar("SELECT count(*) FROM model_details") == len(
            {"org1/model-1", "org2/model-2", *top5})
        n = st.scalar("SELECT count(*) FROM observations WHERE source = 'modelscope'")
    assert n == 98


@pytest.mark.parametrize("token", [None, "hf_user"])
def test_details_with_deleted_repos_exits_0_and_reports_them_not_found(
    db_path: Path, fast_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    token: str | None,
) -> None:
    if token:
        monkeypatch.setenv("HF_TOKEN", token)
    hub = FakeHub(make_models(20), malformed=[])
    ids = tmp_path / "ids.txt"
    ids.write_text("org1/model-1\ndeleted/repo\norg2/model-2\nalso/gone\n")
    with running(hub):
        r = run_cli("--db", str(db_path), "ingest", "details", "--models", str(ids),
                    "--endpoint", hub.base, "--json")
        assert r.code == 0, r.err
        doc = json.loads(r.out)
        assert doc["fetched"] == 2 and doc["not_found"] == ["deleted/repo", "also/gone"]
        r = run_cli("--db", str(db_path), "ingest", "details", "--models", str(ids),
                    "--endpoint", hub.base)  # a rerun finishes too
    assert r.code == 0, r.err
    assert "2 not found" in r.out
    asked = [h for _, p, h in hub.requests if "deleted/repo" in p]
    assert asked and all(("authorization" in h) == bool(token) for h in asked)
    with open_store(db_path) as st:
        codes = {r[0] for r in st.con.execute(
            "SELECT http_status FROM repo_checks WHERE status = 'not_found'").fetchall()}
    assert codes == ({404} if token else {401})


def test_a_token_file_alone_is_sent_by_live_commands(
    db_path: Path, fast_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`hf auth login` writes $HF_HOME/token (default ~/.cache/huggingface/token)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    tok = tmp_path / "cache" / "huggingface" / "token"
    tok.parent.mkdir(parents=True)
    tok.write_text("hf_logged_in\n")
    hub = FakeHub(make_models(120), valid_tokens={"hf_logged_in"})
    ids = tmp_path / "ids.txt"
    ids.write_text("org1/model-1\n")
    with running(hub):
        r = run_cli("--db", str(db_path), "ingest", "hub", "--endpoint", hub.base,
                    "--snapshot", SNAP, "--json")
        assert r.code == 0, r.err
        r = run_cli("--db", str(db_path), "ingest", "details", "--models", str(ids),
                    "--endpoint", hub.base, "--json")
        assert r.code == 0, r.err
    assert hub.requests and all(h.get("authorization") == "Bearer hf_logged_in"
                                for _, _, h in hub.requests)


@pytest.mark.parametrize("cmd", [
    ("ingest", "hub"), ("ingest", "modelscope"), ("ingest", "details", "--models", "IDS"),
    ("check", "org1/model-1", "--online"),
])
def test_offline_mode_makes_every_live_command_fail_at_once_with_one_line(
    db_path: Path, fast_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    cmd: tuple[str, ...],
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    ids = tmp_path / "ids.txt"
    ids.write_text("org1/model-1\n")
    args = [str(ids) if a == "IDS" else a for a in cmd]
    with running(FakeHub(make_models(5), ms_models=make_ms_models(5))) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.base)
        monkeypatch.setenv("MODELSCOPE_ENDPOINT", hub.base)
        r = run_cli("--db", str(db_path), *args)
    assert r.code == 1, (r.out, r.err)
    lines = r.err.strip().splitlines()
    assert len(lines) == 1 and "offline" in lines[0] and "HF_HUB_OFFLINE" in lines[0]
    assert hub.requests == []


def test_modelscope_partial_snapshot_says_so_in_the_summary(db_path: Path,
                                                            fast_env: None) -> None:
    hub = FakeHub(ms_models=make_ms_models(3100) + make_quiet_ms_models(40), ms_malformed=[])
    with running(hub):
        r = run_cli("--db", str(db_path), "ingest", "modelscope", "--endpoint", hub.base,
                    "--json")
    assert r.code == 0, r.err
    doc = json.loads(r.out)
    assert doc["partial"] is True and doc["expected_total"] == 3140
    assert doc["listed_distinct"] == 3100 and doc["models"] == 3100


def _kill_at_random_point(proc: subprocess.Popen[bytes], hub: FakeHub,
                          rng: random.Random) -> bool:
    """SIGKILL ``proc`` after a random number of its requests plus a random delay
    (progress-based, so a slow machine does not turn every kill into a kill
    during start-up); True if it was killed, False if it finished first."""
    start, want = len(hub.requests), rng.randint(0, 12)
    # wait for the process to start talking (start-up is slow on a loaded machine), or
    # to end: a resumed run may have nothing left to fetch
    started = time.monotonic() + 60
    while proc.poll() is None and len(hub.requests) == start and time.monotonic() < started:
        time.sleep(0.002)
    give_up = time.monotonic() + 1.5
    while proc.poll() is None and len(hub.requests) - start < want:
        if time.monotonic() > give_up:
            break
        time.sleep(0.002)
    time.sleep(rng.uniform(0, 0.4))
    if proc.poll() is not None:
        return False
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    return True


def test_kill9_rerun_cycles_end_equal_to_ground_truth(tmp_path: Path) -> None:
    """20 runs of the same command, each SIGKILLed at a random moment, then one more."""
    db = tmp_path / "atlas.duckdb"
    hub = FakeHub(make_models(1000), faults=Faults(rate=0.05, seed=4, slow_seconds=0.05,
                                                    delay=0.01))
    env = {**os.environ, "MODELATLAS_PAGE_SIZE": "25", "MODELATLAS_HTTP_WAIT_SCALE": "0",
           "MODELATLAS_HTTP_TIMEOUT": "10"}
    env.pop("HF_TOKEN", None)
    rng = random.Random(20261122)
    kills = 0
    with running(hub):
        cmd = [sys.executable, "-m", "modelatlas", "--db", str(db), "ingest", "hub",
               "--endpoint", hub.base, "--snapshot", SNAP, "--json"]
        truth = hub.truth()
        for _ in range(20):
            proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            killed = _kill_at_random_point(proc, hub, rng)
            err = proc.stderr.read() if proc.stderr else b""
            if proc.stderr:
                proc.stderr.close()
            assert killed or proc.returncode == 0, err.decode()
            kills += killed
            with open_store(db) as st:  # the snapshot is absent or whole, never partial
                n, distinct = st.con.execute(
                    "SELECT count(*), count(DISTINCT model_id) FROM observations"
                    " WHERE snapshot = ?", [SNAP]).fetchall()[0]
            assert n == distinct and n in (0, len(truth))
        done = subprocess.run(cmd, env=env, capture_output=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert kills >= 10
    assert observed(db) == truth
    with open_store(db) as st:
        assert st.scalar("SELECT count(*) FROM crawl_jobs WHERE status = 'done'") >= 1
        assert st.scalar("SELECT count(*) FROM crawl_pages") == 0
        jobs = st.scalar("SELECT count(*) FROM crawl_jobs")
        runs = st.scalar("SELECT count(*) FROM ingest_runs")
    assert jobs < runs  # some runs resumed a job instead of starting one
