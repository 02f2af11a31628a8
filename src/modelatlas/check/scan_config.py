"""JSON configs that make loaders run code: ``auto_map``, ``trust_remote_code``, chat templates.

``config.json``, ``tokenizer_config.json``, the processor configs and
``chat_template.json`` are parsed with :mod:`.jsonsafe` (bounded size, depth
and value count, so a crafted document is a high finding, never a crash) and
checked for ``auto_map`` (custom classes: loading needs ``trust_remote_code``,
which runs the repo's code) and for chat templates that reach Python internals.
"""

from __future__ import annotations

from typing import Any

from modelatlas.check import jsonsafe, scan_code
from modelatlas.check.findings import Finding
from modelatlas.check.scanners import Blob, ScanContext, Scanner, register

NAMES = frozenset({"config.json", "tokenizer_config.json", "processor_config.json",
                   "preprocessor_config.json", "feature_extractor_config.json",
                   "image_processor_config.json", "chat_template.json",
                   "generation_config.json", "adapter_config.json"})


def templates(doc: dict[str, Any]) -> list[str]:
    t = doc.get("chat_template")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [str(x.get("template", "")) for x in t if isinstance(x, dict)]
    return []


def load(blob: Blob, ctx: ScanContext) -> tuple[dict[str, Any] | None, Finding | None]:
    """The parsed object, or a high finding saying why it was not parsed."""
    lim = ctx.budget.limits
    with ctx.stream(blob) as f:
        raw = f.read(lim.json_bytes + 1)
    try:
        doc = jsonsafe.loads(raw, max_bytes=lim.json_bytes, max_depth=lim.json_depth)
    except jsonsafe.JSONRejected as exc:
        return None, Finding(blob.label, "high", "config",
                             f"not parsed ({exc}): crafted or corrupt, not verified")
    if not isinstance(doc, dict):
        return None, Finding(blob.label, "medium", "config", "not a JSON object")
    return doc, None


def scan(blob: Blob, ctx: ScanContext) -> list[Finding]:
    doc, problem = load(blob, ctx)
    if doc is None:
        return [problem] if problem else []
    out = list(scan_code.check_auto_map(doc, blob.label))
    for t in templates(doc):
        out.extend(scan_code.check_template(t, blob.label))
    if doc.get("trust_remote_code") is True:
        out.append(Finding(blob.label, "medium", "code",
                           "sets trust_remote_code: the repo expects its own code to run"))
    return out


SCANNER = register(Scanner("config", "JSON configs (auto_map, trust_remote_code, templates)",
                           lambda b: b.name.rsplit("/", 1)[-1] in NAMES, scan, priority=50))
