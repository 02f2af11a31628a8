"""One read-only store shared by the server's worker threads, and let go for writers.

Each request gets its own DuckDB cursor (reads run in parallel, no global
lock). Intermediates (downloads cubes) and encoded answers are cached per
store *generation* (:func:`modelatlas.derive.generation`), so a repeated read
costs a dictionary lookup. When a writer asks for the store
(:mod:`modelatlas.store.lock`), a watcher thread waits for in-flight requests,
closes the connection and lets the writer in; meanwhile answers come from the
cache (marked stale) or are 503. The next request after the write reconnects,
sees a new generation and drops the caches, so the new data shows at once.
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path

import duckdb

from modelatlas.errors import ModelAtlasError, StoreError
from modelatlas.queries._engine import Intermediates, Reader, attach_cache, cache_path
from modelatlas.store.db import Store, open_store
from modelatlas.store.lock import write_requested


class StoreBusy(ModelAtlasError):
    """A writer holds the store right now (HTTP 503, retry shortly)."""


class AnswerCache:
    """Encoded answers keyed by (generation, query, arguments); bounded by bytes."""

    def __init__(self, max_bytes: int = 256 * 1024 * 1024) -> None:
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._bytes = 0
        self._max = max_bytes
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> bytes | None:
        with self._lock:
            body = self._items.get(key)
            if body is not None:
                self._items.move_to_end(key)
            return body

    def put(self, key: tuple[str, str], body: bytes) -> None:
        if len(body) > self._max // 4:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= len(old) if old else 0
            self._items[key] = body
            self._bytes += len(body)
            while self._bytes > self._max and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0


class SharedStore:
    """The server's view of one store file (``path=None``: an in-memory store, tests)."""

    def __init__(self, path: Path | None, *, watch: bool = True) -> None:
        self.path = path
        self.intermediates = Intermediates()
        self.answers = AnswerCache()
        self.generation: str | None = None
        self._con: duckdb.DuckDBPyConnection | None = None
        self._mem: Store | None = None
        self._cond = threading.Condition()
        self._active = 0
        #: True when intermediates and answers are kept in the file beside the store.
        self.persistent = False
        self._cursors: set[duckdb.DuckDBPyConnection] = set()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        if path is None:
            self._mem = open_store(":memory:")
        self._connect()
        if watch and path is not None:
            self._watcher = threading.Thread(target=self._watch, name="modelatlas-watch",
                                             daemon=True)
            self._watcher.start()

    # -- connection -------------------------------------------------------------------
    def _connect(self) -> None:
        """Open (or reopen) the store read-only; a new generation drops the caches."""
        from modelatlas import derive
        from modelatlas.atlas import bring_up_to_date

        if self._mem is not None:
            con = self._mem.con
        else:
            assert self.path is not None
            if not self.path.exists():
                raise StoreError(f"no store at {self.path}: ingest something first")
            bring_up_to_date(self.path)
            con = open_store(self.path, read_only=True).con
        gen = derive.generation(Store(self.path, con, read_only=True))
        # a new connection attaches its intermediate cache: the file beside the store
        # (what an earlier process built for this store state is reused) or memory
        self.intermediates = Intermediates()
        self.intermediates.generation = gen
        self.persistent = attach_cache(
            con, cache_path(self.path) if self._mem is None and self.path else None, gen)
        if self.persistent:
            self.intermediates.adopt(con)
        if gen != self.generation:
            self.answers.clear()
            self.generation = gen
        self._con = con

    @property
    def stopping(self) -> threading.Event:
        """Set when the server closes (background loops end on it)."""
        return self._stop

    @property
    def connected(self) -> bool:
        """True while the server holds the store: no writer can have changed it since
        the connection was made, so cached answers are current."""
        return self._con is not None

    def _release(self) -> None:
        """Close the connection once no request uses it (a writer is waiting)."""
        with self._cond:
            while self._active:
                self._cond.wait(0.05)
            if self._con is not None and self._mem is None:
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                self._con = None

    def _watch(self) -> None:
        assert self.path is not None
        while not self._stop.wait(0.2):
            if self._con is not None and write_requested(self.path):
                self._release()

    @contextlib.contextmanager
    def reader(self) -> Iterator[Reader]:
        """A reader on its own cursor; StoreBusy while a writer holds the store."""
        with self._cond:
            if self._con is None or (self.path is not None and write_requested(self.path)):
                if self.path is not None and write_requested(self.path):
                    raise StoreBusy("the store is being written; retry in a few seconds")
                try:
                    self._connect()
                except StoreError as exc:
                    raise StoreBusy(str(exc)) from exc
            assert self._con is not None
            self._active += 1
            con = self._con
        cur = con.cursor()
        with self._cond:
            self._cursors.add(cur)
        try:
            yield Reader(Store(self.path, cur, read_only=True), self.intermediates)
        finally:
            with contextlib.suppress(duckdb.Error):
                cur.close()
            with self._cond:
                self._cursors.discard(cur)
                self._active -= 1
                self._cond.notify_all()

    def close(self) -> None:
        """Stop: interrupt the statements still running (a view built in the
        background can take minutes on a whole-Hub store; Ctrl-C must not wait for
        it), then close the connection."""
        self._stop.set()
        with self._cond:
            running = list(self._cursors)
        for cur in running:
            with contextlib.suppress(duckdb.Error):
                cur.interrupt()
        if self._watcher is not None:
            self._watcher.join(timeout=2)
        with self._cond:
            if self._con is not None:
                with contextlib.suppress(duckdb.Error):
                    self._con.close()
                self._con = None
