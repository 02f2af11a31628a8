"""The lineage graph's edges as one SQL relation (shared by root resolution, the
``lineage`` query and derivative metrics; no imports, so readers stay light)."""

from __future__ import annotations

# Edges with parents spelled as the stored model id when one matches case-insensitively.
CANON_EDGES = """
    SELECT e.child, coalesce(m.id, e.parent) AS parent, e.relation, e.origin
    FROM edges e
    LEFT JOIN (SELECT lower(id) AS lid, min(id) AS id FROM models GROUP BY lower(id)) m
        ON m.lid = lower(e.parent)
"""
