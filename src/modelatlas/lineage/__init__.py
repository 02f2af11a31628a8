"""Base-model lineage: root resolution (``graph``, ``roots``) and one model's view (``describe``).

``lineage.describe(reader, model_id)`` is the entry point for ``modelatlas lineage``.
"""

from __future__ import annotations

from modelatlas.lineage.describe import describe

__all__ = ["describe"]
