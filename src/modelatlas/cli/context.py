"""Global CLI state (``--db``) and opening the store from it: readers get an
:class:`~modelatlas.atlas.Atlas` (read-only), writers a store they may write."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from modelatlas.atlas import Atlas
from modelatlas.settings import default_db_path
from modelatlas.store import Store, open_store


@dataclass
class _State:
    db: str | None = None


state = _State()


def store(*, create: bool = True) -> Store:
    """The store named by ``--db`` / ``MODELATLAS_DB`` / the default path, for writing."""
    return open_store(state.db, create=create)


def atlas(*, optional: bool = False) -> Atlas:
    """The store for reading (read-only; several readers may share it). ``optional``:
    without a store file, an empty stand-in for catalog-only answers."""
    if optional and state.db != ":memory:":
        path = Path(state.db).expanduser() if state.db else default_db_path()
        if not path.exists():
            return Atlas.catalog_only()
    at = Atlas.open(state.db)
    if at.stale:
        print("note: the store is being written by another program; derived tables may lag"
              " the newest data", file=sys.stderr)
    return at
