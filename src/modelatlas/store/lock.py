"""Sharing one store between readers and a writer, within DuckDB's rules.

DuckDB lets many processes open a database file read-only, or one process
read-write, never both. modelatlas readers (queries, notebooks, ``serve``)
open read-only; writers (ingest, import) open read-write. A writer that finds
the file held waits a bounded time (``MODELATLAS_LOCK_WAIT`` seconds) and,
meanwhile, leaves a *write request* beside the store
(``<store>.write-request``, holding its PID): ``serve`` watches for it, lets go
of the file, answers from its cache or with 503 until the write is done, then
reopens and shows the new data. A reader that never lets go (a notebook) makes
the writer fail with one line naming the holder's PID.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from pathlib import Path

import duckdb

from modelatlas import settings
from modelatlas.errors import StoreError

_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")


def request_path(db: Path) -> Path:
    """Where a waiting writer leaves its request."""
    return db.with_name(db.name + ".write-request")


def is_lock_error(exc: BaseException) -> bool:
    return "Could not set lock" in str(exc) or "Conflicting lock" in str(exc)


def holder(exc: BaseException) -> str:
    """'PID 123 (python3)' from DuckDB's lock message, or 'another process'."""
    m = _HOLDER.search(str(exc))
    if not m:
        return "another process"
    return f"PID {m.group(2)} ({Path(m.group(1)).name})"


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_requested(db: Path) -> bool:
    """True while a live writer waits for this store (a stale request is removed)."""
    req = request_path(db)
    try:
        text = req.read_text(encoding="utf-8").strip()
    except OSError:
        return False
    try:
        pid = int(text.split()[0])
    except (ValueError, IndexError):
        pid = -1
    if pid == os.getpid() or pid_alive(pid):
        return True
    with contextlib.suppress(OSError):
        req.unlink()
    return False


def connect_writer(db: Path, wait: float | None = None) -> duckdb.DuckDBPyConnection:
    """Open ``db`` read-write, waiting up to ``wait`` seconds for readers to let go."""
    if wait is None:
        wait = float(settings.get("lock_wait"))
    deadline = time.monotonic() + max(wait, 0.0)
    req = request_path(db)
    asked = False
    try:
        while True:
            try:
                return duckdb.connect(str(db))
            except duckdb.Error as exc:
                if not is_lock_error(exc):
                    raise StoreError(f"cannot open store {db}: {str(exc).splitlines()[0]}"
                                     ) from exc
                if time.monotonic() >= deadline:
                    raise StoreError(
                        f"store {db} is in use by {holder(exc)}; waited {wait:g} s for it"
                        " (close that program, or raise MODELATLAS_LOCK_WAIT)") from exc
                if not asked:
                    with contextlib.suppress(OSError):
                        req.write_text(f"{os.getpid()}\n", encoding="utf-8")
                    asked = True
                time.sleep(0.1)
    finally:
        if asked:
            with contextlib.suppress(OSError):
                req.unlink()


def connect_reader(db: Path) -> duckdb.DuckDBPyConnection:
    """Open ``db`` read-only; a writer holding it is named in the one-line error."""
    try:
        return duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        if is_lock_error(exc):
            raise StoreError(f"store {db} is being written by {holder(exc)}; try again when"
                             " it finishes") from exc
        raise StoreError(f"cannot open store {db}: {str(exc).splitlines()[0]}") from exc
