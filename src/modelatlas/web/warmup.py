"""Serve-start warm-up: the default views computed in the background, and readiness.

On a whole-Hub store the first answer of a heavy query (a downloads cube over
30M observations, the lineage edges, the RAM cohorts) takes tens of seconds;
the cache then keeps it for the store generation (``web/shared.py``). So that
the first *user* does not pay for it, ``serve`` requests its own default views
once it accepts connections, one after the other, over loopback and through
the same routes a browser uses (same parsing, same caches; nothing computed
twice, since a user asking for the same answer meanwhile waits on the same
intermediate). ``GET /api/ready`` says how far it got: ``ready`` is true once
every default view has been built (or failed, with its status), so a script or
a load balancer can wait for it. A failed view is a note in that answer, never
a stopped server: the page simply computes on its first real view.

Warm-up requests carry ``X-Modelatlas-Warmup: 1`` and are logged as such, so
the access log and the benchmarks can tell them from users' requests.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The views every user sees first: the navigation's pages at their defaults.
DEFAULT_VIEWS = ("/", "/orgs", "/families", "/licences", "/changes", "/openness")
#: Seconds one warm-up request may take (a cold share on a loaded machine can take
#: minutes; past this the view is noted as failed and the next one is started).
VIEW_BUDGET_S = 1800.0
#: Seconds to wait for the server to accept connections before giving up.
LISTEN_BUDGET_S = 120.0
HEADER = "X-Modelatlas-Warmup"


@dataclass
class View:
    """One warmed view: its URL, the HTTP status it got and the milliseconds it took."""

    url: str
    status: int | None = None
    ms: float | None = None
    error: str | None = None


@dataclass
class WarmUp:
    """The warm-up's progress, read by ``GET /api/ready`` from any thread."""

    views: list[View] = field(default_factory=lambda: [View(u) for u in DEFAULT_VIEWS])
    state: str = "off"
    started: float | None = None
    finished: float | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def document(self) -> dict[str, Any]:
        """What ``/api/ready`` answers."""
        with self._lock:
            now = time.monotonic()
            end = self.finished if self.finished is not None else now
            return {
                "ready": self.state == "done",
                "state": self.state,
                "seconds": round(end - self.started, 3) if self.started is not None else None,
                "views": [{"url": v.url, "status": v.status,
                           "ms": round(v.ms, 1) if v.ms is not None else None,
                           "error": v.error} for v in self.views],
            }

    def reset(self) -> None:
        """Start over with the default views (the store changed: a new warm-up)."""
        with self._lock:
            self.views = [View(u) for u in DEFAULT_VIEWS]
            self.state = "waiting"
            self.started = time.monotonic()
            self.finished = None

    def run(self, host: str, port: int,
            more: Callable[[], list[str]] | None = None) -> None:
        """Warm every default view once the server at ``host:port`` accepts
        connections, then the views ``more()`` names (found by reading the store, so
        after the defaults). Runs in its own thread; never raises (a failure is
        recorded per view)."""
        with self._lock:
            self.state = "waiting"
            self.started = time.monotonic()
        target = _loopback(host)
        if not _wait_listening(target, port, LISTEN_BUDGET_S):
            with self._lock:
                self.state = "failed"
                self.finished = time.monotonic()
                for v in self.views:
                    v.error = "the server did not accept connections"
            return
        with self._lock:
            self.state = "warming"
        self._views(target, port, list(self.views))
        if more is not None:
            try:
                extra = [View(u) for u in more()]
            except Exception as exc:  # a warm-up only: the page computes on its first view
                extra = [View("(more views)", error=f"{type(exc).__name__}: {exc}"[:200])]
            with self._lock:
                self.views.extend(extra)
            self._views(target, port, [v for v in extra if v.error is None])
        with self._lock:
            self.state = "done"
            self.finished = time.monotonic()


    def _views(self, host: str, port: int, views: list[View]) -> None:
        for view in views:
            status, ms, error = _get(host, port, view.url)
            with self._lock:
                view.status, view.ms, view.error = status, ms, error


def _loopback(host: str) -> str:
    """The address to reach a server bound to ``host`` from this machine (a wildcard
    bind is reached on loopback, whose name every Host allowlist accepts)."""
    if host in ("", "0.0.0.0"):  # noqa: S104 (an address compared, not bound)
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def _wait_listening(host: str, port: int, budget: float) -> bool:
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=1.0):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _get(host: str, port: int, url: str) -> tuple[int | None, float, str | None]:
    """One GET over loopback: (status, milliseconds, error); the body is read whole
    (the server's caches keep it) and dropped."""
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(host, port, timeout=VIEW_BUDGET_S)
    try:
        conn.request("GET", url, headers={HEADER: "1"})
        resp = conn.getresponse()
        body = resp.read()
        error = None
        if resp.status >= 400:
            try:
                error = str(json.loads(body).get("error", ""))[:200] or None
            except (ValueError, AttributeError):
                error = f"HTTP {resp.status}"
        return resp.status, (time.perf_counter() - t0) * 1000, error
    except (OSError, http.client.HTTPException) as exc:
        return None, (time.perf_counter() - t0) * 1000, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        conn.close()
