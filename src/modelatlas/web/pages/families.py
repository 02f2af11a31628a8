"""``/families``: root families and derivative trees; ``/tree?root=``: one model's tree.

The families page draws the report's derivative-share chart (``derivatives
--metric share --by family``, filters from the query's own parameters) and
lists derivative trees (``--metric trees``) with search, sort and paging in
the URL, beside the depth and leaf summaries. The tree page reads ``lineage``
for one model: where it sits (parents and roots, each a link up the tree), and
everything below it, counted by relation and by generation, in collapsible
blocks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.errors import UsageError
from modelatlas.web import page_charts
from modelatlas.web.pages._site import (
    Asked,
    Site,
    choices,
    page_number,
    paged,
    sort_rows,
    text_param,
)

SORTS = ("root", "family", "region", "size", "max_depth")
WEB_MAX = 10_000
#: Filters of the derivative-share chart taken from the URL (the rest are fixed).
CHART_FILTERS = ("by", "freq", "since", "until", "relation")


def register(app: FastAPI, site: Site) -> None:
    @app.get("/families", include_in_schema=False)
    def families(request: Request) -> Response:
        q = text_param(request, "q").strip()
        sort = text_param(request, "sort", "size")
        desc = text_param(request, "dir", "desc") != "asc"
        page = page_number(request)
        if sort not in SORTS:
            raise UsageError(f"sort must be one of {'|'.join(SORTS)}")
        chart_args = {k: request.query_params[k] for k in CHART_FILTERS
                      if request.query_params.get(k)}
        state = {"q": q, "sort": sort, "dir": "desc" if desc else "asc", **chart_args}

        def build(ask: Asked) -> dict[str, Any]:
            share = ask("derivatives", metric="share", **chart_args)
            by = chart_args.get("by", "family")
            title = f"Share of new derivatives by root {by}"
            chart = page_charts.family_series(pd.DataFrame(share), title) if share else None
            trees = ask("derivatives", metric="trees", limit=WEB_MAX)
            needle = q.lower()
            rows = [t for t in trees if not needle or needle in str(t["root"]).lower()
                    or needle in str(t["family"] or "").lower()]
            return {"chart": chart, "title": title, "state": state, "sort": sort, "desc": desc,
                    "p": paged(sort_rows(rows, sort, desc), page),
                    "trees_cut": len(trees) >= WEB_MAX,
                    "depth": ask("derivatives", metric="depth"),
                    "leaves": ask("derivatives", metric="leaves"),
                    "sizes": ask("derivatives", metric="tree-sizes"),
                    "by_choices": _choices("by"), "freq_choices": _choices("freq"),
                    "relation_choices": _choices("relation")}

        return site.page(request, "families.html", build)

    @app.get("/tree", include_in_schema=False)
    def tree(request: Request) -> Response:
        root = text_param(request, "root").strip()
        if not root:
            raise UsageError("root is required: /tree?root=<Hub model id>")

        def build(ask: Asked) -> dict[str, Any]:
            lin = ask("lineage", model_id=root)
            return {"lin": lin, "lineage_url": ask.calls[-1],
                    "chart": page_charts.descendants(
                lin["descendants"], lin["descendants_by_generation"])}

        return site.page(request, "tree.html", build)


def _choices(param: str) -> tuple[str, ...]:
    return choices("derivatives", param)
