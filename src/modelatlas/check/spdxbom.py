"""An SPDX 3.0.1 AI-profile document for a checked model (``--spdx``).

Built with ``spdx-python-model``, the SPDX project's bindings generated from the
official SPDX 3.0.1 model (its SHACL shapes), so every element, property and
enumeration is checked when set and again when serialised; :func:`validate`
parses a document back through the same bindings. Mapping:

* the model -> ``ai_AIPackage`` (task as ``ai_typeOfModel``, supplier, purl,
  download location), its licence -> ``hasDeclaredLicense`` to a
  ``simplelicensing_LicenseExpression`` (an SPDX id, else ``LicenseRef-``);
* each ancestor -> an ``ai_AIPackage`` with its licence as
  ``hasConcludedLicense``, linked by ``ancestorOf`` relationships (the pedigree);
* datasets -> ``dataset_DatasetPackage`` and ``trainedOn``;
* weight files -> ``software_File`` with a SHA-256 ``Hash``, linked by ``contains``.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from modelatlas import __version__
from modelatlas.check import bom, licinfo
from modelatlas.check.run import CheckReport
from modelatlas.errors import ModelAtlasError


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class _Doc:
    def __init__(self, report: CheckReport) -> None:
        from spdx_python_model import v3_0_1 as spdx

        self.s = spdx
        self.base = f"urn:modelatlas:{uuid.uuid4()}"
        self.ci = spdx.CreationInfo(specVersion="3.0.1", created=_now())
        tool = spdx.Tool(_id=f"{self.base}:tool", creationInfo=self.ci,
                         name=f"modelatlas {__version__}")
        agent = spdx.SoftwareAgent(_id=f"{self.base}:agent", creationInfo=self.ci,
                                   name="modelatlas")
        self.ci.createdBy.append(agent)
        self.ci.createdUsing.append(tool)
        self.objects: list[Any] = [tool, agent]
        self.elements: list[Any] = []
        self.report = report
        self.n = 0

    def iri(self, kind: str, name: str = "") -> str:
        self.n += 1
        return f"{self.base}:{kind}:{self.n}:{quote(name, safe='')}"

    def add(self, obj: Any) -> Any:
        self.objects.append(obj)
        self.elements.append(obj)
        return obj

    def relate(self, src: Any, kind: str, dst: list[Any]) -> None:
        self.add(self.s.Relationship(_id=self.iri("rel"), creationInfo=self.ci, from_=src,
                                     relationshipType=getattr(self.s.RelationshipType, kind),
                                     to=dst))

    def licence(self, license_id: str) -> Any | None:
        if not license_id or license_id == licinfo.UNKNOWN:
            return None
        entry = bom.license_entry(license_id) or {}
        spdx_id = entry.get("license", {}).get("id")
        expr = spdx_id or "LicenseRef-modelatlas-" + "".join(
            c if c.isalnum() or c in ".-" else "-" for c in license_id)
        return self.add(self.s.simplelicensing_LicenseExpression(
            _id=self.iri("license", license_id), creationInfo=self.ci,
            simplelicensing_licenseExpression=expr))

    def package(self, model_id: str, link: str | None, task: str | None) -> Any:
        s = self.s
        pkg = s.ai_AIPackage(_id=self.iri("model", model_id), creationInfo=self.ci,
                             name=model_id,
                             software_primaryPurpose=s.software_SoftwarePurpose.model,
                             software_downloadLocation=link or "NOASSERTION")
        purl = bom._purl(model_id)
        if purl:
            pkg.software_packageUrl = purl
        if task:
            pkg.ai_typeOfModel.append(task)
        return self.add(pkg)


def build(report: CheckReport) -> bytes:
    """The SPDX 3.0.1 JSON-LD document of a check report."""
    doc = _Doc(report)
    s, subj = doc.s, report.subject
    task = subj.card.get("pipeline_tag") if isinstance(subj.card.get("pipeline_tag"),
                                                       str) else None
    model = doc.package(subj.id, subj.link if subj.link and subj.link.startswith("http")
                        else None, task)
    if report.origin.get("display_name") or report.origin.get("source") == "store":
        org = doc.add(s.Organization(_id=doc.iri("org", str(report.origin.get("org"))),
                                     creationInfo=doc.ci,
                                     name=str(report.origin.get("display_name")
                                              or report.origin.get("org"))))
        model.suppliedBy = org
    lic = doc.licence(report.license_id)
    if lic is not None:
        doc.relate(model, "hasDeclaredLicense", [lic])
    nodes: dict[str, Any] = {subj.id: model}
    for n in report.chain.ordered():
        anc = doc.package(n.id, f"https://huggingface.co/{n.id}" if "/" in n.id else None,
                          None)
        nodes[n.id] = anc
        alic = doc.licence(n.license_id)
        if alic is not None:
            doc.relate(anc, "hasConcludedLicense", [alic])
    for e in report.chain.edges:
        if e.parent in nodes and e.child in nodes:
            doc.relate(nodes[e.parent], "ancestorOf", [nodes[e.child]])
    for ds in bom._datasets(report):
        pkg = doc.add(s.dataset_DatasetPackage(
            _id=doc.iri("dataset", ds), creationInfo=doc.ci, name=ds,
            software_downloadLocation=f"https://huggingface.co/datasets/{ds}",
            software_primaryPurpose=s.software_SoftwarePurpose.data,
            dataset_datasetType=[s.dataset_DatasetType.other], builtTime=_now(),
            releaseTime=_now()))
        doc.relate(model, "trainedOn", [pkg])
    files = []
    for comp in bom.weight_files(report):
        f = doc.add(s.software_File(_id=doc.iri("file", comp["name"]), creationInfo=doc.ci,
                                    name=comp["name"]))
        for h in comp.get("hashes", []):
            f.verifiedUsing.append(s.Hash(algorithm=s.HashAlgorithm.sha256,
                                          hashValue=h["content"]))
        files.append(f)
    if files:
        doc.relate(model, "contains", files)
    spdx_doc = s.SpdxDocument(_id=f"{doc.base}:document", creationInfo=doc.ci,
                              name=f"AI-BOM of {subj.id} (modelatlas check)",
                              rootElement=[model], element=list(doc.elements))
    spdx_doc.profileConformance.extend([
        s.ProfileIdentifierType.core, s.ProfileIdentifierType.software,
        s.ProfileIdentifierType.ai, s.ProfileIdentifierType.dataset,
        s.ProfileIdentifierType.simpleLicensing])
    objset = s.SHACLObjectSet()
    for o in (spdx_doc, *doc.objects):
        objset.add(o)
    buf = io.BytesIO()
    s.JSONLDSerializer().write(objset, buf, indent=2)
    return buf.getvalue()


def to_json(report: CheckReport) -> str:
    return build(report).decode("utf-8")


def validate(text: str) -> None:
    """Raise ModelAtlasError unless ``text`` parses as SPDX 3.0.1 through the official
    model bindings (types, properties, enumerations, patterns) and serialises back."""
    from spdx_python_model import v3_0_1 as spdx

    objset = spdx.SHACLObjectSet()
    try:
        spdx.JSONLDDeserializer().read(io.BytesIO(text.encode("utf-8")), objset)
        spdx.JSONLDSerializer().write(objset, io.BytesIO())
    except Exception as exc:  # the bindings raise plain exceptions on any violation
        raise ModelAtlasError(f"SPDX output is invalid: {str(exc)[:300]}") from None
    if not any(True for _ in objset.foreach_type("ai_AIPackage")):
        raise ModelAtlasError("SPDX output is invalid: no ai_AIPackage element")
