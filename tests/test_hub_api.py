"""The Hub HTTP client: paging, expand, retries (429, 5xx, resets, timeouts, truncation)."""

from __future__ import annotations

import datetime as dt
import email.utils
import random
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from modelatlas.errors import NetworkError, NotFoundError, UsageError
from modelatlas.sources.hub_api import (
    LIST_EXPAND,
    HubClient,
    RetryPolicy,
    _next_link,
    retry_after,
)
from tests.fakehub import FakeHub, Faults, make_models, running

FAST = RetryPolicy(attempts=5, base=0.01, cap=0.05, timeout=2.0)


def client(url: str, sleeps: list[float], *, policy: RetryPolicy = FAST,
           token: str | None = None) -> HubClient:
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
    assert _next_link(h, "https://h/api/models") == "https://h/api/models?cursor=b&limit=2"
    assert _next_link(httpx.Headers({}), "https://h/") is None


def test_backoff_grows_exponentially_with_jitter_and_is_capped() -> None:
    p = RetryPolicy(base=1.0, cap=8.0)
    rng = random.Random(0)
    waits = [p.backoff(a, rng) for a in range(1, 8)]
    for a, w in enumerate(waits, 1):
        raw = min(8.0, 2 ** (a - 1))
        assert raw / 2 <= w <= raw
    assert max(waits) <= 8.0


def test_first_page_asks_sort_direction_limit_and_expand_fields() -> None:
    with running(FakeHub(make_models(30), malformed=[])) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl:
            url = cl.list_url(sort="likes", limit=10)
            q = parse_qs(urlsplit(url).query)
            assert q["sort"] == ["likes"] and q["direction"] == ["-1"] and q["limit"] == ["10"]
            assert q["expand"] == list(LIST_EXPAND)
            page = cl.list_page(url, page_no=1)
            assert len(page.items) == 10 and page.total == 30 and page.next_url
            likes = [m["likes"] for m in page.items]
            assert likes == sorted(likes, reverse=True)
            # only the fields asked for come back (no siblings/config in a listing)
            assert "siblings" not in page.items[0] and "downloadsAllTime" in page.items[0]
            ids = [m["id"] for m in page.items]
            while page.next_url:
                page = cl.list_page(page.next_url, page_no=2)
                ids += [m["id"] for m in page.items]
            assert sorted(ids) == sorted(hub.by_id)
        assert sleeps == []


def test_429_waits_what_retry_after_says_then_succeeds() -> None:
    with running(FakeHub(make_models(5), faults=Faults(script=["429"], retry_after="7"))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl:
            page = cl.list_page(cl.list_url(limit=100), page_no=1)
        assert len(page.items) == 5 + 4  # models + malformed records
        assert len(sleeps) == 1 and 7 <= sleeps[0] < 8


@pytest.mark.parametrize("kind", ["500", "502", "503", "reset", "truncated", "cut"])
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


def test_page_failing_every_attempt_is_one_line_error_naming_the_page() -> None:
    with running(FakeHub(make_models(5), faults=Faults(fail_all=True))) as hub:
        sleeps: list[float] = []
        with client(hub.base, sleeps) as cl, pytest.raises(NetworkError) as err:
            cl.list_page(cl.list_url(limit=100), page_no=4)
        msg = str(err.value)
        assert "\n" not in msg and "page 4" in msg and "5 attempts" in msg and "HTTP 503" in msg
        assert len(sleeps) == FAST.attempts - 1 and max(sleeps) <= FAST.cap


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


def test_model_info_has_file_sizes_and_404_is_not_found() -> None:
    with running(FakeHub(make_models(3))) as hub, client(hub.base, []) as cl:
        info = cl.model_info("org1/model-1")
        assert info["siblings"][1]["size"] > 0 and info["cardData"]["license"]
        with pytest.raises(NotFoundError):
            cl.model_info("nobody/nothing")


def test_endpoint_must_be_http() -> None:
    with pytest.raises(UsageError):
        HubClient("ftp://example.com")
    with pytest.raises(UsageError):
        HubClient("http://x").list_url(sort="trending")
