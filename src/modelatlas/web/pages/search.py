"""``/search?q=``: find a model or an organisation by id.

An exact model id (any case; the id as the store spells it) opens the model
page. Otherwise the page lists organisations whose namespace or name contains
the text (the organisations table's rows), and models whose id contains it
among the models of one organisation: the one the text names (``org/...``), or
the namespace the text is exactly (``models --org``, most downloaded first).
One organisation at most, because listing an organisation's models reads its
newest observations, which costs a scan on a large store. Results are bounded;
the text stays in the URL.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from modelatlas.web.pages._site import Asked, Site, model_url, text_param
from modelatlas.web.pages.orgs import org_table

MAX_ORGS = 50
MAX_MODELS = 100


def register(app: FastAPI, site: Site) -> None:
    @app.get("/search", include_in_schema=False)
    def search(request: Request) -> Response:
        q = text_param(request, "q").strip()
        if q and "/" in q:
            found, _err = Asked(site).maybe("lineage", model_id=q)
            if found is not None:
                return RedirectResponse(model_url(found["id"]), status_code=303)

        def build(ask: Asked) -> dict[str, Any]:
            if not q:
                return {"q": q, "orgs": [], "models": [], "searched": []}
            needle = q.lower()
            org_part = needle.split("/", 1)[0] if "/" in needle else None
            rows, _cut = org_table(ask)
            orgs = [r for r in rows if needle in str(r["org"]).lower()
                    or needle in str(r["display_name"] or "").lower()
                    or (org_part is not None and str(r["org"]).lower() == org_part)]
            orgs.sort(key=lambda r: (str(r["org"]).lower() != (org_part or needle),
                                     -(r["models"] or 0), str(r["org"]).lower()))
            named = org_part or needle
            searched = [str(r["org"]) for r in orgs[:1] if str(r["org"]).lower() == named]
            models: list[dict[str, Any]] = []
            for org in searched:
                listed, _err = ask.maybe("models", org=org, limit=10_000)
                models += [m for m in listed or () if needle in str(m["id"]).lower()
                           or org_part is None]
            models.sort(key=lambda m: -(m["downloads"] or 0))
            return {"q": q, "orgs": orgs[:MAX_ORGS], "org_total": len(orgs),
                    "models": models[:MAX_MODELS], "model_total": len(models),
                    "searched": searched}

        return site.page(request, "search.html", build)
