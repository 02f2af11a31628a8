"""``/orgs``: the organisations table; ``/org?name=``: one organisation.

The table lays three answers side by side on the organisation key (lower-case
namespace): the registry (``orgs``: developer, country, region, kind, origin),
release activity (``cadence``: models, first and last release) and the latest
month's download share (``share --by org``; the top groups only, others show
"–"). Search, filters, sort column and page are URL parameters.

The org page reads its registry entry, its models (``models --org``, most
downloaded first, up to the API's page limit; a cut list says so), and the
derivative trees rooted in its models (``derivatives --metric trees``). Its
releases over time and licence mix are drawn from that model list by the
chart (count per creation month / licence), so they cover the listed models.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.errors import NotFoundError, UsageError
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

#: Sortable columns of the organisations table (a whitelist of row keys).
SORTS = ("org", "display_name", "country", "region", "kind", "origin", "models",
         "first_release", "last_release", "share")
#: Most rows a list answer carries on the web (the registry's web_maximum).
WEB_MAX = 10_000


def org_table(ask: Asked) -> tuple[list[dict[str, Any]], bool]:
    """The joined rows, and whether the release listing was cut at the web limit
    (computed once per store state for every organisations and search page; a caller
    filters and sorts a new list, never the rows in place)."""
    return ask.site.memo(ask, "org_table", _org_table)  # type: ignore[no-any-return]


def _org_table(ask: Asked) -> tuple[list[dict[str, Any]], bool]:
    reg = ask("orgs")
    cad = ask("cadence", limit=WEB_MAX)
    share = ask("share", by="org")
    last = max((r["period"] for r in share), default=None)
    shares = {str(r["group"]).lower(): r["share"] for r in share if r["period"] == last}
    rows: dict[str, dict[str, Any]] = {}
    for r in reg:
        key = str(r["org"]).lower()
        rows[key] = {"org": r["namespace"] or r["org"], "display_name": r["display_name"],
                     "country": r["country"], "region": r["region"], "kind": r["kind"],
                     "origin": r["origin"], "models": None, "first_release": None,
                     "last_release": None}
    for c in cad:
        key = str(c["org"]).lower()
        row = rows.setdefault(key, {"org": c["org"], "display_name": None, "country": None,
                                    "region": "unknown", "kind": "unknown",
                                    "origin": None})
        row.update(models=c["models"], first_release=c["first_release"],
                   last_release=c["last_release"])
    for key, row in rows.items():
        row["share"] = shares.get(key)
    return list(rows.values()), len(cad) >= WEB_MAX


def register(app: FastAPI, site: Site) -> None:
    @app.get("/orgs", include_in_schema=False)
    def orgs(request: Request) -> Response:
        q = text_param(request, "q").strip()
        region = text_param(request, "region")
        kind = text_param(request, "kind")
        sort = text_param(request, "sort", "models")
        desc = text_param(request, "dir", "desc") != "asc"
        page = page_number(request)
        if sort not in SORTS:
            raise UsageError(f"sort must be one of {'|'.join(SORTS)}")
        regions, kinds = choices("orgs", "region"), choices("orgs", "kind")
        if region and region not in regions:
            raise UsageError(f"region must be one of {'|'.join(regions)}")
        if kind and kind not in kinds:
            raise UsageError(f"kind must be one of {'|'.join(kinds)}")
        state = {"q": q, "region": region, "kind": kind, "sort": sort,
                 "dir": "desc" if desc else "asc"}

        def build(ask: Asked) -> dict[str, Any]:
            rows, cut = org_table(ask)
            needle = q.lower()
            rows = [r for r in rows
                    if (not needle or needle in str(r["org"]).lower()
                        or needle in str(r["display_name"] or "").lower())
                    and (not region or r["region"] == region)
                    and (not kind or r["kind"] == kind)]
            return {"p": paged(sort_rows(rows, sort, desc), page), "state": state,
                    "regions": regions, "kinds": kinds, "sort": sort, "desc": desc,
                    "cadence_cut": cut}

        return site.page(request, "orgs.html", build)

    @app.get("/org", include_in_schema=False)
    def org(request: Request) -> Response:
        name = text_param(request, "name").strip()
        if not name:
            raise UsageError("name is required: /org?name=<Hub namespace>")

        def build(ask: Asked) -> dict[str, Any]:
            key = name.lower()
            entry = next((r for r in ask("orgs", name=name) if str(r["org"]).lower() == key),
                         None)
            models = ask("models", org=name, limit=WEB_MAX)
            if entry is None and not models:
                raise NotFoundError(f"organisation not in the store: {name}")
            trees = [t for t in ask("derivatives", metric="trees", limit=WEB_MAX)
                     if str(t["root"]).split("/", 1)[0].lower() == key]
            return {
                "name": entry["namespace"] if entry else models[0]["org"], "entry": entry,
                "models": models[:50], "model_count": len(models),
                "models_cut": len(models) >= WEB_MAX,
                "releases": page_charts.releases(models), "licences":
                    page_charts.licence_mix(models), "trees": trees[:50],
                "tree_count": len(trees), "tree_chart": page_charts.tree_sizes(trees[:20]),
            }

        return site.page(request, "org.html", build)

