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
