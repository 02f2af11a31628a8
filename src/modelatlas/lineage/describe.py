"""One model's lineage: parents, roots, depth, descendants and the origin of its roots.

The ``lineage`` query and due-diligence checks read it. It reads the derived
``roots`` table and walks descendants generation by generation in SQL
(cycle-safe: a node is visited once), through a
:class:`~modelatlas.queries._engine.Reader` with named parameters only, so the
same code runs on any engine behind the reader.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modelatlas.errors import NotFoundError
from modelatlas.lineage.edges import ALL_EDGES, CANON_EDGES
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

if TYPE_CHECKING:
    from modelatlas.queries._engine import Reader

RELATIONS = ("finetune", "adapter", "quantized", "merge", "unknown")
#: The most specific relation first (portable: no list parameters).
RELATION_RANK = ("CASE relation " + " ".join(
    f"WHEN '{r}' THEN {i}" for i, r in enumerate(("merge", "quantized", "adapter",
                                                  "finetune", "unknown"))) + " ELSE 99 END")
ROOT_ORG = ("CASE WHEN strpos(r.root_id, '/') > 0 THEN split_part(r.root_id, '/', 1) END")
#: Generations walked at most (a Hub chain is a handful deep; this bounds hostile graphs).
MAX_GENERATIONS = 1000
#: Up to this many ids are matched as an IN list of named parameters (point lookups on
#: the ART indexes of migration 0300); longer lists join an unnested list parameter.
POINT_LOOKUPS = 64


def id_filter(column: str, ids: list[str], name: str = "ids") -> tuple[str, dict[str, Any]]:
    """``column`` matching any of ``ids``: SQL text and its named parameters.

    Why: DuckDB answers ``col IN ($a, $b)`` with index point lookups, but plans
    ``col IN (SELECT unnest($ids))`` as a hash join over the whole table (36 ms
    a query on a 3 M-model store, and a check runs a dozen). ``column`` and
    ``name`` are the caller's constants, never data.
    """
    if not ids:
        return "FALSE", {}
    if len(ids) > POINT_LOOKUPS:
        return f"{column} IN (SELECT unnest(${name}))", {name: list(ids)}
    params = {f"{name}_{i}": v for i, v in enumerate(ids)}
    return f"{column} IN ({', '.join('$' + k for k in params)})", params


def resolve_id(reader: Reader, model_id: str) -> str:
    """The stored spelling of ``model_id`` (case-insensitive), or NotFoundError.

    The exact spelling is looked up first (a point lookup: migration 0300 indexes
    ``models.id`` and ``roots.model_id``); only an id stored under another spelling
    needs the case-insensitive scan.
    """
    mid = model_id.strip()
    if reader.rows("SELECT id FROM models WHERE id = $id UNION ALL"
                   " SELECT model_id AS id FROM roots WHERE model_id = $id LIMIT 1",
                   {"id": mid}):
        return mid
    rows = reader.rows(
        """
        SELECT id FROM (
            SELECT id FROM models WHERE lower(id) = lower($id)
            UNION SELECT model_id AS id FROM roots WHERE lower(model_id) = lower($id)
        ) AS known ORDER BY id LIMIT 1
        """, {"id": mid})
    if not rows:
        raise NotFoundError(f"model not in the store: {mid}")
    return str(rows[0]["id"])


def canon_ids(reader: Reader, ids: list[str]) -> dict[str, str]:
    """Each id -> its stored spelling (case-insensitive; the smallest when several),
    itself when the store has none. Exact spellings are point lookups; only the
    others need the case-insensitive scan."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    where, params = id_filter("id", wanted)
    canon = {p: p for p in (str(r["id"]) for r in reader.rows(
        f"SELECT DISTINCT id FROM models WHERE {where}", params))}
    missing = [p for p in wanted if p not in canon]
    if missing:
        by_lower = {str(r["lid"]): str(r["id"]) for r in reader.rows(
            "SELECT lower(id) AS lid, min(id) AS id FROM models"
            # lower() over the unnested column, not around unnest(): Spark forbids a
            # generator inside an expression (issue 14).
            " WHERE lower(id) IN (SELECT lower(x) FROM (SELECT unnest($ids) AS x) AS w)"
            " GROUP BY 1", {"ids": missing})}
        canon.update({p: by_lower.get(p.lower(), p) for p in missing})
    return canon


def canon_parents(reader: Reader, children: list[str]) -> list[dict[str, Any]]:
    """The base-model edges of ``children`` with each parent spelled as the stored
    model id (case-insensitive match, as :data:`~modelatlas.lineage.roots.CANON_EDGES`
    does for the whole graph), self-loops left out; ``[{child, parent, relation,
    origin}]`` ordered by child and parent.

    Restricted to these children, so one model's lineage costs point lookups, not
    a pass over every edge. A parent spelled exactly as a stored id keeps that
    spelling; the case-insensitive scan runs only for parents that have none.
    """
    if not children:
        return []
    where, params = id_filter("child", sorted(set(children)))
    edges = reader.rows(
        f"SELECT child, parent, relation, origin FROM ({ALL_EDGES}) AS ae WHERE {where}"
        " ORDER BY child, parent", params)
    canon = canon_ids(reader, [str(e["parent"]) for e in edges])
    out = [{"child": e["child"], "parent": canon[str(e["parent"])],
            "relation": e["relation"], "origin": e["origin"]} for e in edges]
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for e in out:
        key = (e["child"], e["parent"], e["relation"], e["origin"])
        if e["child"] != e["parent"] and key not in seen:
            seen.add(key)
            unique.append(e)
    return sorted(unique, key=lambda e: (e["child"], e["parent"], e["relation"]))


def ancestors(reader: Reader, model_id: str, *, max_generations: int = 32,
              max_nodes: int = 500) -> dict[str, Any]:
    """Every ancestor of the stored model ``model_id`` in the store's graph.

    ``{"nodes": {id: generations}, "edges": [{child, parent, relation, origin}],
    "cut": bool}``: generations is the shortest number of base-model edges from
    the model (the roots table's depth definition), edges are
    :func:`canon_parents` edges, the walk is cycle-safe and bounded (``cut`` says
    a bound was reached). ``check`` builds its chain on this.
    """
    nodes: dict[str, int] = {}
    edges: list[dict[str, Any]] = []
    front, seen, gen = [model_id], {model_id}, 0
    while front and gen < max_generations and len(nodes) < max_nodes:
        gen += 1
        found = canon_parents(reader, front)
        edges += found
        front = []
        for e in found:
            p = str(e["parent"])
            if p not in seen:
                seen.add(p)
                nodes[p] = gen
                front.append(p)
    return {"nodes": nodes, "edges": edges, "cut": bool(front)}


def descendants(reader: Reader, model_id: str) -> dict[str, Any]:
    """Counts of everything derived from ``model_id``: per relation, per generation.

    A descendant is counted once, under the relation of the edge by which it is
    first reached (fewest generations); ``children`` counts direct derivatives.
    """
    # The canonical edge list is one named intermediate: computed once per store state
    # on a read-only store (the server, Atlas.open) and reused by every later call,
    # instead of re-materialising millions of edges per lineage question.
    canon = Sql(f"SELECT child, parent, relation FROM ({CANON_EDGES}) AS ce"
                " WHERE child <> parent")
    edges = table_name("canon", canon)
    reader.execute(Sql("SELECT 1", {}, ((edges, canon),)))
    seen = reader.temp(Sql("SELECT CAST($id AS VARCHAR) AS id, 0 AS depth,"
                           " CAST(NULL AS VARCHAR) AS relation", {"id": model_id}))
    made = [seen]
    front = seen
    try:
        for depth in range(1, MAX_GENERATIONS + 1):
            nxt = reader.temp(Sql(f"""
                SELECT e.child AS id, CAST($depth AS INTEGER) AS depth,
                       arg_min(e.relation, {RELATION_RANK.replace('relation', 'e.relation')})
                           AS relation
                FROM {front} f JOIN {edges} e ON e.parent = f.id
                WHERE NOT EXISTS (SELECT 1 FROM {seen} s WHERE s.id = e.child)
                GROUP BY e.child""", {"depth": depth}))
            made.append(nxt)
            if not reader.scalar(f"SELECT count(*) FROM {nxt}"):
                break
            seen = reader.temp(Sql(f"SELECT id, depth, relation FROM {seen}"
                                   f" UNION ALL SELECT id, depth, relation FROM {nxt}"))
            made.append(seen)
            front = nxt
        by_rel = dict.fromkeys(RELATIONS, 0)
        by_rel |= {str(r["relation"]): int(r["n"]) for r in reader.rows(
            f"SELECT relation, count(*) AS n FROM {seen} WHERE depth > 0"
            " GROUP BY relation ORDER BY relation")}
        children = {str(r["relation"]): int(r["n"]) for r in reader.rows(
            f"SELECT relation, count(DISTINCT child) AS n FROM {edges} WHERE parent = $id"
            " GROUP BY relation ORDER BY relation", {"id": model_id})}
        gens = {int(r["depth"]): int(r["n"]) for r in reader.rows(
            f"SELECT depth, count(*) AS n FROM {seen} WHERE depth > 0"
            " GROUP BY depth ORDER BY depth")}
    finally:
        reader.drop(*made)
    return {"by_relation": by_rel, "total": sum(by_rel.values()), "children": children,
            "by_generation": gens}


def describe(reader: Reader, model_id: str) -> dict[str, Any]:
    """Everything ``modelatlas lineage MODEL_ID --json`` prints, as one dict.

    Keys: ``id``, ``parents`` [{id, relation, origin}], ``roots`` [ids],
    ``root_details`` [{root, depth, weight, family}], ``depth`` (generations to the
    farthest root; 0 for a root), ``families``, ``descendants`` {relation: count},
    ``descendants_total``, ``children`` {relation: count}, ``origin`` [{root, org,
    display_name, country, region, kind}], ``issues`` (cycle / self-loop notes) and
    ``ancestors`` {edges [{child, parent, relation, origin}], missing [ancestor ids not
    in the store], cut}: the whole ancestor graph (:func:`ancestors`, bounded), so a
    reader drawing it needs no ``lineage`` per ancestor (each of which walks that
    ancestor's descendants: on a whole-Hub store a root's are hundreds of thousands).
    """
    mid = resolve_id(reader, model_id)
    p = {"id": mid}
    parents = [{"id": e["parent"], "relation": e["relation"], "origin": e["origin"]}
               for e in canon_parents(reader, [mid])]
    roots = reader.rows(
        "SELECT root_id AS root, depth, weight, family FROM roots WHERE model_id = $id"
        " ORDER BY depth, root_id", p)
    origin = reader.rows(
        f"""
        SELECT r.root_id AS root, {ROOT_ORG} AS org,
               o.display_name, o.country, coalesce(o.region, 'unknown') AS region,
               coalesce(o.kind, 'unknown') AS kind
        FROM roots r LEFT JOIN orgs o ON o.org = lower({ROOT_ORG})
        WHERE r.model_id = $id
        ORDER BY r.depth, r.root_id
        """, p)
    issues = reader.rows(
        "SELECT kind, detail FROM lineage_issues WHERE model_id = $id ORDER BY kind", p)
    desc = descendants(reader, mid)
    fams = sorted({str(r["family"]) for r in roots if r["family"]})
    up = ancestors(reader, mid)
    ids = sorted(str(n) for n in up["nodes"])
    where, params = id_filter("id", ids)
    stored = {str(r["id"]) for r in reader.rows(f"SELECT id FROM models WHERE {where}",
                                               params)} if ids else set()
    return {
        "id": mid,
        "parents": [{"id": x["id"], "relation": x["relation"], "origin": x["origin"]}
                    for x in parents],
        "roots": [r["root"] for r in roots],
        "root_details": roots,
        "depth": max((int(r["depth"]) for r in roots), default=0),
        "families": fams,
        "descendants": desc["by_relation"],
        "descendants_total": desc["total"],
        "descendants_by_generation": desc["by_generation"],
        "children": desc["children"],
        "origin": origin,
        "issues": issues,
        "ancestors": {
            "edges": [{"child": e["child"], "parent": e["parent"],
                       "relation": e["relation"], "origin": e["origin"]}
                      for e in up["edges"]],
            "missing": [i for i in ids if i not in stored],
            "cut": up["cut"],
        },
    }
