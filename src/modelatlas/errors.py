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
    │   ├── RateLimitedError  ... with HTTP 429 to the end
    │   └── ServerError       ... with HTTP 408 / 5xx to the end
    ├── CatalogError          a curated catalog or user override file is invalid
    ├── NotFoundError         a model, project or snapshot is not in the store
    │   └── RepoNotFoundError the Hub says the repository does not exist (or will not say)
    ├── HubRefusedError       the Hub answered a definite "no" that retrying cannot change
    │   ├── GatedRepoError    the repository exists but its files need accepted terms
    │   ├── DisabledRepoError the repository exists but was disabled by the Hub
    │   ├── UnauthorizedError the token is invalid or lacks permission (401/403)
    │   └── BadRequestError   the Hub refused the request itself (400)
    ├── OfflineError          HF_HUB_OFFLINE is set and a command needs the network
    └── EngineError           the chosen query engine cannot run (no PySpark, no Java)
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


class HubAnswer:
    """What a Hub answer said, kept on the error so callers can record it.

    ``status`` is the HTTP status (None for transport faults), ``code`` the
    ``X-Error-Code`` header, ``repo`` the repository the request was about.
    """

    status: int | None = None
    code: str | None = None
    repo: str | None = None

    def _answer(self, status: int | None, code: str | None, repo: str | None) -> None:
        self.status, self.code, self.repo = status, code, repo


class RepoNotFoundError(NotFoundError, HubAnswer):
    """The Hub says the repository does not exist: 404, ``X-Error-Code: RepoNotFound``,
    or 401 to a request without valid credentials (the Hub answers 401 for missing,
    private and gated-private repositories alike, and huggingface_hub reads it as
    "not found")."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 repo: str | None = None) -> None:
        super().__init__(message)
        self._answer(status, code, repo)


class HubRefusedError(ModelAtlasError, HubAnswer):
    """A definite refusal by the Hub (4xx other than not found): retrying will not help."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 repo: str | None = None) -> None:
        super().__init__(message)
        self._answer(status, code, repo)


class GatedRepoError(HubRefusedError):
    """The repository exists but is gated: its files need the user's accepted terms."""


class DisabledRepoError(HubRefusedError):
    """The repository exists but the Hub disabled access to it."""


class UnauthorizedError(HubRefusedError):
    """The credentials sent are invalid (401) or not allowed to do this (403)."""


class BadRequestError(HubRefusedError):
    """The Hub refused the request itself (400): an unknown parameter or page size."""


class RateLimitedError(NetworkError, HubAnswer):
    """Still rate-limited (HTTP 429) after every bounded retry."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 repo: str | None = None) -> None:
        super().__init__(message)
        self._answer(status, code, repo)


class ServerError(NetworkError, HubAnswer):
    """The server kept failing (HTTP 408 or 5xx) after every bounded retry."""

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 repo: str | None = None) -> None:
        super().__init__(message)
        self._answer(status, code, repo)


class OfflineError(ModelAtlasError):
    """``HF_HUB_OFFLINE`` (or ``TRANSFORMERS_OFFLINE``) is set: no request may be sent."""


class EngineError(ModelAtlasError):
    """The chosen query engine cannot run: PySpark or Java is missing, the Spark
    master cannot be reached, or Spark failed on a statement (docs/scale.md)."""
