"""A CycloneDX 1.6 ML-BOM for a checked model, written as plain JSON and validated.

The model is the BOM's subject (``metadata.component``, type
``machine-learning-model``) with:

* its licence (an SPDX id where one exists, else the licence name and URL) and
  every ancestor's licence on its own component (``pedigree.ancestors``, with
  supplier, depth, relation and where the licence was read as properties);
* a ``modelCard``: task, architecture family and class, and the training
  datasets as ``data`` components referenced by ``bom-ref``;
* the weight files as ``file`` components with their SHA-256 (computed for a
  local folder, taken from the Hub's LFS metadata for a Hub id);
* the verdict, duties, conflicts and security findings as ``modelatlas:*``
  properties.

Written by hand because cyclonedx-python-lib has no ``modelCard`` model yet;
:func:`validate` checks the text against the official 1.6 JSON schema that the
library ships (imported lazily: a ``--json`` check never pays for it).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelatlas import __version__
from modelatlas.check import licinfo
from modelatlas.check.run import CheckReport
from modelatlas.errors import ModelAtlasError

P = "modelatlas"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".h5",
                   ".keras", ".pkl", ".joblib", ".npz", ".msgpack", ".tflite", ".mlmodel")
HASH_MAX_BYTES = 200_000_000_000  # hash local weight files up to this total


def _spdx_id(candidate: str) -> str | None:
    from license_expression import get_spdx_licensing

    try:
        sym = get_spdx_licensing().parse(candidate, validate=True, strict=True)
    except Exception:  # not an SPDX id
        return None
    key = str(getattr(sym, "key", "") or "")
    return key if key and "LicenseRef" not in key and " " not in key else None


def license_entry(license_id: str) -> dict[str, Any] | None:
    """A CycloneDX licence choice for a catalog id (SPDX id when there is one)."""
    if not license_id or license_id == licinfo.UNKNOWN:
        return None
    t = licinfo.terms(license_id)
    for candidate in (*t.spdx, license_id):
        spdx = _spdx_id(candidate)
        if spdx:
            return {"license": {"id": spdx}}
    lic: dict[str, Any] = {"name": t.name or license_id}
    if t.source_url and t.source_url.startswith("http"):
        lic["url"] = t.source_url
    return {"license": lic}


def _props(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": n, "value": v} for n, v in pairs if v]


def _supplier(org: dict[str, Any]) -> dict[str, Any] | None:
    name = org.get("display_name") or org.get("org")
    if not name:
        return None
    out: dict[str, Any] = {"name": str(name)}
    src = org.get("source_url")
    if isinstance(src, str) and src.startswith("http"):
        out["url"] = [src]
    return out


def _purl(model_id: str, sha: str | None = None) -> str | None:
    if "/" not in model_id or model_id.count("/") != 1:
        return None
    from urllib.parse import quote

    ns, name = model_id.split("/", 1)
    out = f"pkg:huggingface/{quote(ns, safe='')}/{quote(name, safe='')}"
    return f"{out}@{quote(sha, safe='')}" if sha else out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def weight_files(report: CheckReport) -> list[dict[str, Any]]:
    """``file`` components for the weights, with SHA-256 where it can be known."""
    s = report.subject
    out: list[dict[str, Any]] = []
    budget = HASH_MAX_BYTES
    for f in s.files:
        if not f.name.lower().endswith(WEIGHT_SUFFIXES):
            continue
        comp: dict[str, Any] = {"type": "file", "name": f.name, "bom-ref": f"file:{f.name}"}
        digest = f.sha256
        if digest is None and s.path is not None:
            p = s.path / f.name
            size = f.size or 0
            if p.is_file() and not p.is_symlink() and size <= budget:
                budget -= size
                digest = _sha256(p)
        if digest:
            comp["hashes"] = [{"alg": "SHA-256", "content": digest}]
        else:
            comp["properties"] = _props([(f"{P}:hash", "not computed")])
        out.append(comp)
    return out


def _datasets(report: CheckReport) -> list[str]:
    from modelatlas.check.subject import as_list

    found = as_list(report.subject.card.get("datasets"))
    found += [t.split(":", 1)[1] for t in report.subject.tags if t.startswith("dataset:")]
    return list(dict.fromkeys(d for d in found if d and not d.endswith(("…", "..."))))


def model_card(report: CheckReport, datasets: list[str]) -> dict[str, Any]:
    s = report.subject
    params: dict[str, Any] = {}
    task = s.card.get("pipeline_tag")
    if isinstance(task, str) and task:
        params["task"] = task
    arch = s.config.get("architectures")
    if isinstance(arch, list) and arch and isinstance(arch[0], str):
        params["modelArchitecture"] = arch[0]
    family = s.config.get("model_type")
    if isinstance(family, str) and family:
        params["architectureFamily"] = family
    if datasets:
        params["datasets"] = [{"ref": f"dataset:{d}"} for d in datasets]
    card: dict[str, Any] = {"bom-ref": f"model-card:{s.id}"}
    if params:
        card["modelParameters"] = params
    lim = [f"{c['kind']}: {c['detail']}" for c in (x.as_dict() for x in report.conflicts)]
    if lim:
        card["considerations"] = {"technicalLimitations": lim}
    return card


def build(report: CheckReport) -> dict[str, Any]:
    """The ML-BOM of a check report, as a JSON-ready dict."""
    d = report.as_dict()
    s = report.subject
    roots_origin = {o["root"]: o for o in report.root_origins}
    parents_of: dict[str, list[str]] = {}
    for e in report.chain.edges:
        parents_of.setdefault(e.parent, []).append(f"{e.child} ({e.relation}, {e.origin})")
    ancestors = []
    for n in report.chain.ordered():
        comp: dict[str, Any] = {"type": "machine-learning-model", "name": n.id,
                                "bom-ref": f"ancestor:{n.id}"}
        lic = license_entry(n.license_id)
        if lic:
            comp["licenses"] = [lic]
        sup = _supplier(roots_origin.get(n.id) or {"org": n.org})
        if sup:
            comp["supplier"] = sup
        purl = _purl(n.id)
        if purl:
            comp["purl"] = purl
        comp["properties"] = _props(
            [(f"{P}:lineage:depth", str(n.depth)), (f"{P}:lineage:status", n.status),
             (f"{P}:license", "unknown" if n.license_id == licinfo.UNKNOWN else n.license_id),
             (f"{P}:license:source", n.license_source_url or n.license_source or "")]
            + [(f"{P}:lineage:base-of", v) for v in parents_of.get(n.id, [])])
        ancestors.append(comp)
    pairs = [(f"{P}:verdict", d["verdict"]), (f"{P}:use", d["use"])]
    if d["users"] is not None:
        pairs.append((f"{P}:users", str(d["users"])))
    pairs += [(f"{P}:reason", r) for r in d["reasons"]]
    pairs += [(f"{P}:duty", f"[{x['license']}] {x['text']}") for x in d["duties"]]
    pairs += [(f"{P}:conflict", f"{c['kind']}: {c['detail']}") for c in d["conflicts"]]
    pairs += [(f"{P}:security:{f['severity']}", f"{f['file']}: {f['detail']}")
              for f in d["security"] if f["severity"] != "info"]
    if s.license_raw and report.license_id == licinfo.UNKNOWN:
        pairs.append((f"{P}:license-declared", s.license_raw))
    datasets = _datasets(report)
    model: dict[str, Any] = {"type": "machine-learning-model", "name": s.id,
                             "bom-ref": f"model:{s.id}"}
    lic = license_entry(report.license_id)
    if lic:
        model["licenses"] = [lic]
    if report.origin.get("source") != "unknown":
        sup = _supplier(report.origin)
        if sup:
            model["supplier"] = sup
    purl = _purl(s.id, s.sha) if s.provenance != "folder" else None
    if purl:
        model["purl"] = purl
    if s.link and s.link.startswith("http"):
        model["externalReferences"] = [{"type": "website", "url": s.link}]
    if ancestors:
        model["pedigree"] = {"ancestors": ancestors}
    model["modelCard"] = model_card(report, datasets)
    model["properties"] = _props(pairs)
    components = weight_files(report)
    components += [{"type": "data", "name": ds, "bom-ref": f"dataset:{ds}",
                    "properties": _props([(f"{P}:source", "model card / Hub tags")])}
                   for ds in datasets]
    doc: dict[str, Any] = {
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "serialNumber": f"urn:uuid:{uuid.uuid4()}", "version": 1,
        "metadata": {
            "timestamp": datetime.now(UTC).replace(microsecond=0).isoformat(),
            "tools": {"components": [{"type": "application", "name": "modelatlas",
                                      "version": __version__}]},
            "component": model,
        },
    }
    if components:
        doc["components"] = components
    return doc


def to_json(report: CheckReport) -> str:
    """The ML-BOM as CycloneDX 1.6 JSON text."""
    return json.dumps(build(report), indent=2, ensure_ascii=False)


def validate(text: str) -> None:
    """Raise ModelAtlasError when ``text`` is not a valid CycloneDX 1.6 JSON document."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise ModelAtlasError(f"CycloneDX output is invalid: {str(error)[:300]}")
