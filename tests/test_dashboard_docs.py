"""docs/dashboard.md shows every page: each screenshot it names exists, and every page
route of the dashboard has one."""

from __future__ import annotations

import re
from pathlib import Path

from modelatlas.web import create_app

DOCS = Path(__file__).resolve().parents[1] / "docs"
#: Screenshot file stem per page route.
SHOTS = {"/": "overview", "/orgs": "organisations", "/org": "organisation",
         "/families": "families", "/tree": "tree", "/model": "model", "/licences": "licences",
         "/changes": "changes", "/openness": "openness", "/search": "search"}


def test_every_page_has_a_screenshot() -> None:
    text = (DOCS / "dashboard.md").read_text(encoding="utf-8")
    named = re.findall(r"!\[[^\]]*\]\((dashboard/[^)]+\.png)\)", text)
    assert named
    for rel in named:
        png = DOCS / rel
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", rel
    app = create_app(None, watch=False)
    try:
        pages = {r.path for r in app.routes if getattr(r, "include_in_schema", True) is False
                 and not r.path.startswith(("/static", "/openapi", "/bom"))}
    finally:
        app.state.shared.close()
    assert pages == set(SHOTS)
    for stem in SHOTS.values():
        assert f"dashboard/{stem}.png" in named, stem
