"""The lineage graph's edges as one SQL relation (shared by root resolution, the
``lineage`` query, ``check``'s chain and derivative metrics; no imports, so readers
stay light).

The graph is what sources stated (``edges``: base_model tags, cards) plus the edges
the re-upload rule infers for nodes that state no parent (``reupload_edges``, origin
``reupload-rule``: ``unsloth/Qwen3-8B-bnb-4bit`` -> ``Qwen/Qwen3-8B``; kept by the
lineage derive step, :mod:`modelatlas.lineage.reuploaded`). So the root of a
re-upload, and of every derivative hanging off it, is the original model.
"""

from __future__ import annotations

#: Every lineage edge: stated, then inferred from re-uploads (never both for one child).
ALL_EDGES = """
    SELECT child, parent, relation, origin FROM edges
    UNION ALL
    SELECT child, parent, relation, origin FROM reupload_edges
"""

_CANON = """
    SELECT e.child, coalesce(m.id, e.parent) AS parent, e.relation, e.origin
    FROM ({src}) e
    LEFT JOIN (SELECT lower(id) AS lid, min(id) AS id FROM models GROUP BY lower(id)) m
        ON m.lid = lower(e.parent)
"""

# Edges with parents spelled as the stored model id when one matches case-insensitively.
CANON_EDGES = _CANON.format(src=ALL_EDGES)
#: Only the stated edges, canonical parents (the nodes the re-upload rule looks at).
CANON_STATED = _CANON.format(src="SELECT child, parent, relation, origin FROM edges")
