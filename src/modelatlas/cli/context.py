"""Global CLI state (the ``--db`` option) and opening the store from it."""

from __future__ import annotations

from dataclasses import dataclass

from modelatlas.store import Store, open_store


@dataclass
class _State:
    db: str | None = None


state = _State()


def store(*, create: bool = True) -> Store:
    """Open the store named by ``--db`` / ``MODELATLAS_DB`` / the default path."""
    return open_store(state.db, create=create)
