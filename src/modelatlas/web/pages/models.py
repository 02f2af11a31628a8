"""``/model?id=``: one model; ``/bom?id=&format=``: its AI-BOM as a download.

The page reads ``lineage`` (parents, roots, descendants and the ancestor graph,
which it draws, bounded: a hostile graph cannot make a page do unbounded work),
reads ``openness`` (the metadata profile and linked
OSAI / MOF entries), and lists the model's row from ``models --id``. Two
sections are fetched by the page's script, so the page is usable first: the
due-diligence check from ``GET /api/check/<id>`` (the use and users in the URL
go with it) and the model's RAM from ``GET /api/ram/<id>`` (one model's RAM
ranks it against its whole size-class cohort: 1-2 minutes the first time on the
3M-model store, where the rest of the page takes well under a second).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import Response

from modelatlas.errors import ModelAtlasError, UsageError
from modelatlas.queries import get
from modelatlas.web.pages._site import Asked, Site, api_url, text_param

#: Ancestors drawn at most (nodes, generations): Hub chains are a handful deep.
MAX_ANCESTORS = 60
MAX_GENERATIONS = 12
USES = ("commercial", "research", "saas")
#: BOM formats: name -> (module with ``to_json(report)`` and ``validate(text)``, suffix),
#: as ``check --cyclonedx`` and ``check --spdx`` write them.
BOM_FORMATS = {"cyclonedx": ("modelatlas.check.bom", "cdx.json"),
               "spdx": ("modelatlas.check.spdxbom", "spdx.json")}


@dataclass
class Node:
    """One model in the ancestors tree (a model reached twice is drawn once)."""

    id: str
    relation: str | None = None
    parents: list[Node] = field(default_factory=list)
    repeated: bool = False
    missing: bool = False


def ancestors(lineage: dict[str, Any]) -> tuple[Node, bool]:
    """The ancestors of the model ``lineage`` describes, drawn from its ``ancestors``
    graph (no query per ancestor), and whether a bound cut them (the query's own, or
    the page's :data:`MAX_ANCESTORS` / :data:`MAX_GENERATIONS`)."""
    graph = lineage.get("ancestors") or {}
    parents_of: dict[str, list[dict[str, Any]]] = {}
    for e in graph.get("edges", []):
        parents_of.setdefault(str(e["child"]), []).append(e)
    missing = {str(m) for m in graph.get("missing", [])}
    root = Node(lineage["id"])
    seen = {root.id}
    front = [root]
    cut = bool(graph.get("cut"))
    for _ in range(MAX_GENERATIONS):
        nxt: list[Node] = []
        for node in front:
            for e in parents_of.get(node.id, []):
                child = Node(str(e["parent"]), e.get("relation"))
                node.parents.append(child)
                if child.id in seen:
                    child.repeated = True
                    continue
                seen.add(child.id)
                if len(seen) > MAX_ANCESTORS:
                    cut = True
                    continue
                if child.id in missing:
                    child.missing = True
                    continue
                nxt.append(child)
        if not nxt:
            break
        front = nxt
    else:
        cut = cut or any(parents_of.get(n.id) for n in front)
    return root, cut


def _model_row(ask: Asked, model_id: str) -> dict[str, Any] | None:
    """The model's row of ``models --id`` (its latest observation), if listed: one row
    read, not the organisation's whole list (3.8 MB of JSON for the largest one)."""
    rows, _err = ask.maybe("models", id=model_id, limit=1)
    return next(iter(rows or ()), None)


def _use(request: Request) -> tuple[str, int | None]:
    use = text_param(request, "use", "commercial")
    if use not in USES:
        raise UsageError(f"use must be one of {'|'.join(USES)}")
    raw = text_param(request, "users")
    if raw and not raw.isdigit():
        raise UsageError("users must be a whole number of monthly active users")
    users = int(raw) if raw else None
    if users is not None and users > 10**12:
        raise UsageError("users must be <= 1000000000000")
    return use, users


def hub_id(model_id: str) -> str:
    """``model_id`` when it is a Hub id (the rule of /api/check), else UsageError."""
    from modelatlas.check import hubid

    return hubid.require(model_id)


def register(app: FastAPI, site: Site) -> None:
    @app.get("/model", include_in_schema=False)
    def model(request: Request) -> Response:
        model_id = text_param(request, "id").strip()
        if not model_id:
            raise UsageError("id is required: /model?id=<Hub model id>")
        use, users = _use(request)

        def build(ask: Asked) -> dict[str, Any]:
            lin = ask("lineage", model_id=model_id)
            tree, cut = ancestors(lin)
            openness, openness_error = ask.maybe("openness", target=lin["id"])
            check_query = "?" + urlencode({"use": use, **({"users": users} if users else {})})
            return {"lin": lin, "row": _model_row(ask, lin["id"]), "ancestors": tree,
                    "ancestors_cut": cut, "openness": openness,
                    "openness_error": openness_error, "use": use,
                    "ram_url": api_url("ram", {"model_id": lin["id"]}, get("ram").positional()),
                    "users": users, "uses": USES, "check_query": check_query,
                    "formats": tuple(BOM_FORMATS)}

        return site.page(request, "model.html", build)

    @app.get("/bom", include_in_schema=False)
    def bom(request: Request) -> Response:
        import importlib

        from modelatlas.check import check as run_check

        model_id = hub_id(text_param(request, "id").strip())
        fmt = text_param(request, "format", "cyclonedx")
        if fmt not in BOM_FORMATS:
            raise UsageError(f"format must be one of {'|'.join(BOM_FORMATS)}")
        use, users = _use(request)
        module, suffix = BOM_FORMATS[fmt]
        writer = importlib.import_module(module)
        with site.api.shared.reader() as reader:
            # folders=False: an id is never looked up as a path on the server's disk
            report = run_check(model_id, reader=reader, use=use, users=users, folders=False)
        text = writer.to_json(report)
        try:
            writer.validate(text)
        except ModelAtlasError as exc:
            raise UsageError(f"the BOM for {model_id} did not validate: {exc}") from None
        name = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)[:150] + "." + suffix
        return Response(text.encode(), media_type="application/json",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
