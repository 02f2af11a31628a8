"""The dashboard's pages: server-rendered HTML over the registered queries.

One module per page family registers its routes; each page reads its data
through :meth:`~modelatlas.web.pages._site.Site.ask` (the same door as
``GET /api/<query>``), keeps its whole state in the URL, and draws charts with
the report's Vega-Lite specs from a JSON block (no inline script).
"""

from __future__ import annotations

from fastapi import FastAPI

from modelatlas.web.pages import families, licences, models, openness, orgs, overview, search
from modelatlas.web.pages._site import Site

PAGES = (overview, orgs, families, models, licences, openness, search)


def mount(app: FastAPI, site: Site) -> None:
    """Register every page route on ``app``."""
    for module in PAGES:
        module.register(app, site)


__all__ = ["Site", "mount"]
