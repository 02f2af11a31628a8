"""The chain from the model under review up to its root model(s).

One lineage: the store part is the lineage module's own graph
(:func:`modelatlas.lineage.describe.canon_parents`, read through a
:class:`~modelatlas.queries._engine.Reader`), so ``check X`` and ``lineage X``
agree on parents, roots and depth. Overlays are added on top and say where they
come from (``Edge.origin``):

* ``card``: the ``base_model`` of a local folder's card (and of a live record);
* ``hub``: with ``--online``, the live record of each ancestor the store lacks;
* ``reupload-rule``: for a node with no parents from the above, the original it
  re-uploads (:mod:`modelatlas.catalog.reuploads`, the rule set root attribution
  shares).

Each ancestor's licence comes from the store (``models.license_id``), else the
base-model catalog (:mod:`modelatlas.catalog.bases`, sourced), else its live
record. The walk is generation by generation (shortest depth first), one
set-based read per generation, bounded in depth and size, cycle-safe.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from modelatlas.catalog import bases, reuploads
from modelatlas.check import licinfo
from modelatlas.check.subject import Subject
from modelatlas.errors import ModelAtlasError, NotFoundError

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

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
    origin: str  # the store's origin (tag, card, ...) | card | hub | reupload-rule


@dataclass
class Chain:
    """Ancestors of ``subject_id`` with the edges between them.

    ``lineage`` is what the lineage module says of a model in the store (parents,
    roots, depth); overlays extend ``nodes``/``edges`` beyond it.
    """

    subject_id: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    lineage: dict[str, Any] | None = None

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


def _has(reader: Reader | None, table: str) -> bool:
    from modelatlas.check.hub import table_exists

    return reader is not None and table_exists(reader.store, table)


def _store_lineage(reader: Reader, model_id: str) -> dict[str, Any]:
    """The lineage module's view of a stored model: parents, roots, depth."""
    from modelatlas.lineage.describe import canon_parents

    parents = [{"id": e["parent"], "relation": e["relation"], "origin": e["origin"]}
               for e in canon_parents(reader, [model_id])]
    roots = reader.rows("SELECT root_id AS root, depth FROM roots WHERE model_id = $id"
                        " ORDER BY depth, root_id", {"id": model_id}) \
        if _has(reader, "roots") else []
    return {"parents": parents, "roots": [str(r["root"]) for r in roots],
            "depth": max((int(r["depth"]) for r in roots), default=0)}


def _facts(reader: Reader | None, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Store rows of ``ids`` (chain spellings are the stored ones) and removals."""
    if reader is None or not ids or not _has(reader, "models"):
        return {}
    from modelatlas.lineage.describe import id_filter

    where, params = id_filter("id", ids)
    rows = reader.rows(
        "SELECT id, org, license_raw, license_name, license_link, license_id, gated"
        f" FROM models WHERE {where}", params)
    return {str(r["id"]): r for r in rows}


def _removed(reader: Reader | None, chain: Chain) -> None:
    """Mark the ancestors whose last store event is a removal (one read for all)."""
    if reader is None or not chain.nodes or not _has(reader, "events"):
        return
    from modelatlas.lineage.describe import id_filter

    where, params = id_filter("model_id", sorted(chain.nodes))
    for r in reader.rows(
        "SELECT model_id, arg_max(kind, \"at\") AS last FROM events"
        f" WHERE kind IN ('removed', 'reappeared') AND {where}"
        " GROUP BY model_id", params):
        node = chain.nodes.get(str(r["model_id"]))
        if node is not None and r["last"] == "removed":
            node.status = "removed"


def build(subject: Subject, reader: Reader | None = None,
          fetch: Fetcher | None = None) -> Chain:
    """Walk from ``subject`` to its roots (``fetch``, a live lookup, with --online)."""
    from modelatlas.lineage.describe import canon_parents

    chain = Chain(subject.id)
    in_store = subject.provenance in ("store", "lineage") and reader is not None
    if in_store:
        assert reader is not None
        chain.lineage = _store_lineage(reader, subject.id)
    fetched: dict[str, Subject | None] = {}
    seen: set[str] = {subject.id}
    level: list[Edge] = []
    if in_store and chain.lineage is not None:
        level += [Edge(subject.id, p["id"], str(p["relation"]), str(p["origin"]))
                  for p in chain.lineage["parents"]]
    known = {e.parent.lower() for e in level}
    level += [Edge(subject.id, b, subject.base_relation or "unknown",
                   "hub" if subject.provenance == "hub" else "card")
              for b in subject.base_models if b.lower() not in known]
    if not level:
        level = _reupload_edges([subject.id])
    level = _spelled(reader, level)
    depth = 1
    while level and depth <= MAX_DEPTH and len(chain.nodes) < MAX_NODES:
        frontier: list[str] = []
        for e in level:
            chain.edges.append(e)
            if e.parent in seen:
                continue
            seen.add(e.parent)
            chain.nodes[e.parent] = Node(e.parent, depth)
            frontier.append(e.parent)
        _resolve(chain, frontier, reader, fetch, fetched)
        nxt: list[Edge] = []
        if reader is not None and _has(reader, "edges"):
            nxt = [Edge(str(r["child"]), str(r["parent"]), str(r["relation"]),
                        str(r["origin"])) for r in canon_parents(reader, frontier)]
        from_store = {e.child for e in nxt}
        for pid in frontier:
            live = fetched.get(pid)
            if live is not None and pid not in from_store:
                nxt += [Edge(pid, b, live.base_relation or "unknown", "hub")
                        for b in live.base_models]
        with_parents = {e.child for e in nxt}
        nxt += _reupload_edges([p for p in frontier if p not in with_parents])
        level = _spelled(reader, nxt)
        depth += 1
    if level:
        chain.notes.append(f"lineage cut at depth {MAX_DEPTH} / {MAX_NODES} ancestors")
    _removed(reader, chain)
    return chain


OVERLAYS = frozenset({"card", "hub", "reupload-rule"})


def _spelled(reader: Reader | None, edges: list[Edge]) -> list[Edge]:
    """Overlay parents spelled as the store spells them (store edges already are)."""
    overlay = [e.parent for e in edges if e.origin in OVERLAYS]
    if reader is None or not overlay or not _has(reader, "models"):
        return edges
    from modelatlas.lineage.describe import canon_ids

    canon = canon_ids(reader, overlay)
    return [Edge(e.child, canon.get(e.parent, e.parent), e.relation, e.origin)
            for e in edges if canon.get(e.parent, e.parent) != e.child]


def _reupload_edges(ids: list[str]) -> list[Edge]:
    """Inferred edges from re-uploads to their originals (one shared SQL rule set)."""
    return [Edge(e.child, e.parent, e.relation, e.origin) for e in reuploads.resolve(ids)]


def _resolve(chain: Chain, ids: list[str], reader: Reader | None, fetch: Fetcher | None,
             fetched: dict[str, Subject | None]) -> None:
    facts = _facts(reader, ids)
    for pid in ids:
        node = chain.nodes[pid]
        f = facts.get(pid)
        if f and "license_raw" in f:
            node.status = "store"
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


def _fetch_into(node: Node, fetch: Fetcher, fetched: dict[str, Subject | None],
                chain: Chain) -> None:
    if len(fetched) >= MAX_ONLINE:
        if "online lookups capped" not in " ".join(chain.notes):
            chain.notes.append(f"online lookups capped at {MAX_ONLINE} ancestors")
        return
    try:
        live = fetch(node.id)
    except NotFoundError:
        fetched[node.id] = None
        node.status = "removed"
        return
    except ModelAtlasError as exc:
        fetched[node.id] = None
        chain.notes.append(f"could not fetch {node.id}: {exc}")
        return
    fetched[node.id] = live
    if node.status in ("unknown", "catalog"):
        node.status = "hub"
    node.gated = live.gated
    node.org = live.org or node.org
    if node.license_id in (licinfo.UNKNOWN, "other") and live.license_raw:
        node.license_raw, node.license_name = live.license_raw, live.license_name
        node.license_link = live.license_link
        lid = licinfo.normalize(live.license_raw, live.license_name, live.license_link)
        if lid != licinfo.UNKNOWN:
            node.license_id, node.license_source = lid, "hub"
