"""The web dashboard and JSON API (``modelatlas serve``) over the same metrics as the CLI."""

from modelatlas.web.app import create_app

__all__ = ["create_app"]
