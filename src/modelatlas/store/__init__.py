"""The DuckDB store: schema migrations, snapshot commits, quarantine."""

from modelatlas.store.db import Store, open_store

__all__ = ["Store", "open_store"]
