"""Derived data (orgs, licence ids, lineage roots, change events), kept current incrementally.

Each module in :mod:`modelatlas.derive_steps` defines ``ORDER`` (int), ``NAME``
(str) and ``run(store, scope)``; ``scope`` is None for a full recomputation, else
a :class:`Scope` naming what changed since the step last ran (the ingest lists it:
:mod:`modelatlas.store.changes`). A step recomputes only those models (lineage:
and their descendants; events: and the snapshots around the changed ones).

The API the read side relies on:

* :func:`refresh` — run after writes; a no-op (two tiny reads) when nothing
  changed; each step commits with its bookkeeping, so a kill -9 mid-refresh
  leaves every step either done or still to do;
* :func:`is_current` — no writes, milliseconds whatever the store size, works
  on a read-only connection;
* :func:`generation` — a cheap token that changes whenever ingested or derived
  data may have changed (for result caches).
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from types import ModuleType

import duckdb

from modelatlas import __version__, settings
from modelatlas.errors import StoreError
from modelatlas.store import changes
from modelatlas.store.db import Store

DERIVE_VERSION = "4"  # bump when a step's definition changes: stores recompute in full
CATALOG_FILES = (
    ("modelatlas.catalog", "data/orgs.yaml"),
    ("modelatlas.catalog", "data/families.yaml"),
    ("modelatlas.catalog", "data/reuploads.yaml"),  # re-upload edges (lineage step)
    ("modelatlas.catalog", "data/bases.yaml"),
    ("modelatlas.licenses", "data/licenses.yaml"),
    ("modelatlas.licenses", "data/aliases.yaml"),
    ("modelatlas.licenses", "data/repos.yaml"),
)


@dataclass(frozen=True)
class Scope:
    """What changed since a step last ran, as temporary tables on the connection.

    ``_dd(model_id, lineage, gone, prev_org, new, reshaped, recount)``: dirty models
    (``lineage``: their parents changed or they are new nodes; ``gone``: a parent no
    edge names any more, maybe no longer a node; ``new``: first stored; ``reshaped``:
    gained or lost every stated parent, or every one naming another model;
    ``recount``: new, reshaped or moved to another org, so their org's counts may have
    changed; the kinds: :func:`changes.mark_models`);
    ``_ds(source, snapshot)``: snapshots written;
    ``_dm``: the stored rows of the dirty models that are models (the ingested
    columns steps read: id, org, licence fields, cut tags), read from ``models``
    once for every step (each scan of ``models`` costs ~10-30 ms at 250k models,
    whatever the size of the change).
    """

    models: int
    snapshots: int
    models_sql: str = ("SELECT model_id, lineage, gone, prev_org, new, reshaped, recount"
                       " FROM _dd")
    snapshots_sql: str = "SELECT source, snapshot FROM _ds"
    rows_sql: str = "SELECT * FROM _dm"


@dataclass(frozen=True)
class Step:
    order: int
    name: str
    run: Callable[[Store, Scope | None], None]

    @property
    def key(self) -> str:
        return f"{self.order:03d}:{self.name}"


def steps() -> list[Step]:
    import modelatlas.derive_steps as pkg

    found: list[Step] = []
    for info in pkgutil.iter_modules(pkg.__path__):
        if info.name.startswith("_"):
            continue
        mod: ModuleType = importlib.import_module(f"{pkg.__name__}.{info.name}")
        found.append(Step(int(mod.ORDER), str(mod.NAME), mod.run))
    return sorted(found, key=lambda s: (s.order, s.name))


@functools.cache
def _catalog_digest() -> str:
    h = hashlib.sha256(f"{__version__}|{DERIVE_VERSION}".encode())
    for pkg, name in CATALOG_FILES:
        try:
            h.update(resources.files(pkg).joinpath(name).read_bytes())
        except (FileNotFoundError, ModuleNotFoundError):
            h.update(f"missing:{pkg}/{name}".encode())
    return h.hexdigest()[:16]


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


def static_fingerprint() -> str:
    """What derived data depends on besides the store: catalogs, versions, user files."""
    return f"{_catalog_digest()};{_user_files()}"


def _states(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    try:
        return {str(k): str(v) for k, v in
                con.execute("SELECT step, fingerprint FROM derived_state").fetchall()}
    except duckdb.CatalogException:
        return {}


def _done(fp: str | None, static: str) -> int:
    """The data generation a step's fingerprint says it computed (0: none / stale static)."""
    if not fp or "|" not in fp:
        return 0
    gen, _, rest = fp.partition("|")
    return int(gen) if rest == static and gen.isdigit() else 0


def _step_count() -> int:
    """How many derive steps there are, without importing them (is_current stays cheap)."""
    import modelatlas.derive_steps as pkg

    return sum(1 for info in pkgutil.iter_modules(pkg.__path__) if not info.name.startswith("_"))


def is_current(store: Store) -> bool:
    """True when every derived table reflects the store's data and catalogs.

    No writes, no step imported: two tiny reads and a digest of the catalog files
    (cached per process); works on a read-only connection.
    """
    data_gen, _ = changes.current(store.con)
    if data_gen == 0:
        return False
    want = f"{data_gen}|{static_fingerprint()}"
    states = _states(store.con)
    return len(states) >= _step_count() and all(fp == want for fp in states.values())


def generation(store: Store) -> str:
    """A token that changes whenever ingested or derived data may have changed.

    Data and derive generations, the catalogs' digest, and the size and time of the
    store's files (so writes by other commands, such as imports, count too).
    """
    data_gen, derive_gen = changes.current(store.con)
    parts = [str(data_gen), str(derive_gen), static_fingerprint()]
    if store.path is not None:
        for p in (store.path, store.path.with_name(store.path.name + ".wal")):
            try:
                st = os.stat(p)
                parts.append(f"{st.st_mtime_ns}:{st.st_size}")
            except OSError:
                parts.append("-")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:20]


def fingerprint(store: Store) -> str:
    """Alias of :func:`generation` (the web dashboard's cache key)."""
    return generation(store)


def _scope(con: duckdb.DuckDBPyConnection, done: int, total: int) -> Scope | None:
    """Dirty models and snapshots newer than generation ``done``; None means full."""
    if done == 0:
        return None
    if con.execute("SELECT count(*) FROM derive_dirty WHERE gen > ? AND model_id IS NULL",
                   [done]).fetchall()[0][0]:
        return None
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dd AS
        SELECT model_id, bool_or(kind IN ('new', 'lineage', 'parents')) AS lineage,
               bool_or(kind = 'gone') AS gone, any_value(prev_org) AS prev_org,
               bool_or(kind = 'new') AS new, bool_or(kind = 'lineage') AS reshaped,
               bool_or(kind IN ('new', 'lineage', 'org')) AS recount
        FROM derive_dirty WHERE gen > ? GROUP BY model_id
    """, [done])
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _ds AS
        SELECT DISTINCT source, snapshot FROM derive_dirty_snapshots WHERE gen > ?
    """, [done])
    n = int(con.execute("SELECT count(*) FROM _dd").fetchall()[0][0])
    if n > changes.FULL_SHARE * max(total, 1):
        return None
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _dm AS
        SELECT id, org, license_raw, license_name, license_link, truncated_tags FROM models
        SEMI JOIN _dd d ON d.model_id = models.id
    """)
    return Scope(n, int(con.execute("SELECT count(*) FROM _ds").fetchall()[0][0]))


def refresh(store: Store, *, force: bool = False, extra: str = "") -> list[str]:
    """Bring derived tables up to date; returns the names of the steps that ran.

    ``force``: recompute everything. ``extra``: the caller changed data outside the
    ingest (``ingest details``): everything is recomputed once.
    """
    con = store.con
    if store.read_only:
        if is_current(store):
            return []
        raise StoreError("derived tables are out of date and the store is open read-only;"
                         " run any ingest or open it for writing once to refresh them")
    if extra:
        con.execute("BEGIN TRANSACTION")
        changes.touch(con, full=True)
        con.execute("COMMIT")
    data_gen, _ = changes.current(con)
    static = static_fingerprint()
    states = _states(con)
    with store.working_memory():
        ran = _run_steps(store, data_gen, static, states, force)
    if ran:
        oldest = min(_done(_states(con).get(s.key), static) for s in steps())
        con.execute("BEGIN TRANSACTION")
        keys = [s.key for s in steps()]
        con.execute(f"DELETE FROM derived_state WHERE step NOT IN ({', '.join('?' for _ in keys)})",
                    keys)
        con.execute("DELETE FROM derive_dirty WHERE gen <= ?", [oldest])
        con.execute("DELETE FROM derive_dirty_snapshots WHERE gen <= ?", [oldest])
        con.execute("UPDATE store_generation SET derive_gen = derive_gen + 1"
                    " WHERE singleton = 1")
        con.execute("COMMIT")
    return ran


def _run_steps(store: Store, data_gen: int, static: str, states: dict[str, str],
               force: bool) -> list[str]:
    """Run each step that is behind, in its own transaction with its bookkeeping."""
    con = store.con
    total = int(con.execute("SELECT count(*) FROM models").fetchall()[0][0])
    ran: list[str] = []
    # Steps that computed the same generation share one scope: its dirty lists are
    # read once (the usual case: every step was current after the last derive).
    scoped: tuple[int, Scope | None] | None = None
    try:
        for step in steps():
            done = 0 if force else _done(states.get(step.key), static)
            if done == data_gen:
                continue
            con.execute("BEGIN TRANSACTION")
            try:
                if scoped is None or scoped[0] != done:
                    scoped = (done, _scope(con, done, total))
                step.run(store, scoped[1])
                con.execute("INSERT OR REPLACE INTO derived_state VALUES (?, now(), ?)",
                            [step.key, f"{data_gen}|{static}"])
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            ran.append(step.name)
    finally:
        for t in ("_dd", "_ds", "_dm"):
            con.execute(f"DROP TABLE IF EXISTS {t}")
    return ran

