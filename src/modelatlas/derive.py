"""Derived data (orgs, licence ids, lineage roots, change events), rebuilt set-based.

Each module in :mod:`modelatlas.derive_steps` defines ``ORDER`` (int), ``NAME``
(str) and ``run(store)``. ``refresh(store)`` runs the steps in order, each only
when the store changed since it last ran (a fingerprint of the ingested data),
so metrics and reports always read consistent derived tables. Ingest calls it
once at the end of a run, not per file.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from modelatlas import settings
from modelatlas.store.db import Store


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    run: Callable[[Store], None]


def steps() -> list[Step]:
    import modelatlas.derive_steps as pkg

    found: list[Step] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        mod: ModuleType = importlib.import_module(f"{pkg.__name__}.{info.name}")
        found.append(Step(int(mod.ORDER), str(mod.NAME), mod.run))
    return sorted(found, key=lambda s: (s.order, s.name))


def _user_files() -> str:
    """Paths and mtimes of user override files, so editing one re-derives."""
    out = []
    for name in ("orgs_file",):
        p = settings.get(name)
        if p:
            try:
                out.append(f"{p}@{os.stat(p).st_mtime_ns}")
            except OSError:
                out.append(f"{p}@missing")
    return ";".join(out)


def fingerprint(store: Store) -> str:
    """Changes whenever ingested data or user overrides change."""
    row = store.con.execute(
        "SELECT (SELECT count(*) FROM models), (SELECT max(last_seen) FROM models),"
        " (SELECT count(*) FROM edges), (SELECT count(*) FROM observations),"
        " (SELECT max(committed_at) FROM snapshots), (SELECT count(*) FROM snapshots)"
    ).fetchall()[0]
    return "|".join(str(v) for v in (row or ())) + "|" + _user_files()


def refresh(store: Store, *, force: bool = False, extra: str = "") -> list[str]:
    """Run the derivation steps whose inputs changed; returns the names run."""
    fp = fingerprint(store) + "|" + extra
    ran: list[str] = []
    for step in steps():
        key = f"{step.order:03d}:{step.name}"
        done = store.scalar("SELECT fingerprint FROM derived_state WHERE step = ?", [key])
        if not force and done == fp:
            continue
        step.run(store)
        store.exec("INSERT OR REPLACE INTO derived_state VALUES (?, now(), ?)", [key, fp])
        ran.append(step.name)
    return ran


def is_current(store: Store) -> bool:
    """True when every derived table matches the ingested data (no writes; read-only safe)."""
    fp = fingerprint(store) + "|"
    done = {str(r[0]): str(r[1]) for r in store.con.execute(
        "SELECT step, fingerprint FROM derived_state").fetchall()}
    return all(done.get(f"{s.order:03d}:{s.name}") == fp for s in steps())


def generation(store: Store) -> str:
    """A cheap token that changes whenever ingested or derived data changes (result caches)."""
    row = store.con.execute(
        "SELECT max(computed_at), count(*) FROM derived_state").fetchall()[0]
    return fingerprint(store) + "|" + "|".join(str(v) for v in row)
