"""The server's guard: Host allowlist, read-only methods, CSP, no inline script, and
no request that reaches the filesystem (watched with an audit hook)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from modelatlas.web import create_app
from modelatlas.web.security import CSP, allowed_hosts, host_name
from tests import dashboard_store
from tests.clirunner import run_cli

PAGES = ("/", "/orgs", "/org?name=Qwen", "/families", "/licences", "/changes", "/openness",
         "/search?q=qwen", f"/model?id={dashboard_store.EVIL_MODEL}",
         f"/tree?root={dashboard_store.EVIL_MODEL}")


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return dashboard_store.build(tmp_path_factory.mktemp("sec"), models=300, snapshots=3)


@pytest.fixture(scope="module")
def app(db: Path) -> Iterator[Any]:
    a = create_app(db, watch=False, bound="10.1.2.3", allow_hosts=["atlas.example.org"])
    yield a
    a.state.shared.close()


def _client(app: Any, host: str) -> TestClient:
    return TestClient(app, base_url=f"http://{host}")


@pytest.mark.parametrize(("header", "name"), [
    ("127.0.0.1:8000", "127.0.0.1"), ("LOCALHOST", "localhost"), ("localhost.:80", "localhost"),
    ("[::1]:8000", "::1"), ("[0:0::1]", "::1"), ("atlas.example.org", "atlas.example.org"),
    ("", None), ("evil.example:99999", None), ("a b", None), ("[::1", None),
    ("::1", None), ("x:80:80", None), ("-bad.example", None), ("é.example", None),
    ("127.0.0.1:0", None), ("h" * 300, None), ("evil.example\r\nX: y", None),
])
def test_host_header_parsing(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_allowlist_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELATLAS_ALLOWED_HOSTS", "Proxy.Example, ,[::2]")
    names = allowed_hosts("0.0.0.0", ["more.example."])
    assert {"127.0.0.1", "localhost", "::1", "proxy.example", "::2",
            "more.example"} == names   # a wildcard bind names no host


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io",
                                  "10.1.2.4", "[::2]", "localhost.evil.example"])
@pytest.mark.parametrize("path", ["/", "/api/stats", "/openapi.json", "/orgs", "/static/x"])
def test_foreign_host_is_400(app: Any, host: str, path: str) -> None:
    r = _client(app, host).get(path)
    assert r.status_code == 400
    assert "host not allowed" in r.json()["error"]
    assert r.headers["content-security-policy"] == CSP


def test_missing_host_is_400(app: Any) -> None:
    r = TestClient(app, base_url="http://127.0.0.1").get("/api/stats", headers={"host": ""})
    assert r.status_code == 400


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8000", "[::1]:8000", "10.1.2.3:80",
                                  "atlas.example.org", "ATLAS.example.org."])
def test_allowed_hosts_answer(app: Any, host: str) -> None:
    assert _client(app, host).get("/api/stats").status_code == 200


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_read_only(app: Any, method: str) -> None:
    r = _client(app, "127.0.0.1").request(method, "/api/stats")
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD"


def test_every_response_carries_the_policy(app: Any) -> None:
    c = _client(app, "127.0.0.1")
    page = c.get("/")
    js = re.search(r'src="(/static/dashboard\.[0-9a-f]{12}\.js)"', page.text)
    assert js is not None
    for r in (page, c.get("/api/stats"), c.get(js.group(1)), c.get("/nope"),
              c.get("/api/share?by=nonsense"), c.get("/model?id=no/such-model")):
        assert r.headers["content-security-policy"] == CSP
        assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert c.get(js.group(1)).headers["cache-control"].endswith("immutable")


@pytest.mark.parametrize("path", PAGES)
def test_pages_have_no_inline_script(app: Any, path: str) -> None:
    r = _client(app, "127.0.0.1").get(path)
    assert r.status_code == 200, r.text[:300]
    tags = re.findall(r"<script\b[^>]*>", r.text, flags=re.I)
    assert tags
    for tag in tags:
        assert re.fullmatch(r'<script src="/static/[a-z-]+\.[0-9a-f]{12}\.js" defer>', tag) \
            or re.fullmatch(r'<script type="application/json" id="[a-z-]+-spec">', tag), tag
    # a data payload can never open or close an element inside a JSON block
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', r.text,
                            flags=re.S):
        assert "<" not in block and ">" not in block and "&" not in block
    assert dashboard_store.SCRIPT not in r.text and dashboard_store.IMG not in r.text
    assert 'onerror="window' not in r.text and "\x1b" not in r.text


class _FileWatch:
    """Records filesystem reads (audit events) while ``active``."""

    def __init__(self) -> None:
        self.active = False
        self.seen: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.active and event in ("open", "os.listdir", "os.scandir") and args:
            self.seen.append(f"{event} {args[0]!s}")


_WATCH = _FileWatch()
sys.addaudithook(_WATCH)

PATH_FORMS = ["../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2Fetc%2Fpasswd", "/etc/passwd",
              "~/.ssh/id_rsa", "file:///etc/passwd", "C:%5Cwindows", "org/name/../../x",
              "%2e%2e/%2e%2e/etc/passwd", "org/name", "org/name/config.json"]


def test_no_path_form_reaches_the_filesystem(app: Any, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A Hub-id-shaped name that is also a folder beside the server must not be read,
    nor any other path form, through any route that takes an id."""
    (tmp_path / "org" / "name").mkdir(parents=True)
    (tmp_path / "org" / "name" / "config.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    c = _client(app, "127.0.0.1")
    c.get("/api/stats")    # warm: templates, assets
    c.get("/")
    routes = ["/api/check/{p}", "/api/lineage/{p}", "/api/ram/{p}", "/api/openness/{p}",
              "/api/licenses/{p}", "/static/{p}", "/model?id={p}", "/tree?root={p}",
              "/bom?id={p}", "/org?name={p}", "/search?q={p}", "/api/models?org={p}"]
    statuses: dict[str, int] = {}
    _WATCH.seen.clear()
    _WATCH.active = True
    try:
        for route in routes:
            for form in PATH_FORMS:
                url = route.format(p=form)
                statuses[url] = c.get(url).status_code
    finally:
        _WATCH.active = False
    touched = [s for s in _WATCH.seen
               if "passwd" in s or ".ssh" in s or str(tmp_path) in s
               or s.split(" ", 1)[1].startswith(("org", "./org", "../"))]
    assert touched == []
    assert all(code < 500 for code in statuses.values()), statuses
    assert statuses["/static/../../etc/passwd"] == 404


def test_serve_refuses_a_bad_allow_host() -> None:
    r = run_cli("serve", "--allow-host", "not a host!")
    assert r.code == 2 and "--allow-host" in r.err


def test_static_is_a_lookup(app: Any) -> None:
    c = _client(app, "127.0.0.1")
    assert c.get("/static/dashboard.js").status_code == 404    # unhashed names are not files
    assert c.get("/static/__init__.py").status_code == 404
    assert c.get("/static/..%2F__init__.py").status_code == 404
    assert os.path.basename(__file__) not in c.get("/static/").text
