"""modelatlas: measure the open-weight AI ecosystem and check models before you build on them.

Public Python API::

    import modelatlas as ma
    with ma.open("atlas.duckdb") as atlas:          # read-only; many readers at once
        atlas.share(by="region", metric="downloads", attribution="root")

Every method of :class:`Atlas` is a CLI command with the same parameters
(``modelatlas share --by region`` is ``atlas.share(by="region")``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelatlas.errors import (
    CatalogError,
    InputError,
    ModelAtlasError,
    NetworkError,
    NotFoundError,
    StoreError,
    UsageError,
)

__version__ = "0.2.0"
__all__ = [
    "Atlas",
    "CatalogError",
    "InputError",
    "ModelAtlasError",
    "NetworkError",
    "NotFoundError",
    "StoreError",
    "UsageError",
    "__version__",
    "open",
]

if TYPE_CHECKING:
    from modelatlas.atlas import Atlas


def open(path: str | Path | None = None, *, read_only: bool = True) -> Atlas:
    """Open the store at ``path`` (else ``$MODELATLAS_DB``, else the user data dir)."""
    from modelatlas.atlas import Atlas

    return Atlas.open(path, read_only=read_only)


def __getattr__(name: str) -> Any:
    """``modelatlas.Atlas`` without importing the query machinery on ``import modelatlas``."""
    if name == "Atlas":
        from modelatlas.atlas import Atlas

        return Atlas
    raise AttributeError(f"module 'modelatlas' has no attribute {name!r}")
