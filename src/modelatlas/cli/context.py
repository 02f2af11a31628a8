"""Global CLI state (the ``--db`` option) and opening the store from it."""

from __future__ import annotations

from dataclasses import dataclass

from modelatlas.store import Store, open_store


@dataclass
class _State:
    db: str | None = None


state = _State()


def store(*, create: bool = True, derived: bool = False) -> Store:
    """Open the store named by ``--db`` / ``MODELATLAS_DB`` / the default path.

    ``derived=True`` first brings derived tables (orgs, licence ids, roots,
    events) up to date, for commands that read them (cheap when nothing changed).
    """
    st = open_store(state.db, create=create)
    if derived:
        from modelatlas import derive

        derive.refresh(st)
    return st
