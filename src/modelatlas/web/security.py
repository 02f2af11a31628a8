"""What stands between the dashboard and a hostile web page or a hostile store.

Three layers, all pure ASGI so they wrap every route (API, pages, assets):

- **Host allowlist** (DNS rebinding): a page on ``evil.example`` whose name is
  re-pointed at 127.0.0.1 can make the victim's browser talk to a local
  server, but the browser still sends ``Host: evil.example``. Only loopback
  names, the bound interface and names the operator adds
  (``--allow-host`` / ``MODELATLAS_ALLOWED_HOSTS``) are answered; anything
  else, or no Host at all, gets 400 before any route runs.
- **Read-only**: only GET and HEAD reach the app (405 otherwise), so no request
  can change the store or the server.
- **Headers**: a Content-Security-Policy that allows scripts from this server's
  own files only (no inline script, no eval, nothing from another origin), plus
  ``nosniff``, no framing and no referrer. Data never becomes script: pages put
  it in ``<script type="application/json">`` (escaped) or fetch it.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any

from modelatlas import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Names that always reach the server: the loopback interface, however spelled.
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")

#: The policy every response carries. ``script-src 'self'``: the Vega runtime and
#: dashboard.js come from /static/ and nothing else runs (charts are drawn with
#: Vega's expression interpreter, so no eval is needed either).
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
READ_METHODS = ("GET", "HEAD")

#: A DNS name (RFC 1123 labels) or an IPv4 literal; IPv6 literals come in brackets.
_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
                   r"(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$")


def host_name(header: str) -> str | None:
    """The host part of a ``Host`` header, normalised (lower case, no port, no
    brackets, no trailing dot), or None when it is not a well-formed host."""
    text = header.strip().lower()
    if not text or len(text) > 300:
        return None
    if text.startswith("["):
        end = text.find("]")
        if end < 0 or (end + 1 < len(text) and not _port(text[end + 1:])):
            return None
        try:
            return str(ipaddress.IPv6Address(text[1:end]))
        except ValueError:
            return None
    name, sep, port = text.rpartition(":") if ":" in text else (text, "", "")
    if sep and not _port(":" + port):
        return None
    if not _NAME.match(name):
        return None
    return name.rstrip(".")


def _port(text: str) -> bool:
    return text.startswith(":") and text[1:].isdigit() and 0 < int(text[1:]) < 65536


def normalise(name: str) -> str:
    """An allowlist entry as :func:`host_name` spells it (``[::1]`` -> ``::1``)."""
    text = name.strip().lower()
    if not text:
        return ""
    try:
        return str(ipaddress.ip_address(text.strip("[]")))
    except ValueError:
        return text.rstrip(".")


def allowed_hosts(bound: str | None = None, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, the interface the server is bound to (unless it is a
    wildcard such as 0.0.0.0, which names no host), the names in
    ``MODELATLAS_ALLOWED_HOSTS`` (comma-separated) and ``extra``."""
    names = set(LOOPBACK_NAMES)
    if bound and normalise(bound) not in ("0.0.0.0", "::"):  # noqa: S104 (a comparison)
        names.add(normalise(bound))
    names.update(normalise(n) for n in settings.get("allowed_hosts").split(","))
    names.update(normalise(n) for n in extra)
    names.discard("")
    return frozenset(names)


async def _plain(send: Send, status: int, text: str,
                 extra: tuple[tuple[bytes, bytes], ...] = ()) -> None:
    body = json.dumps({"error": text}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()), *HEADERS, *extra]})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """ASGI middleware: Host allowlist, read-only methods, security headers."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"")
        name = host_name(raw.decode("latin-1"))
        if name is None or name not in self.hosts:
            await _plain(send, 400, "host not allowed: this server answers only to the names "
                                    "it was started for (see `modelatlas serve --allow-host`)")
            return
        if scope["method"] not in READ_METHODS:
            await _plain(send, 405, "read-only server: only GET and HEAD",
                         ((b"allow", b"GET, HEAD"),))
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", ())}
                message["headers"] = [*message.get("headers", ()),
                                      *(h for h in HEADERS if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, with_headers)
