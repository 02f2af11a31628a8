"""``/openness``: every openness framework the registry offers, and openness by origin.

The page asks ``GET /api/queries`` what ``openness`` accepts: one tab per
``--framework`` choice (OSAI Index, MOF, OSAID, the metadata profile, as this
build registers them), an edition menu when the query has ``--edition``
(OSAI 2023 / 2026) and a by-origin view when it has ``--by``. A framework with
nothing imported says so (the query's own message, e.g. run ``modelatlas
import osai DIR``); a parameter this build lacks is named as missing, never
guessed.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.errors import UsageError
from modelatlas.web import page_charts
from modelatlas.web.pages import _site
from modelatlas.web.pages._site import Asked, Site, page_number, paged


def register(app: FastAPI, site: Site) -> None:
    @app.get("/openness", include_in_schema=False)
    def openness(request: Request) -> Response:
        known = _site.describe("openness")     # what this build's registry offers
        frameworks = _site.choices("openness", "framework")
        bys, editions = _site.choices("openness", "by"), _site.choices("openness", "edition")
        fw = request.query_params.get("framework") or (
            "profile" if "profile" in frameworks else (frameworks[0] if frameworks else ""))
        by = request.query_params.get("by") or None
        edition = request.query_params.get("edition") or None
        page = page_number(request)
        if frameworks and fw not in frameworks:
            raise UsageError(f"framework must be one of {'|'.join(frameworks)}")
        state = {"framework": fw, "by": by, "edition": edition}

        def build(ask: Asked) -> dict[str, Any]:
            rows: Any = None
            error = None
            if known is not None:
                rows, error = ask.maybe("openness", framework=fw, by=by, edition=edition)
            listing = rows if isinstance(rows, list) else []
            chart = page_charts.openness_by_origin(listing) if by and listing else None
            return {"chart": chart,"known": known is not None, "frameworks": frameworks, "bys": bys,
                    "editions": editions, "state": state, "error": error,
                    "p": paged(listing, page, 100),
                    "obj": rows if isinstance(rows, dict) else None}

        return site.page(request, "openness.html", build)
