"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, clicks
through every page of ``modelatlas serve`` on a store full of hostile strings.

On every page: no script from data runs (the ``window.__pwned`` sentinel stays
unset, also after hovering chart marks, whose tooltips show data), the
Content-Security-Policy reports no violation, no script error, and every chart
is drawn (an SVG with marks). Navigation is by clicking links, menus and the
search box, and each view's state is its URL. Screenshots of every page are
taken. Skipped cleanly without /usr/bin/chromium.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests import browser, dashboard_store

pytestmark = pytest.mark.skipif(not browser.available(), reason="needs /usr/bin/chromium")

PAGES = {
    "overview": "/",
    "overview-orgs": "/?by=org&metric=downloads&attribution=root",
    "organisations": "/orgs?sort=models&dir=desc",
    "organisation": "/org?name=Qwen",
    "organisation-hostile": "/org?name=evil",
    "families": "/families",
    "tree-hostile": "/tree?root=" + dashboard_store.EVIL_MODEL.replace("=", "%3D"),
    "model-hostile": browser.model_url(dashboard_store.EVIL_MODEL),
    "model-hostile-child": browser.model_url(dashboard_store.EVIL_CHILD),
    "licences": "/licences",
    "changes": "/changes",
    "openness": "/openness",
    "openness-osai": "/openness?framework=osai",
    "openness-mof": "/openness?framework=mof",
    "openness-osaid": "/openness?framework=osaid",
    "openness-by-origin": "/openness?framework=osai&by=region",
    "search": "/search?q=evil",
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[browser.Server]:
    tmp = tmp_path_factory.mktemp("browser")
    srv = browser.Server(dashboard_store.build(tmp), tmp / "serve.log").start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def page(server: browser.Server) -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = browser.launch(pw)
        p = browser.new_page(b)
        p.set_default_timeout(60_000)
        errors: list[str] = []
        p.on("pageerror", lambda e: errors.append(str(e)))
        p.errors = errors
        try:
            yield p
        finally:
            b.close()


def _clean(page: Any) -> None:
    """Nothing from data ran, nothing was blocked, nothing threw."""
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert page.evaluate("window.__violations") == []
    assert page.evaluate("window.__errors") == []
    assert page.errors == []


def _charts_drawn(page: Any) -> int:
    boxes = page.locator(".chart")
    n = boxes.count()
    for i in range(n):
        box = boxes.nth(i)
        assert box.get_attribute("data-rendered") == "true", box.inner_text()[:200]
        assert box.locator("svg .mark-rect, svg .mark-area, svg .mark-line, "
                           "svg .mark-symbol").count() > 0
    return n


def _hover_marks(page: Any, most: int = 25) -> int:
    """Hover chart marks so tooltips (data) are shown."""
    marks = page.locator(".chart svg path[aria-roledescription], .chart svg path.mark")
    n = min(marks.count(), most)
    hovered = 0
    for i in range(n):
        try:
            marks.nth(i).hover(timeout=2_000, force=True)
            hovered += 1
        except Exception:  # a mark under another is not hoverable; others are
            continue
    return hovered


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_and_runs_nothing_from_data(page: Any, server: browser.Server,
                                                     name: str, tmp_path: Path) -> None:
    page.goto(server.base + PAGES[name])
    browser.wait_drawn(page)
    assert page.evaluate("document.body.dataset.charts") == "drawn"
    charts = _charts_drawn(page)
    if name in ("overview", "organisation", "families", "licences", "tree-hostile",
                "openness-by-origin"):
        assert charts >= 1
        assert _hover_marks(page) > 0
    shot = tmp_path / f"{name}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    _clean(page)


def test_hostile_strings_are_shown_as_text(page: Any, server: browser.Server) -> None:
    page.goto(server.base + PAGES["model-hostile"])
    browser.wait_drawn(page)
    assert page.locator("h1").inner_text() == dashboard_store.EVIL_MODEL
    tags = page.locator(".tags span").all_inner_texts()
    assert dashboard_store.SCRIPT in tags and dashboard_store.BREAKOUT in tags
    assert any("[31mred" in t for t in tags)        # ANSI escape shown inert, not applied
    assert page.locator("img").count() == 0           # no payload became an element
    # the check refuses a non-Hub id and says so, as text
    assert page.locator("#check").get_attribute("data-loaded") == "error"
    assert "not a Hub model id" in page.locator("#check").inner_text()
    _clean(page)


def test_model_page_check_and_bom(page: Any, server: browser.Server) -> None:
    page.goto(server.base + "/org?name=Qwen")
    browser.wait_drawn(page)
    page.locator("#models a").first.click()
    browser.wait_drawn(page)
    assert urlparse(page.url).path == "/model"
    check = page.locator("#check")
    assert check.get_attribute("data-loaded") == "true"
    assert "Verdict:" in check.locator(".verdict").inner_text()
    assert check.locator("[data-part=licenses] table").count() == 1
    # the RAM section is fetched after the page is shown, and drawn as a table
    page.wait_for_function("() => document.getElementById('ram').dataset.loaded !== undefined")
    ram = page.locator("#ram")
    assert ram.get_attribute("data-loaded") == "true"
    assert ram.locator("table th").first.inner_text() == "model_id"
    page.select_option("select[name=use]", "research")   # the menu submits itself
    page.wait_for_url("**/model?*use=research*")
    browser.wait_drawn(page)
    assert "for research use" in page.locator(".verdict").inner_text()
    with page.expect_download() as dl:
        page.locator(".downloads a").first.click()
    path = dl.value.path()
    assert path is not None and '"bomFormat": "CycloneDX"' in Path(path).read_text()
    _clean(page)


def test_click_through_with_state_in_the_url(page: Any, server: browser.Server) -> None:
    page.goto(server.base + "/")
    browser.wait_drawn(page)
    page.select_option("form.filters select[name=by]", "org")
    page.wait_for_url("**/?*by=org*")
    browser.wait_drawn(page)
    assert parse_qs(urlparse(page.url).query)["by"] == ["org"]
    shared = page.url
    page.goto(shared)                                    # a shared link is the same view
    browser.wait_drawn(page)
    assert page.locator("select[name=by]").input_value() == "org"
    assert page.locator("#latest td a").count() > 0     # org names link to org pages

    page.get_by_role("link", name="Organisations", exact=True).click()
    browser.wait_drawn(page)
    page.locator("#orgs th a", has_text="organisation").click()   # sort by name
    page.wait_for_url("**/orgs?*sort=org*")
    page.fill("form.filters input[name=q]", "qwen")
    page.locator("form.filters button").click()
    page.wait_for_url("**/orgs?*q=qwen*")
    rows = page.locator("#orgs tbody tr")
    assert rows.count() >= 1
    rows.first.locator("a").first.click()
    browser.wait_drawn(page)
    assert urlparse(page.url).path == "/org"
    page.locator("#trees a").first.click()
    browser.wait_drawn(page)
    assert urlparse(page.url).path == "/tree" and page.locator("#tree").count() == 1
    _charts_drawn(page)

    page.fill("header input[name=q]", dashboard_store.EVIL_CHILD)   # exact id -> model page
    page.keyboard.press("Enter")
    page.wait_for_url("**/model?id=*")
    browser.wait_drawn(page)
    assert page.locator("h1").inner_text() == dashboard_store.EVIL_CHILD
    page.locator("#ancestors a", has_text="evil/").first.click()     # up to its parent
    browser.wait_drawn(page)
    assert page.locator("h1").inner_text() == dashboard_store.EVIL_MODEL
    page.get_by_role("link", name="Openness", exact=True).click()
    browser.wait_drawn(page)
    page.locator("#frameworks a", has_text="mof").click()
    page.wait_for_url("**/openness?framework=mof*")
    assert page.locator("#openness-table tbody tr").count() >= 1
    _clean(page)


def test_serve_prints_its_url_and_logs_requests(page: Any, server: browser.Server) -> None:
    log = server.log.read_text()
    assert f"at http://127.0.0.1:{server.port}/" in log.splitlines()[0]
    assert "GET / 200 " in log and "GET /api/check/" in log
    assert "\x1b" not in log        # request paths with escapes are logged inert
