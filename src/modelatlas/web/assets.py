"""The dashboard's static files, served from memory under fixed names.

No request path ever reaches the filesystem: the few files (the dashboard's
script and style sheet, shipped in ``modelatlas/web/static/``, and the Vega +
Vega-Lite + vega-embed runtime that vl-convert bundles, as the report inlines
it) are read once into a dictionary, and ``/static/<name>`` is a lookup in it.
Names carry a content hash, so browsers may cache them for good.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import Response

from modelatlas.errors import NotFoundError

SHIPPED = {"dashboard.js": "text/javascript; charset=utf-8",
           "dashboard.css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    media_type: str


def _hashed(stem: str, ext: str, body: bytes) -> str:
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:12]}.{ext}"


class Assets:
    """Name -> file, built lazily (bundling the Vega runtime the first time takes seconds;
    :func:`modelatlas.report.page.vega_runtime` caches it in the user cache dir)."""

    def __init__(self) -> None:
        self._by_name: dict[str, Asset] = {}
        self._urls: dict[str, str] = {}
        self._lock = threading.Lock()

    def _load(self) -> None:
        from modelatlas.report.page import vega_runtime

        files = resources.files("modelatlas.web") / "static"
        found: list[tuple[str, bytes, str]] = []
        for name, media in SHIPPED.items():
            found.append((name, (files / name).read_bytes(), media))
        found.append(("vega.js", vega_runtime().encode(), "text/javascript; charset=utf-8"))
        for name, body, media in found:
            stem, ext = name.rsplit(".", 1)
            hashed = _hashed(stem, ext, body)
            self._by_name[hashed] = Asset(hashed, body, media)
            self._urls[name] = f"/static/{hashed}"

    def url(self, name: str) -> str:
        """``/static/<name>.<hash>.<ext>`` for a shipped name (``vega.js``, ...)."""
        with self._lock:
            if not self._urls:
                self._load()
            return self._urls[name]

    def get(self, hashed: str) -> Asset:
        with self._lock:
            if not self._urls:
                self._load()
            asset = self._by_name.get(hashed)
        if asset is None:
            raise NotFoundError("no such file")
        return asset


def mount(app: FastAPI, assets: Assets) -> None:
    """``GET /static/{name}``: a dictionary lookup, never a file path."""

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        asset = assets.get(name)
        return Response(asset.body, media_type=asset.media_type,
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})
