"""What ``check`` knows about the model under review, whatever it came from.

A local folder, a store row or a live Hub record are all reduced to one
:class:`Subject`, so the lineage, licence and verdict steps never care where the
facts came from. ``provenance`` keeps that visible in the output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RELATIONS = ("finetune", "adapter", "quantized", "merge", "unknown")


@dataclass(frozen=True)
class FileEntry:
    """One file of the model repo (path relative to the repo root, posix style)."""

    name: str
    size: int | None = None
    sha256: str | None = None  # the Hub's LFS metadata, when known


@dataclass
class Subject:
    """The model under review, source-independent."""

    id: str
    provenance: str  # folder | store | lineage (a node of the store's graph) | hub
    path: Path | None = None
    card: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    files: list[FileEntry] = field(default_factory=list)
    license_raw: str | None = None
    license_name: str | None = None
    license_link: str | None = None
    license_id: str | None = None  # canonical id when the source already knows it
    # declared | none | cut (a tag the source cut short) | unreadable (a card not parsed)
    # | untold (listed without any tag or card) | not-in-store (a lineage node only):
    # only "none" means nothing is granted; the others mean "unknown: verify"
    license_state: str = "declared"
    base_models: list[str] = field(default_factory=list)
    base_relation: str | None = None
    org: str | None = None
    created_at: str | None = None
    release_date: str | None = None
    gated: str | None = None
    link: str | None = None
    sha: str | None = None
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def as_list(value: Any) -> list[str]:
    """A card field that may be a string, a list of strings or missing."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if isinstance(v, str | int) and str(v).strip()]
    return []


def card_license(card: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    """(license, license_name, license_link) as a model card declares them."""
    lic = as_list(card.get("license"))
    name = card.get("license_name")
    link = card.get("license_link")
    return (
        lic[0] if lic else None,
        str(name) if isinstance(name, str | int) else None,
        str(link) if isinstance(link, str) else None,
    )


def infer_relation(
    card: dict[str, Any], files: list[FileEntry], tags: list[str], n_bases: int
) -> str:
    """Relation to the base model(s): the card's ``base_model_relation`` when it says,
    else what the files show (adapter weights, quantized formats), else finetune."""
    declared = card.get("base_model_relation")
    if isinstance(declared, str) and declared.strip().lower() in RELATIONS:
        return declared.strip().lower()
    names = {f.name.rsplit("/", 1)[-1].lower() for f in files}
    low_tags = {t.lower() for t in tags}
    if "adapter_config.json" in names or "peft" in low_tags:
        return "adapter"
    if n_bases > 1 or "merge" in low_tags or "mergekit" in low_tags:
        return "merge"
    if any(n.endswith(".gguf") for n in names) or low_tags & {"gguf", "awq", "gptq", "exl2"}:
        return "quantized"
    return "finetune"
