"""The chain from the model under review up to its root model(s).

Parents come from, in order: the store's ``edges`` (what ingest saw on the Hub),
the model card's ``base_model`` (a local folder, or a live record), and with
``--online`` the live Hub record of each ancestor the store does not hold. Each
ancestor's licence comes from the store (``models.license_id``), else the
built-in catalog of foundation repos (``licenses.repo_license``), else its live
record, so a folder fine-tuned from ``meta-llama/Llama-3.1-8B-Instruct`` is
resolved offline. The walk is level by level, one set-based query per level,
bounded in depth and cycle-safe (a visited set).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from modelatlas.catalog import bases, reuploads
from modelatlas.check import licinfo
from modelatlas.check.hub import table_exists
from modelatlas.check.subject import Subject
from modelatlas.errors import ModelAtlasError, NotFoundError
from modelatlas.store.db import Store

MAX_DEPTH = 32
MAX_NODES = 500
MAX_ONLINE = 12

Fetcher = Callable[[str], Subject]


@dataclass
class Node:
    """One ancestor and what is known about its licence and availability."""

    id: str
    depth: int
    license_raw: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    license_id: str = licinfo.UNKNOWN
    license_source: str | None = None  # store | catalog | hub
    license_source_url: str | None = None  # where the catalog read the licence
    gated: str | None = None
    status: str = "unknown"  # store | hub | catalog | removed | unknown
    org: str | None = None


@dataclass(frozen=True)
class Edge:
    child: str
    parent: str
    relation: str
    origin: str  # store | card | hub | reupload-rule


@dataclass
class Chain:
    """Ancestors of ``subject_id`` with the edges between them."""

    subject_id: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def parents(self, child: str) -> list[Edge]:
        return [e for e in self.edges if e.child == child]

    def roots(self) -> list[str]:
        """Ancestors with no parent (the subject itself when it has no base)."""
        if not self.nodes:
            return [self.subject_id]
        with_parent = {e.child for e in self.edges}
        found = sorted(n for n in self.nodes if n not in with_parent)
        if not found:  # the walk only met a cycle: report its deepest members
            deepest = max(n.depth for n in self.nodes.values())
            found = sorted(n.id for n in self.nodes.values() if n.depth == deepest)
        return found

    def ordered(self) -> list[Node]:
        return sorted(self.nodes.values(), key=lambda n: (n.depth, n.id))


def _store_parents(store: Store | None, ids: list[str]) -> list[dict[str, Any]]:
    """Edges whose child is one of ``ids`` (exact spellings: the caller passes the
    stored spelling too, so no lower() over the whole column)."""
    if store is None or not ids or not table_exists(store, "edges"):
        return []
    return store.rows(
        "SELECT child, parent, relation FROM edges"
        " WHERE child IN (SELECT unnest(?::VARCHAR[])) ORDER BY child, parent",
        [sorted(set(ids))],
    )


_FACTS = ("SELECT id, org, license_raw, license_name, license_link, license_id, gated"
          " FROM models WHERE {cond}")


def _store_facts(store: Store | None, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Store rows of ``ids`` keyed by lower(id): an exact match first (a column scan
    without lower()), a case-insensitive one only for the ids that had none."""
    if store is None or not ids or not table_exists(store, "models"):
        return {}
    rows = store.rows(_FACTS.format(cond="id IN (SELECT unnest(?::VARCHAR[]))"), [ids])
    out = {r["id"].lower(): r for r in rows}
    missing = [i for i in ids if i.lower() not in out]
    if missing:
        rows = store.rows(_FACTS.format(
            cond="lower(id) IN (SELECT lower(unnest(?::VARCHAR[])))"), [missing])
        out.update({r["id"].lower(): r for r in rows if r["id"].lower() not in out})
    if table_exists(store, "events"):
        stored = sorted({str(r["id"]) for r in out.values()} | set(ids))
        for r in store.rows(
            "SELECT model_id, arg_max(kind, \"at\") AS last FROM events"
            " WHERE kind IN ('removed', 'reappeared')"
            " AND model_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY model_id",
            [stored],
        ):
            if r["last"] == "removed":
                out.setdefault(r["model_id"].lower(), {"id": r["model_id"]})["removed"] = True
    return out


def build(
    subject: Subject,
    store: Store | None = None,
    fetch: Fetcher | None = None,
) -> Chain:
    """Walk from ``subject`` to its roots. ``fetch`` (a live lookup) is used with --online."""
    chain = Chain(subject.id)
    seen: set[str] = {subject.id.lower()}
    fetched: dict[str, Subject | None] = {}
    level: list[Edge] = []
    if subject.provenance in ("store", "lineage"):
        level += [Edge(r["child"], r["parent"], r["relation"], "store")
                  for r in _store_parents(store, [subject.id])]
    known = {e.parent.lower() for e in level}
    level += [Edge(subject.id, b, subject.base_relation or "unknown",
                   "hub" if subject.provenance == "hub" else "card")
              for b in subject.base_models if b.lower() not in known]
    if not level and subject.provenance != "folder":
        level = _reupload_edges([subject.id])
    depth = 1
    while level and depth <= MAX_DEPTH and len(chain.nodes) < MAX_NODES:
        frontier: list[str] = []
        for e in level:
            chain.edges.append(e)
            key = e.parent.lower()
            if key in seen:
                continue
            seen.add(key)
            chain.nodes[e.parent] = Node(e.parent, depth)
            frontier.append(e.parent)
        stored = _resolve(chain, frontier, store, fetch, fetched)
        nxt: list[Edge] = [Edge(stored.get(r["child"], r["child"]), r["parent"],
                                r["relation"], "store")
                           for r in _store_parents(store, frontier + list(stored))]
        from_store = {r.child.lower() for r in nxt}
        for pid in frontier:
            live = fetched.get(pid.lower())
            if live is not None and pid.lower() not in from_store:
                nxt += [Edge(pid, b, live.base_relation or "unknown", "hub")
                        for b in live.base_models]
        with_parents = {e.child.lower() for e in nxt}
        nxt += _reupload_edges([p for p in frontier if p.lower() not in with_parents])
        level = nxt
        depth += 1
    if level:
        chain.notes.append(f"lineage cut at depth {MAX_DEPTH} / {MAX_NODES} ancestors")
    return chain


def _reupload_edges(ids: list[str]) -> list[Edge]:
    """Inferred edges from re-uploads to their originals (one shared SQL rule set)."""
    return [Edge(e.child, e.parent, e.relation, e.origin) for e in reuploads.resolve(ids)]


def _resolve(chain: Chain, ids: list[str], store: Store | None, fetch: Fetcher | None,
             fetched: dict[str, Subject | None]) -> dict[str, str]:
    """Fill the nodes of ``ids``; returns {stored spelling: chain spelling} where they
    differ in case."""
    facts = _store_facts(store, ids)
    stored: dict[str, str] = {}
    for pid in ids:
        f0 = facts.get(pid.lower())
        if f0 and f0.get("id") and f0["id"] != pid:
            stored[str(f0["id"])] = pid
        node = chain.nodes[pid]
        f = facts.get(pid.lower())
        if f and f.get("removed"):
            node.status = "removed"
        if f and "license_raw" in f:
            node.status = "store" if node.status != "removed" else node.status
            node.org, node.gated = f.get("org"), f.get("gated")
            node.license_raw = f.get("license_raw")
            node.license_name, node.license_link = f.get("license_name"), f.get("license_link")
            lid = f.get("license_id") or licinfo.normalize(
                node.license_raw, node.license_name, node.license_link)
            if lid and lid != licinfo.UNKNOWN:
                node.license_id, node.license_source = lid, "store"
        if node.license_id in (licinfo.UNKNOWN, "other"):
            cat = bases.lookup(pid)
            if cat:
                node.license_id, node.license_source = cat.license_id, "catalog"
                node.license_source_url = cat.source
                if node.status == "unknown":
                    node.status = "catalog"
        if fetch is not None and (f is None or "license_raw" not in f):
            _fetch_into(node, fetch, fetched, chain)
        if node.org is None and "/" in pid:
            node.org = pid.split("/", 1)[0]
    return stored


def _fetch_into(node: Node, fetch: Fetcher, fetched: dict[str, Subject | None],
                chain: Chain) -> None:
    if len(fetched) >= MAX_ONLINE:
        if "online lookups capped" not in " ".join(chain.notes):
            chain.notes.append(f"online lookups capped at {MAX_ONLINE} ancestors")
        return
    try:
        live = fetch(node.id)
    except NotFoundError:
        fetched[node.id.lower()] = None
        node.status = "removed"
        return
    except ModelAtlasError as exc:
        fetched[node.id.lower()] = None
        chain.notes.append(f"could not fetch {node.id}: {exc}")
        return
    fetched[node.id.lower()] = live
    if node.status in ("unknown", "catalog"):
        node.status = "hub"
    node.gated = live.gated
    node.org = live.org or node.org
    if node.license_id == licinfo.UNKNOWN and live.license_raw:
        node.license_raw, node.license_name = live.license_raw, live.license_name
        node.license_link = live.license_link
        lid = licinfo.normalize(live.license_raw, live.license_name, live.license_link)
        if lid != licinfo.UNKNOWN:
            node.license_id, node.license_source = lid, "hub"
