"""The Hub HTTP client against the fake Hub answering as the real one does: paging,
expand, the Hub's error answers, retries, the tree, Range reads, token and offline."""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from modelatlas import __version__
from modelatlas.errors import (
    BadRequestError,
    DisabledRepoError,
    GatedRepoError,
    NetworkError,
    NotFoundError,
    OfflineError,
    RateLimitedError,
    RepoNotFoundError,
    ServerError,
    UnauthorizedError,
    UsageError,
)
from modelatlas.sources.hub_api import (
    LIST_EXPAND,
    MAX_RANGE_BYTES,
    HubClient,
    RetryPolicy,
    next_link,
    resolve_token,
    retry_after,
    sibling_files,
    token_path,
    with_limit,
)
from tests.fakehub import (
    EXPANDABLE,
    PLACEHOLDER_CREATED,
    FakeHub,
    Faults,
    make_models,
    running,
    safetensors_bytes,
)

FAST = RetryPolicy(attempts=5, base=0.01, cap=0.05, timeout=2.0)


def client(url: str, sleeps: list[float], *, policy: RetryPolicy = FAST,
           token: str | bool | None = False) -> HubClient:
    return HubClient(url, policy=policy, sleep=sleeps.append, rng=random.Random(3), token=token)


def test_retry_after_seconds_date_and_ratelimit_headers() -> None:
    assert retry_after({"retry-after": "7"}, 0) == 7
    when = email.utils.format_datetime(dt.datetime(2030, 1, 1, 0, 0, 30, tzinfo=dt.UTC),
                                       usegmt=True)
    base = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    assert retry_after({"retry-after": when}, base.timestamp()) == pytest.approx(30)
    assert retry_after({"ratelimit": '"api";r=0;t=55'}, 0) == 55
    assert retry_after({"ratelimit": '"api";r=12;t=55'}, 0) is None
    assert retry_after({}, 0) is None


def test_link_header_next_is_found_among_several_and_made_absolute() -> None:
    h = httpx.Headers({"link": '<https://h/api/models?cursor=a>; rel="prev", '
                               '</api/models?cursor=b&limit=2>; rel="next"'})
    assert next_link(h, "https://h/api/models") == "https://h/api/models?cursor=b&limit=2"
    assert next_link(httpx.Headers({}), "https://h/") is None
    assert parse_qs(urlsplit(with_limit("https://h/api/models?cursor=b&limit=2", 50)).query) \
        == {"cursor": ["b"], "limit": ["50"]}


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    p = RetryPolicy(base=1.0, cap=8.0)
    rng = random.Random(0)
    waits = [p.backoff(a, rng) for a in range(1, 8)]
    for a, w in enumerate(waits, 1):
        raw = min(8.0, 2 ** (a - 1))
        assert raw / 2 <= w <= raw
    assert max(waits) <= 8.0


def test_listing_asks_every_stored_field_without_direction_and_pages_by_keyset() -> None:
    with running(FakeHub(make_models(30), malformed=[])) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl:
            url = cl.list_url(sort="likes", limit=10)
            q = parse_qs(urlsplit(url).query)
            assert q["sort"] == ["likes"] and q["limit"] == ["10"] and "direction" not in q
            assert q["expand"] == list(LIST_EXPAND)
            assert set(LIST_EXPAND) <= EXPANDABLE  # the Hub would refuse any other name
            assert {"gguf", "baseModels", "trendingScore", "usedStorage",
                    "childrenModelCount"} <= set(LIST_EXPAND)
            page = cl.list_page(url, page_no=1)
            assert len(page.items) == 10 and page.next_url and page.total is None
            likes = [m["likes"] for m in page.items]
            assert likes == sorted(likes, reverse=True)
            # only the fields asked for come back, in the Hub's shapes
            first = page.items[0]
            assert "siblings" not in first and "downloadsAllTime" in first
            assert isinstance(first["trendingScore"], int) and isinstance(first["usedStorage"],
                                                                          int)
            ids = [m["id"] for m in page.items]
            while page.next_url:
                page = cl.list_page(page.next_url, page_no=2)
                ids += [m["id"] for m in page.items]
            assert sorted(ids) == sorted(hub.by_id)
            everything = {m["id"]: m for m in hub.models}
            zero = cl.list_page(cl.list_url(sort="createdAt", limit=30), page_no=1).items
            got = {m["id"]: m for m in zero}
            assert got["org0/model-0"]["createdAt"] == PLACEHOLDER_CREATED
            assert got["org0/model-0"]["gguf"]["total"] > 0  # GGUF-only repos: a count
            assert got["org10/model-10"]["baseModels"] == {
                "relation": "finetune", "models": [{"id": "org5/model-5"}]}
            assert everything["org3/model-3"].get("gguf") is None
        assert sleeps == []
        assert all("direction" not in p for _, p, _ in hub.requests)


def test_the_hub_sorts_descending_whatever_direction_says() -> None:
    with running(FakeHub(make_models(20), malformed=[])) as hub:
        r = httpx.get(f"{hub.base}/api/models?sort=likes&direction=1&limit=20&expand=likes")
        likes = [m["likes"] for m in r.json()]
        assert likes == sorted(likes, reverse=True)
        assert "x-total-count" not in r.headers


def test_unknown_expand_name_is_a_bad_request_not_retried() -> None:
    with running(FakeHub(make_models(5))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl, pytest.raises(BadRequestError) as err:
            cl.list_page(cl.list_url(expand=("likes", "numParameters")), page_no=1)
        assert err.value.status == 400 and "HTTP 400" in str(err.value)
        assert len(hub.requests) == 1 and sleeps == []


def test_429_waits_what_retry_after_says_then_succeeds() -> None:
    with running(FakeHub(make_models(5), faults=Faults(script=["429"], retry_after="7"))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl:
            page = cl.list_page(cl.list_url(limit=100), page_no=1)
        assert len(page.items) == 5 + 4  # models + malformed records
        assert len(sleeps) == 1 and 7 <= sleeps[0] < 8


@pytest.mark.parametrize("kind", ["408", "500", "502", "503", "reset", "truncated", "cut"])
def test_transient_faults_are_retried_with_backoff(kind: str) -> None:
    with running(FakeHub(make_models(20), faults=Faults(script=[kind, kind]))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl:
            page = cl.list_page(cl.list_url(limit=100), page_no=1)
            assert cl.stats.retries == 2
        assert len(page.items) == 24
        assert len(sleeps) == 2 and sleeps[1] >= sleeps[0] / 2


def test_slow_answer_beyond_the_timeout_is_retried() -> None:
    faults = Faults(script=["slow"], slow_seconds=2.5)
    with running(FakeHub(make_models(3), faults=faults)) as hub:
        sleeps: list[float] = []
        pol = RetryPolicy(attempts=3, base=0.01, timeout=1.0)
        with client(hub.base, sleeps, policy=pol) as cl:
            page = cl.list_page(cl.list_url(limit=100), page_no=1)
        assert len(page.items) == 7 and len(sleeps) == 1


def test_page_failing_every_attempt_is_one_line_server_error_naming_the_page() -> None:
    with running(FakeHub(make_models(5), faults=Faults(fail_all=True))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl, pytest.raises(ServerError) as err:
            cl.list_page(cl.list_url(limit=100), page_no=4)
        msg = str(err.value)
        assert "\n" not in msg and "page 4" in msg and "5 attempts" in msg and "HTTP 503" in msg
        assert isinstance(err.value, NetworkError) and err.value.status == 503
        assert len(sleeps) == FAST.attempts - 1 and max(sleeps) <= FAST.cap


def test_rate_limited_to_the_end_is_its_own_error() -> None:
    faults = Faults(script=["429"] * 5, retry_after="1")
    with running(FakeHub(make_models(3), faults=faults)) as hub:
        with client(hub.base, []) as cl, pytest.raises(RateLimitedError) as err:
            cl.list_page(cl.list_url(limit=10), page_no=1)
        assert err.value.status == 429 and "HTTP 429" in str(err.value)


def test_token_is_sent_and_other_hosts_are_refused() -> None:
    faults = Faults(link_base="http://example.invalid:1")
    with running(FakeHub(make_models(30), faults=faults)) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps, token="hf_secret") as cl:
            with pytest.raises(NetworkError, match="refusing to contact"):
                cl.list_page(cl.list_url(limit=10), page_no=1)
            with pytest.raises(NetworkError, match="only"):
                cl.get("http://example.invalid/api/models", what="x")
        assert hub.requests[0][2]["authorization"] == "Bearer hf_secret"
        assert len(hub.requests) == 1
        ua = hub.requests[0][2]["user-agent"]
        assert ua.startswith(f"modelatlas/{__version__};")


def test_model_info_keeps_sizes_lfs_hashes_and_the_hubs_scan() -> None:
    with running(FakeHub(make_models(20))) as hub, client(hub.base, []) as cl:
        info = cl.model_info("org17/model-17")
        q = parse_qs(urlsplit(hub.requests[-1][1]).query)
        assert q == {"blobs": ["true"], "securityStatus": ["true"]}
        files = {f.path: f for f in sibling_files(info)}
        weights = files["model.safetensors"]
        assert weights.size and weights.lfs_sha256 and len(weights.lfs_sha256) == 64
        assert files["config.json"].lfs_sha256 is None and files["config.json"].blob_id
        assert info["securityRepoStatus"]["filesWithIssues"] == [
            {"path": "pytorch_model.bin", "level": "unsafe"}]


@pytest.mark.parametrize(("token", "status"), [(False, 401), ("hf_ok", 404)])
def test_missing_repo_is_not_found_with_or_without_a_token(token: str | bool,
                                                           status: int) -> None:
    with running(FakeHub(make_models(3))) as hub, client(hub.base, [], token=token) as cl:
        with pytest.raises(RepoNotFoundError) as err:
            cl.model_info("ghost/none")
        e = err.value
        assert e.status == status and e.code == "RepoNotFound" and e.repo == "ghost/none"
        assert isinstance(e, NotFoundError)
        msg = str(e)
        assert "ghost/none" in msg and f"HTTP {status}" in msg and "RepoNotFound" in msg
        assert len(hub.requests) == 1  # a definite answer: not retried


def test_bare_401_on_a_repo_url_is_not_found_as_huggingface_hub_reads_it() -> None:
    with running(FakeHub(make_models(3), bare_401=True)) as hub, client(hub.base, []) as cl:
        with pytest.raises(RepoNotFoundError) as err:
            cl.model_info("ghost/none")
        assert err.value.status == 401 and err.value.code is None


def test_invalid_token_is_unauthorized_naming_its_source_not_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_revoked")
    with running(FakeHub(make_models(3), valid_tokens={"hf_good"})) as hub, \
            client(hub.base, [], token=None) as cl, pytest.raises(UnauthorizedError) as err:
        cl.model_info("org1/model-1")
    msg = str(err.value)
    assert "HF_TOKEN" in msg and "hf_revoked" not in msg and "HTTP 401" in msg


def test_disabled_and_renamed_repos() -> None:
    hub = FakeHub(make_models(5), disabled={"org2/model-2"},
                  renamed={"oldorg/model-3": "org3/model-3"})
    with running(hub), client(hub.base, []) as cl:
        with pytest.raises(DisabledRepoError) as err:
            cl.model_info("org2/model-2")
        assert err.value.status == 403 and "disabled" in str(err.value)
        info = cl.model_info("oldorg/model-3")
        assert info["id"] == "org3/model-3"
        assert [p.split("?")[0] for _, p, _ in hub.requests[-2:]] == [
            "/api/models/oldorg/model-3", "/api/models/org3/model-3"]


def test_tree_pages_by_50_with_the_hubs_per_file_scans_and_respects_the_budget() -> None:
    models = make_models(18)
    big = models[17]
    big["siblings"] += [{"rfilename": f"shards/part-{k:03d}.json", "size": k,
                         "blobId": f"{k:040x}"} for k in range(110)]
    with running(FakeHub(models)) as hub, client(hub.base, []) as cl:
        tree = cl.list_tree("org17/model-17", revision=big["sha"])
        assert tree.pages == 3 and not tree.truncated and tree.skipped == 0
        by = {f.path: f for f in tree.files}
        assert "onnx" not in by and "onnx/model.onnx" in by  # folders left out
        assert by["pytorch_model.bin"].security_status == "unsafe"
        assert by["pytorch_model.bin"].pickle_import_scan is not None
        assert by["model.safetensors"].security_status == "safe"
        assert by["model.safetensors"].lfs_sha256 == big["siblings"][1]["lfs"]["sha256"]
        q = parse_qs(urlsplit(hub.requests[-3][1]).query)
        assert q == {"recursive": ["true"], "expand": ["true"]}
        assert f"/tree/{big['sha']}" in hub.requests[-3][1]
        cut = cl.list_tree("org17/model-17", max_files=60)
        assert cut.truncated and len(cut.files) == 60 and cut.pages == 2


def test_range_reads_small_files_and_lfs_files_through_the_cdn_without_credentials() -> None:
    header = {"w": {"dtype": "F16", "shape": [2, 2], "data_offsets": [0, 8]}}
    st = safetensors_bytes(header)
    files = {("org1/model-1", "model.safetensors"): st,
             ("org1/model-1", "config.json"): b'{"model_type": "llama"}'}
    hub = FakeHub(make_models(3), files=files, gated={"org2/model-2"})
    with running(hub), client(hub.base, [], token="hf_secret") as cl:
        assert cl.read_range("org1/model-1", "config.json", length=8) == b'{"model_'
        assert cl.read_range("org1/model-1", "config.json", start=8, length=4) == b"type"
        head = cl.read_range("org1/model-1", "model.safetensors", length=8)
        n = int.from_bytes(head, "little")
        assert json.loads(cl.read_range("org1/model-1", "model.safetensors", start=8,
                                        length=n)) == header
        assert cl.read_range("org1/model-1", "config.json", start=10_000, length=4) == b""
        assert hub.cdn_requests and all("authorization" not in h for _, h in hub.cdn_requests)
        assert hub.cdn_requests[0][1]["range"] == "bytes=0-7"
        assert hub.requests[-1][2]["authorization"] == "Bearer hf_secret"
        with pytest.raises(GatedRepoError) as gated:
            cl.read_range("org2/model-2", "model.safetensors", length=8)
        assert gated.value.status == 403 and gated.value.code == "GatedRepo"
        with pytest.raises(NotFoundError) as missing:
            cl.read_range("org1/model-1", "nope.bin", length=8)
        assert not isinstance(missing.value, RepoNotFoundError)
        with pytest.raises(UsageError):
            cl.read_range("org1/model-1", "config.json", length=MAX_RANGE_BYTES + 1)
        with pytest.raises(UsageError):
            cl.read_range("org1/model-1", "../etc/passwd", length=8)


def test_endpoint_must_be_http() -> None:
    with pytest.raises(UsageError):
        HubClient("ftp://example.com")
    with pytest.raises(UsageError):
        HubClient("http://x", token=False).list_url(sort="trending")


# -- token and offline mode, as huggingface_hub resolves them ----------------------------


def _no_token_env(mp: pytest.MonkeyPatch, home: Path) -> None:
    for v in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME"):
        mp.delenv(v, raising=False)
    mp.setenv("XDG_CACHE_HOME", str(home / "xdg"))


def test_token_order_env_then_legacy_then_file_with_whitespace_cleaned(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    _no_token_env(monkeypatch, tmp_path)
    assert resolve_token() is None
    f = tmp_path / "xdg" / "huggingface" / "token"
    assert token_path() == f
    f.parent.mkdir(parents=True)
    f.write_text("  hf_from_file\r\n")
    t = resolve_token()
    assert t is not None and t.value == "hf_from_file" and str(f) in t.source
    assert "hf_from_file" not in repr(t)
    monkeypatch.setenv("HUGGING_FACE_HUB_TOKEN", " hf_legacy\n")
    t = resolve_token()
    assert t is not None and (t.value, t.source) == ("hf_legacy", "HUGGING_FACE_HUB_TOKEN")
    monkeypatch.setenv("HF_TOKEN", "hf_main")
    t = resolve_token()
    assert t is not None and (t.value, t.source) == ("hf_main", "HF_TOKEN")
    # a blank HF_TOKEN hides HUGGING_FACE_HUB_TOKEN and falls to the file, as in
    # huggingface_hub (`HF_TOKEN or HUGGING_FACE_HUB_TOKEN`, then cleaned)
    monkeypatch.setenv("HF_TOKEN", " \n ")
    t = resolve_token()
    assert t is not None and t.value == "hf_from_file"


def test_token_file_locations_hf_home_and_hf_token_path(monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    _no_token_env(monkeypatch, tmp_path)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hfhome"))
    assert token_path() == tmp_path / "hfhome" / "token"
    monkeypatch.setenv("HF_TOKEN_PATH", "~/custom/tok")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert token_path() == tmp_path / "custom" / "tok"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.delenv("HF_HOME")
    monkeypatch.delenv("HF_TOKEN_PATH")
    assert token_path() == tmp_path / ".cache" / "huggingface" / "token"


def test_implicit_token_can_be_disabled_and_false_sends_none(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    _no_token_env(monkeypatch, tmp_path)
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    with running(FakeHub(make_models(3))) as hub:
        for token, expect in ((None, "Bearer hf_env"), (False, None),
                              ("hf_explicit", "Bearer hf_explicit")):
            with client(hub.base, [], token=token) as cl:
                cl.model_info("org1/model-1")
            assert hub.requests[-1][2].get("authorization") == expect
        monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "yes")
        with client(hub.base, [], token=None) as cl:
            cl.model_info("org1/model-1")
        assert "authorization" not in hub.requests[-1][2]


@pytest.mark.parametrize(("var", "value", "offline"), [
    ("HF_HUB_OFFLINE", "1", True), ("HF_HUB_OFFLINE", "true", True),
    ("TRANSFORMERS_OFFLINE", "ON", True), ("HF_HUB_OFFLINE", "0", False),
])
def test_offline_mode_refuses_before_any_request(monkeypatch: pytest.MonkeyPatch, var: str,
                                                 value: str, offline: bool) -> None:
    monkeypatch.setenv(var, value)
    with running(FakeHub(make_models(2))) as hub:
        if offline:
            with pytest.raises(OfflineError) as err:
                client(hub.base, [])
            assert "\n" not in str(err.value) and "HF_HUB_OFFLINE" in str(err.value)
        else:
            with client(hub.base, []) as cl:
                cl.model_info("org1/model-1")
        assert len(hub.requests) == (0 if offline else 1)


def test_check_online_reads_a_deleted_ancestor_as_not_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Online lineage marks an ancestor 'removed' on NotFoundError (not 'could not fetch')."""
    from modelatlas.check.hub import fetch

    monkeypatch.setenv("MODELATLAS_HTTP_WAIT_SCALE", "0")
    with running(FakeHub(make_models(3))) as hub:
        with pytest.raises(NotFoundError, match=r"ghost/none.*401.*RepoNotFound"):
            fetch("ghost/none", endpoint=hub.base)
        assert fetch("org1/model-1", endpoint=hub.base)["id"] == "org1/model-1"
        assert len(hub.requests) == 2
