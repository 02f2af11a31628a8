"""Hub model ids, by the Hub's own grammar; anything else is refused before use.

The web API checks only Hub ids and must never read a server path (``../``,
``~``, ``%2e%2e``, absolute paths, ``org/name/../../x``); the CLI must tell a
folder that does not exist from an id. The grammar is the one huggingface_hub
enforces in ``utils/_validators.py`` (``REPO_ID_REGEX`` and ``validate_repo_id``:
ASCII letters, digits, ``-_.``; no ``--`` or ``..``; not ending in ``.git``; at
most 96 characters per part; starting and ending with a letter or digit), with
the namespace required, since a model is always ``org/name`` on the Hub.
"""

from __future__ import annotations

import re

from modelatlas.errors import UsageError

_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,95}", re.ASCII)


def problem(model_id: str) -> str | None:
    """Why ``model_id`` is not an ``org/name`` Hub id, or None when it is one."""
    if not isinstance(model_id, str) or model_id.count("/") != 1:
        return "a Hub id is org/name"
    org, name = model_id.split("/")
    for part in (org, name):
        if not _PART.fullmatch(part) or part.endswith((".", "-")):
            return "a Hub id uses letters, digits, '-', '_' and '.', and starts and ends " \
                   "with a letter or digit"
    if "--" in model_id or ".." in model_id or model_id.endswith(".git"):
        return "a Hub id cannot contain '--' or '..' or end in '.git'"
    return None


def require(model_id: str) -> str:
    """``model_id`` when it is a Hub id, else UsageError (never a path lookup)."""
    why = problem(model_id)
    if why:
        raise UsageError(f"not a Hub model id: {model_id[:100]!r} ({why})")
    return model_id


def looks_like_path(target: str) -> bool:
    """True for what a user means as a folder: ./x, ../x, /x, ~/x, C:\\x, a/b/c."""
    return (target.startswith((".", "/", "~", "\\")) or target.count("/") > 1
            or "\\" in target or (len(target) > 1 and target[1] == ":"))
