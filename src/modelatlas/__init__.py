"""modelatlas: measure the open-weight AI ecosystem and check models before you build on them.

Public Python API::

    import modelatlas as ma
    atlas = ma.open("atlas.duckdb")
    atlas.share(by="region", metric="downloads", attribution="root")
"""

from __future__ import annotations

from modelatlas.errors import ModelAtlasError

__version__ = "0.1.0"
__all__ = ["ModelAtlasError", "__version__", "open"]


def open(path: str | None = None) -> Atlas:
    """Open the store at ``path`` (or the default) and return an :class:`Atlas`."""
    from modelatlas.atlas import Atlas

    return Atlas.open(path)


if False:  # pragma: no cover - for type checkers only
    from modelatlas.atlas import Atlas
