"""``/``: the headline with its population and coverage, and share over time with filters.

The filters are the ``share`` query's own parameters as ``GET /api/queries``
describes them (choices become menus, dates month pickers), so a parameter the
registry gains (a population or region scheme) appears here without a page
change; the URL is the state (``/?by=org&metric=likes`` can be shared). The
headline is the report's (:func:`modelatlas.report.text.headline`, root
attribution by region) over the same range and population as the chart.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.report import charts
from modelatlas.report.text import REGION_NAME, headline, month_name
from modelatlas.web.pages._site import Asked, Site, describe

#: Filters the headline follows from the chart's (the headline itself is always
#: downloads by region, root attribution, per month, as in the report).
HEADLINE_FIXED = {"by": "region", "metric": "downloads", "attribution": "root",
                  "freq": "month", "top": None}


#: This page's default for the chart: root attribution, as the headline, so the default
#: view reads one ``share`` answer instead of two (on a 3M-model store each costs
#: seconds the first time; docs/benchmarks.md); the registry's default, direct, is one
#: click away in the form.
PAGE_DEFAULTS = {"attribution": "root"}


def chart_args(values: dict[str, str]) -> dict[str, str]:
    """The chart's ``share`` parameters: the URL's, then this page's defaults."""
    return {**values, **{k: v for k, v in PAGE_DEFAULTS.items() if k not in values}}


def effective(args: dict[str, str], params: list[dict[str, Any]]) -> dict[str, Any]:
    """Every ``share`` parameter with its value or the registry's default (two calls
    with equal effective parameters get the same answer)."""
    return {p["name"]: args.get(p["name"], p.get("default")) for p in params}


def filters(request: Request) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """The share query's parameters (for the form) and the values in the URL."""
    d = describe("share")
    params = d["params"] if d else []
    values = {k: v for k, v in request.query_params.items() if v != ""}
    return params, values


def _chart(rows: list[dict[str, Any]], by: str, title: str) -> dict[str, Any] | None:
    if not rows:
        return None
    df = pd.DataFrame(rows)
    if by == "region":
        return charts.spec(charts.region_area(df, title))
    spec = charts.spec(charts.family_area(df, title))
    enc = spec.get("encoding", {}).get("color", {})
    if isinstance(enc.get("legend"), dict):
        enc["legend"]["title"] = by
    return spec


def register(app: FastAPI, site: Site) -> None:
    @app.get("/", include_in_schema=False)
    def overview(request: Request) -> Response:
        params, values = filters(request)

        def build(ask: Asked) -> dict[str, Any]:
            args = chart_args(values)
            head_args = {**{k: v for k, v in args.items() if k not in HEADLINE_FIXED},
                         **{k: v for k, v in HEADLINE_FIXED.items() if v is not None}}
            root = ask("share", **head_args)
            same = effective(args, params) == effective(head_args, params)
            rows = root if same else ask("share", **args)
            text, facts = headline(pd.DataFrame(root) if root else pd.DataFrame(
                columns=["period", "group", "value", "share"]))
            by = values.get("by") or next((p["default"] for p in params if p["name"] == "by"),
                                          "region")
            metric = values.get("metric") or "downloads"
            periods = sorted({str(r["period"]) for r in rows})
            last = periods[-1] if periods else None
            latest = sorted((r for r in rows if r["period"] == last),
                            key=lambda r: (-(r["share"] or 0), str(r["group"])))
            title = f"Share of {metric} by {by}"
            return {
                "params": params, "values": args, "headline": text, "facts": facts,
                "headline_period": month_name(str(facts["period"])) if facts else None,
                "chart": _chart(rows, by, title), "title": title, "by": by,
                "metric": metric, "latest": latest, "last_period": last,
                "periods": len(periods), "region_names": REGION_NAME,
            }

        return site.page(request, "overview.html", build)
