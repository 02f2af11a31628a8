"""Read a local model folder: card front matter, config.json and the file list.

Nothing in the folder is imported or executed: the card's YAML is read with
``yaml.safe_load`` (no Python object tags), JSON with :mod:`json`, and weights
are only listed here (the security scanner reads them as bytes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from modelatlas.check import jsonsafe
from modelatlas.check.subject import FileEntry, Subject, as_list, card_license, infer_relation
from modelatlas.errors import InputError
from modelatlas.store.tagsql import parent_ids

MAX_CARD_BYTES = 2_000_000
MAX_CONFIG_BYTES = 10_000_000
MAX_FILES = 100_000
MAX_JSON_DEPTH = 64
MAX_CARD_DEPTH = 64


def front_matter(text: str) -> tuple[dict[str, Any], str | None]:
    """The YAML front matter of a model card (``---`` fenced) and an error, if any."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, None
    for i in range(1, len(lines)):
        if lines[i].strip() == "---":
            block = "\n".join(lines[1:i])
            if jsonsafe.depth(block.encode("utf-8", "replace"), MAX_CARD_DEPTH) > MAX_CARD_DEPTH:
                return {}, f"model card front matter nested deeper than {MAX_CARD_DEPTH}: not read"
            try:
                data = yaml.safe_load(block)
            except yaml.YAMLError as exc:
                first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
                return {}, f"model card front matter is not valid YAML: {first}"
            except (RecursionError, MemoryError, ValueError, TypeError) as exc:
                return {}, f"model card front matter cannot be read: {type(exc).__name__}"
            if data is None:
                return {}, None
            if not isinstance(data, dict):
                return {}, "model card front matter is not a mapping"
            return {str(k): v for k, v in data.items()}, None
    return {}, "model card front matter is not closed by ---"


def read_json(path: Path, limit: int) -> tuple[dict[str, Any], str | None]:
    """A JSON object from a file, or an empty dict and the reason it could not be read."""
    try:
        if path.stat().st_size > limit:
            return {}, f"{path.name} is larger than {limit:,} bytes; not read"
        data = jsonsafe.loads(path.read_bytes(), max_bytes=limit, max_depth=MAX_JSON_DEPTH)
    except (OSError, jsonsafe.JSONRejected) as exc:
        return {}, f"{path.name} cannot be read: {exc}"
    if not isinstance(data, dict):
        return {}, f"{path.name} is not a JSON object"
    return data, None


def list_files(root: Path) -> list[FileEntry]:
    """All files under ``root`` (``.git`` skipped), relative posix paths with sizes."""
    out: list[FileEntry] = []
    for base, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__"))
        for n in sorted(names):
            p = Path(base) / n
            try:
                size = p.stat().st_size
            except OSError:
                size = None
            out.append(FileEntry(p.relative_to(root).as_posix(), size))
            if len(out) >= MAX_FILES:
                return out
    return out


def read_folder(path: str | Path) -> Subject:
    """A :class:`Subject` from a local model folder."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise InputError(f"not a model folder: {root}")
    notes: list[str] = []
    unreadable = False
    card: dict[str, Any] = {}
    readme = root / "README.md"
    if readme.is_file():
        try:
            with readme.open("rb") as fh:
                raw = fh.read(MAX_CARD_BYTES).decode("utf-8", errors="replace")
        except OSError as exc:
            raw = ""
            notes.append(f"README.md cannot be read: {exc}")
        card, err = front_matter(raw)
        if err:
            notes.append(err)
            unreadable = True
    else:
        notes.append("no README.md model card")
    config: dict[str, Any] = {}
    cfg = root / "config.json"
    if cfg.is_file():
        config, err = read_json(cfg, MAX_CONFIG_BYTES)
        if err:
            notes.append(err)
    files = list_files(root)
    lic, lic_name, lic_link = card_license(card)
    bases = parent_ids(as_list(card.get("base_model")))
    tags = as_list(card.get("tags"))
    return Subject(
        id=root.resolve().name,
        provenance="folder",
        path=root,
        card=card,
        config=config,
        files=files,
        license_raw=lic,
        license_name=lic_name,
        license_link=lic_link,
        base_models=bases,
        base_relation=infer_relation(card, files, tags, len(bases)) if bases else None,
        tags=tags,
        notes=notes,
        license_state="declared" if lic else ("unreadable" if unreadable else "none"),
    )
