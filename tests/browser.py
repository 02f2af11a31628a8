"""Driving Debian's Chromium through the dashboard (tests and bench/bench_pages.py).

Playwright launches ``/usr/bin/chromium`` (never a downloaded browser) with
networking side channels off. Before any page script runs, an init script
records Content-Security-Policy violations and uncaught errors; a page is
"drawn" when ``dashboard.js`` has set ``body[data-charts]`` and, on a model
page, the check has loaded. ``window.__pwned`` is the sentinel every hostile
payload in the test store would set.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WATCH = """
window.__violations = [];
window.__errors = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + (e.sample || ''));
});
window.addEventListener('error', function (e) { window.__errors.push(String(e.message)); });
"""


def available() -> bool:
    return CHROMIUM.exists()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """``modelatlas serve`` in a child process, its stderr kept in a file."""

    db: Path
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    _out: Any = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        # tests want the built page, never the "computing" one a loaded machine could
        # show past serve's page budget; a benchmark sets its own budget
        env = {"MODELATLAS_PAGE_BUDGET": "600", **os.environ,
               "PLAYWRIGHT_BROWSERS_PATH": "/nonexistent"}
        self._out = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "modelatlas", "--db", str(self.db), "serve", "--port",
             str(self.port)], stdout=subprocess.DEVNULL, stderr=self._out, env=env)
        deadline = time.monotonic() + timeout
        while True:
            try:
                httpx.get(self.base + "/api/stats", timeout=10).raise_for_status()
                return self
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("serve did not start: " + self.log.read_text()[-2000:])
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()     # a server that does not stop is reported by its test
                self.proc.wait(timeout=30)
                raise
        if self._out is not None:
            self._out.close()
            self._out = None


def launch(pw: Any) -> Any:
    """Chromium from the Debian package (Playwright downloads nothing)."""
    return pw.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)


def new_page(browser: Any) -> Any:
    ctx = browser.new_context(viewport={"width": 1200, "height": 900})
    ctx.add_init_script(WATCH)
    return ctx.new_page()


def model_url(model_id: str) -> str:
    return "/model?id=" + quote(model_id, safe="")


def wait_drawn(page: Any, timeout_ms: int = 60_000) -> None:
    """Until the charts are drawn (or failed) and a model page's check has answered."""
    # a function, not an expression: Playwright evaluates expressions with eval, which
    # the page's Content-Security-Policy (rightly) refuses
    page.wait_for_function(
        "() => document.body && document.body.dataset.charts !== undefined &&"
        " (!document.getElementById('check') ||"
        "  document.getElementById('check').dataset.loaded !== undefined)",
        timeout=timeout_ms)


@dataclass
class Timing:
    """One page view, in ms from the navigation start (the browser's own clock):
    first contentful paint, DOMContentLoaded (the page is interactive: its script
    has run and links and forms work), and everything drawn (every chart, and a
    model page's check)."""

    url: str
    first_paint_ms: float
    interactive_ms: float
    drawn_ms: float
    charts: int


TIMES = """(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const one = (n) => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : 0; };
  const paint = one('first-contentful-paint');
  return {paint: paint, ready: nav.domContentLoadedEventEnd,
          drawn: Math.max(one('charts-drawn'), one('check-loaded'), nav.domContentLoadedEventEnd),
          charts: document.querySelectorAll('.chart').length};
})()"""


def timed_visit(page: Any, url: str) -> Timing:
    """Load ``url`` and wait until it is drawn; the browser's timings of that view."""
    page.goto(url, wait_until="commit")
    wait_drawn(page)
    t = page.evaluate(TIMES)
    return Timing(url, float(t["paint"]), float(t["ready"]), float(t["drawn"]),
                  int(t["charts"]))
