"""``/``: the headline with its population and coverage, and share over time with filters.

The filters are the ``share`` query's own parameters as ``GET /api/queries``
describes them (choices become menus, dates month pickers), so a parameter the
registry gains appears here without a page change; the population menu lists
what ``GET /api/populations`` answers (a population is free text in the
registry, a menu of the store's own populations here). The URL is the state
(``/?by=org&metric=likes&population=hub`` can be shared). The headline is the
report's (:func:`modelatlas.report.text.headline`: downloads by region, root
attribution, the latest complete and substantial month, the population and
coverage named in the sentence, none below the coverage threshold) over the same
range, population, region scheme and counting rule as the chart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.report import text as report_text
from modelatlas.report.text import REGION_NAME, headline, month_name
from modelatlas.web import page_charts
from modelatlas.web.pages._site import Asked, Site, describe

#: Filters the headline follows from the chart's (the headline itself is always
#: downloads by region, root attribution, per month, as in the report).
HEADLINE_FIXED = {"by": "region", "metric": "downloads", "attribution": "root",
                  "freq": "month", "top": None}
#: What the chart's coverage counts, per metric (docs/metrics.md, coverage).
COVERED = {"downloads": "downloads", "downloads_alltime": "downloads", "likes": "likes",
           "models": "new models", "derivatives": "derivatives"}


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
        return page_charts.region_series(df, title)
    spec = page_charts.family_series(df, title)
    enc = spec.get("encoding", {}).get("color", {})
    if isinstance(enc.get("legend"), dict):
        enc["legend"]["title"] = by
    return spec


def _populations(ask: Asked) -> tuple[list[dict[str, Any]], str | None]:
    """The store's populations (for the menu and the population line), if this build
    registers the query."""
    if describe("populations") is None:
        return [], None
    rows, err = ask.maybe("populations")
    return list(rows or []), err


def _coverage(rows: list[dict[str, Any]], last: str | None) -> dict[str, Any] | None:
    """The chart's coverage: its latest period's, the lowest over the range, partial
    periods (as the rows of the share answer carry them)."""
    per = {str(r["period"]): r for r in rows if r.get("coverage") is not None}
    if not per:
        return None
    low = min(per.values(), key=lambda r: float(r["coverage"]))
    return {"last": per.get(last or "", {}).get("coverage"), "last_period": last,
            "low": low["coverage"], "low_period": str(low["period"]),
            "partial": sorted({str(r["period"]) for r in rows if r.get("partial")})}


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
            pops, pops_error = _populations(ask)
            by_name = {str(p["population"]): p for p in pops}
            read = str(root[0]["population"]) if root and root[0].get("population") else (
                str(rows[0]["population"]) if rows and rows[0].get("population") else None)
            frame = pd.DataFrame(root) if root else pd.DataFrame(
                columns=["period", "group", "value", "share"])
            pop = by_name.get(read or "")
            # the population's description goes into the sentence when the store has
            # populations (issue 12); a build without them takes the answer alone
            say: Callable[..., tuple[str, dict[str, object]]] = headline
            text, facts = say(frame, pop) if pop is not None else say(frame)
            by = values.get("by") or next((p["default"] for p in params if p["name"] == "by"),
                                          "region")
            metric = values.get("metric") or "downloads"
            attribution = args.get("attribution") or next(
                (p["default"] for p in params if p["name"] == "attribution"), "direct")
            periods = sorted({str(r["period"]) for r in rows})
            last = periods[-1] if periods else None
            latest = sorted((r for r in rows if r["period"] == last),
                            key=lambda r: (-(r["share"] or 0), str(r["group"])))
            title = f"Share of {metric} by {by}"
            chart_pop = str(rows[0]["population"]) if rows and rows[0].get("population") \
                else None
            return {
                "params": params, "values": args, "headline": text, "facts": facts,
                "headline_period": (month_name(str(facts["period"]))
                                    if facts.get("period") else None),
                "min_coverage": getattr(report_text, "HEADLINE_MIN_COVERAGE", None),
                "chart": _chart(rows, by, title), "title": title, "by": by,
                "metric": metric, "attribution": attribution, "latest": latest, "last_period": last,
                "periods": len(periods), "region_names": REGION_NAME,
                "populations": pops, "populations_error": pops_error,
                "population": by_name.get(read or "") if read else None,
                "population_name": read, "chart_population": chart_pop,
                "coverage": _coverage(rows, last), "covered": COVERED.get(metric, metric),
            }

        return site.page(request, "overview.html", build)
