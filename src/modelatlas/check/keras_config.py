"""What a Keras model config would run when loaded: Lambda layers and custom objects.

Shared by the ``.keras``, ``.h5`` and SavedModel ``keras_metadata.pb``
scanners. A ``Lambda`` layer (or a serialized ``__lambda__``) carries Python
bytecode or source that ``load_model`` rebuilds and calls: critical (Keras
``safe_mode`` refuses it only for ``.keras`` files and only in Keras 3, and was
bypassed, CVE-2024-3660, CVE-2025-1550). An object whose ``module`` is not
Keras' own is imported from that module when the model loads: high. The walk
is iterative and bounded, so a crafted config cannot recurse or run away.
"""

from __future__ import annotations

from typing import Any

from modelatlas.check.findings import Finding

KERAS_MODULES = ("keras", "tensorflow.keras", "tensorflow.python.keras", "tf_keras",
                 "keras_hub", "keras_nlp", "keras_cv", "builtins")
LAMBDAS = frozenset({"Lambda", "__lambda__", "TFOpLambda-lambda"})
MAX_NODES = 1_000_000


def findings(config: Any, label: str, kind: str) -> list[Finding]:
    """Findings for one parsed Keras config (a model, a layer list, metadata)."""
    out: dict[str, Finding] = {}
    stack: list[Any] = [config]
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            out["budget"] = Finding(label, "high", kind,
                                    f"config has more than {MAX_NODES:,} values: not verified")
            break
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict):
            continue
        cls = node.get("class_name")
        if isinstance(cls, str) and cls in LAMBDAS:
            name = node.get("config", {}).get("name") if isinstance(node.get("config"),
                                                                       dict) else None
            out[f"lambda:{name}"] = Finding(
                label, "critical", kind,
                f"Keras {cls} layer{f' {name!r}' if name else ''}: its Python code is "
                "rebuilt and run when the model loads")
            continue  # its function is part of the same finding
        module = node.get("module")
        if isinstance(module, str) and isinstance(cls, str) and not (
                module == "" or module.split(".", 1)[0] in {m.split(".", 1)[0]
                                                           for m in KERAS_MODULES}):
            out[f"module:{module}.{cls}"] = Finding(
                label, "high", kind,
                f"custom object {module}.{cls}: loading imports module {module!r}")
        reg = node.get("registered_name")
        if isinstance(reg, str) and ">" in reg and not reg.startswith(("keras", "Keras")):
            out[f"reg:{reg}"] = Finding(
                label, "high", kind,
                f"registered custom object {reg!r}: needs its own code to load")
        stack.extend(node.values())
    return list(out.values())
