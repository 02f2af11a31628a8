"""``/licences``: licence use and mix; ``/changes``: licence and access changes.

The licences page reads ``licenses --usage --by <group>`` (models and latest
downloads per licence, per region, ...), ``license-mix`` (the report's
licence-mix chart, weighted by models or downloads) and ``licenses
--unmapped`` (licence values no catalog entry explains). The changes page
reads ``changes`` with its own filters (kind, model, dates) from the URL.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.report import charts
from modelatlas.web.pages._site import Asked, Site, choices, page_number, paged

#: Changes listed per page of the changes view (the API's page limit bounds the answer).
CHANGES_LIMIT = 10_000


def register(app: FastAPI, site: Site) -> None:
    @app.get("/licences", include_in_schema=False)
    def licences(request: Request) -> Response:
        by = request.query_params.get("by", "license")
        mix = {k: request.query_params[k] for k in ("weight", "freq", "since", "until")
               if request.query_params.get(k)}
        state = {"by": by, **mix}

        def build(ask: Asked) -> dict[str, Any]:
            usage = ask("licenses", usage=True, by=by)
            lm = ask("license-mix", **mix)
            weight = mix.get("weight", "models")
            title = f"Licence mix of new models ({weight})"
            chart = charts.spec(charts.licence_bars(pd.DataFrame(lm), title)) if lm else None
            unmapped = ask("licenses", unmapped=True)
            return {"usage": usage, "chart": chart, "title": title, "state": state,
                    "unmapped": unmapped, "by_choices": choices("licenses", "by"),
                    "weight_choices": choices("license-mix", "weight"),
                    "freq_choices": choices("license-mix", "freq")}

        return site.page(request, "licences.html", build)

    @app.get("/changes", include_in_schema=False)
    def changes(request: Request) -> Response:
        filters = {k: request.query_params[k] for k in ("kind", "model", "since", "until")
                   if request.query_params.get(k)}
        page = page_number(request)

        def build(ask: Asked) -> dict[str, Any]:
            rows = ask("changes", limit=CHANGES_LIMIT, **filters)
            return {"p": paged(rows, page), "state": filters, "cut": len(rows) >= CHANGES_LIMIT,
                    "kinds": choices("changes", "kind")}

        return site.page(request, "changes.html", build)
