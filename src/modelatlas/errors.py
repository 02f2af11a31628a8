"""Every exception modelatlas raises on purpose.

The CLI turns these into a one-line message on stderr and exit code 1; anything
else is a bug and keeps its traceback. Library users catch ``ModelAtlasError``.

Tree::

    ModelAtlasError
    ├── UsageError            bad option values the parser could not see (exit 2)
    ├── StoreError            the DuckDB store is missing, locked or too new
    ├── InputError            a file or record cannot be read
    │   ├── FormatError       the format cannot be detected or is not supported
    │   └── CorruptFileError  a file is truncated or corrupted
    ├── NetworkError          a remote endpoint kept failing after retries
    ├── CatalogError          a curated catalog or user override file is invalid
    └── NotFoundError         a model, project or snapshot is not in the store
"""

from __future__ import annotations


class ModelAtlasError(Exception):
    """Base class: an expected failure with a message meant for the user."""

    exit_code = 1


class UsageError(ModelAtlasError):
    """An option value is invalid (e.g. a malformed date)."""

    exit_code = 2


class StoreError(ModelAtlasError):
    """The store cannot be opened, migrated or written."""


class InputError(ModelAtlasError):
    """An input file or record cannot be read."""


class FormatError(InputError):
    """The input format cannot be detected or is not supported."""


class CorruptFileError(InputError):
    """An input file is truncated or corrupted."""


class NetworkError(ModelAtlasError):
    """A remote endpoint kept failing after the bounded retries."""


class CatalogError(ModelAtlasError):
    """A curated catalog or a user override file is invalid."""


class NotFoundError(ModelAtlasError):
    """A model, project or snapshot asked for is not in the store."""
