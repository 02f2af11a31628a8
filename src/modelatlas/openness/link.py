"""Link framework entries (OSAI projects, MOF models) to Hugging Face Hub model ids.

MOF files carry a ``huggingface`` URL: its first two path segments are the Hub id.
OSAI projects have no such field; we take the first Hub *model* URL (not a
dataset or space) from the project link, then the weights and model-card
evidence links, in that order. Whether the id is in the store is recorded too,
so a user sees which entries are matched, which point at a model we have not
ingested, and which cannot be matched at all (with the reason).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlparse

from modelatlas.store.db import Store

_HUB_HOSTS = {"huggingface.co", "www.huggingface.co", "hf.co"}
_NOT_MODELS = {"datasets", "spaces", "docs", "blog", "collections", "papers", "models",
               "organizations", "settings", "join", "login", "pricing", "tasks", "learn"}
_ID_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# OSAI dimensions whose evidence link most often is the model's Hub page.
OSAI_LINK_FIELDS = ("rlweights", "llmweights", "modelcard", "api")


@dataclass(frozen=True)
class HubLink:
    hub_id: str | None
    source: str          # where the id came from (field name) or why there is none
    in_store: bool = False


def hub_id_from_url(url: str | None) -> str | None:
    """``https://huggingface.co/org/name[/tree/main...]`` -> ``org/name``; else None."""
    if not url:
        return None
    try:
        u = urlparse(url.strip())
    except ValueError:
        return None
    if u.netloc.lower() not in _HUB_HOSTS:
        return None
    parts = [p for p in u.path.split("/") if p]
    if len(parts) < 2 or parts[0] in _NOT_MODELS:
        return None
    org, name = parts[0], parts[1]
    if not (_ID_PART.match(org) and _ID_PART.match(name)):
        return None
    return f"{org}/{name}"


def first_hub_id(candidates: Iterable[tuple[str, str | None]]) -> HubLink:
    for source, url in candidates:
        hid = hub_id_from_url(url)
        if hid:
            return HubLink(hid, source)
    return HubLink(None, "no Hugging Face model URL in the entry")


def known_ids(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """Map lower-cased candidate ids to the store's spelling, in one query."""
    wanted = sorted({i.lower() for i in ids if i})
    if not wanted:
        return {}
    rows = store.rows(
        "SELECT lower(id) AS k, id FROM models WHERE lower(id) IN (SELECT unnest(?::VARCHAR[]))",
        [wanted],
    )
    return {r["k"]: r["id"] for r in rows}


def resolve(store: Store | None, links: list[HubLink]) -> list[HubLink]:
    """Mark which links point at a model in the store (Hub ids are case-insensitive)."""
    if store is None:
        return links
    found = known_ids(store, (link.hub_id for link in links if link.hub_id))
    out = []
    for link in links:
        if link.hub_id and link.hub_id.lower() in found:
            out.append(HubLink(found[link.hub_id.lower()], link.source, True))
        else:
            out.append(link)
    return out


# ---- 2026 layout: end and base model ------------------------------------------------


def hub_namespace(url: str | None) -> str | None:
    """Hub namespace named by a URL: ``huggingface.co/org[/...]`` or a collection of ``org``."""
    if not url:
        return None
    try:
        u = urlparse(url.strip())
    except ValueError:
        return None
    if u.netloc.lower() not in _HUB_HOSTS:
        return None
    parts = [p for p in u.path.split("/") if p]
    if parts and parts[0] in ("collections", "organizations") and len(parts) > 1:
        parts = parts[1:]
    elif not parts or parts[0] in _NOT_MODELS:
        return None
    return parts[0] if _ID_PART.match(parts[0]) else None


@dataclass(frozen=True)
class Candidates:
    """Where a system's end or base model may live on the Hub, best first.

    ``stated`` ids come from Hub URLs in the file (real pages); ``named`` ids are
    built from a Hub namespace of the file and the model name the index gives,
    and are accepted only when the store holds that id.
    """

    role: str                                  # end | base
    stated: tuple[tuple[str, str], ...]        # (hub id, field)
    named: tuple[tuple[str, str], ...]


def model_candidates(role: str, name: str | None, stated_urls: list[tuple[str, str | None]],
                     namespace_urls: list[str | None]) -> Candidates:
    """Candidate Hub ids for one model of a system (see :class:`Candidates`)."""
    stated: list[tuple[str, str]] = []
    for fld, url in stated_urls:
        hid = hub_id_from_url(url)
        if hid and hid not in [s for s, _ in stated]:
            stated.append((hid, fld))
    named: list[tuple[str, str]] = []
    if name:
        nm = name.strip().replace(" ", "-")
        spaces: list[str] = []
        for url in namespace_urls:
            ns = hub_namespace(url)
            if ns and ns not in spaces:
                spaces.append(ns)
        for ns in spaces:
            if _ID_PART.match(nm):
                named.append((f"{ns}/{nm}", f"{ns} + {role}modelname"))
    return Candidates(role, tuple(stated), tuple(named))


def choose(cands: Candidates, name: str | None, in_store: dict[str, str]) -> HubLink:
    """The best candidate: one the store holds (stated first), else a stated id whose
    name matches the index's model name, else the first stated id."""
    for hid, fld in (*cands.stated, *cands.named):
        if hid.lower() in in_store:
            return HubLink(in_store[hid.lower()], fld, True)
    want = (name or "").strip().lower().replace(" ", "-")
    for hid, fld in cands.stated:
        if hid.split("/", 1)[1].lower() == want:
            return HubLink(hid, fld)
    if cands.stated:
        return HubLink(*cands.stated[0])
    return HubLink(None, f"no Hub URL for the {cands.role} model and none of its names "
                         "in the store")


def resolve_candidates(store: Store | None, items: list[tuple[Candidates, str | None]]
                       ) -> list[HubLink]:
    """Choose every system's link with one store lookup for all candidates."""
    every = [hid for c, _ in items for hid, _ in (*c.stated, *c.named)]
    found = known_ids(store, every) if store is not None else {}
    return [choose(c, name, found) for c, name in items]
