"""A CycloneDX 1.6 ML-BOM for a checked model, built with cyclonedx-python-lib.

The model is the BOM's subject (``metadata.component``, type
``machine-learning-model``) with its licences (SPDX ids where one exists, else
the licence name and URL), its developer as ``supplier`` and its lineage as
``pedigree.ancestors`` (each ancestor with its licence, supplier, depth and
relation as properties). The verdict, duties, conflicts and security findings
travel as ``modelatlas:*`` properties. :func:`validate` checks the output
against the official 1.6 JSON schema shipped with the library.
"""

from __future__ import annotations

import json
from typing import Any

from cyclonedx.model import ExternalReference, ExternalReferenceType, Property, XsUri
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType, Pedigree
from cyclonedx.model.contact import OrganizationalEntity
from cyclonedx.model.license import DisjunctiveLicense
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.spdx import fixup_id
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from modelatlas import __version__
from modelatlas.check import licinfo
from modelatlas.check.run import CheckReport
from modelatlas.errors import ModelAtlasError

P = "modelatlas"


def _license(license_id: str) -> DisjunctiveLicense | None:
    if not license_id or license_id == licinfo.UNKNOWN:
        return None
    t = licinfo.terms(license_id)
    for candidate in (*t.spdx, license_id):
        spdx = fixup_id(candidate)
        if spdx:
            return DisjunctiveLicense(id=spdx)
    url = XsUri(t.source_url) if t.source_url and t.source_url.startswith("http") else None
    return DisjunctiveLicense(name=t.name or license_id, url=url)


def _supplier(org: dict[str, Any]) -> OrganizationalEntity | None:
    name = org.get("display_name") or org.get("org")
    if not name:
        return None
    src = org.get("source_url")
    urls = [XsUri(src)] if isinstance(src, str) and src.startswith("http") else None
    return OrganizationalEntity(name=str(name), urls=urls)


def _purl(model_id: str, sha: str | None) -> PackageURL | None:
    if "/" not in model_id:
        return None
    ns, name = model_id.split("/", 1)
    return PackageURL(type="huggingface", namespace=ns, name=name, version=sha)


def _component(model_id: str, ref: str, license_id: str, props: list[Property],
               supplier: OrganizationalEntity | None, purl: PackageURL | None) -> Component:
    lic = _license(license_id)
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        name=model_id,
        bom_ref=ref,
        licenses=[lic] if lic else None,
        supplier=supplier,
        purl=purl,
        properties=props,
    )


def build(report: CheckReport) -> Bom:
    """The ML-BOM of a check report."""
    d = report.as_dict()
    s = report.subject
    roots_origin = {o["root"]: o for o in report.root_origins}
    ancestors: list[Component] = []
    parents_of: dict[str, list[str]] = {}
    for e in report.chain.edges:
        parents_of.setdefault(e.parent, []).append(f"{e.child} ({e.relation})")
    for n in report.chain.ordered():
        props = [Property(name=f"{P}:lineage:depth", value=str(n.depth)),
                 Property(name=f"{P}:lineage:status", value=n.status)]
        props += [Property(name=f"{P}:lineage:base-of", value=v) for v in parents_of.get(n.id, [])]
        if n.license_id == licinfo.UNKNOWN:
            props.append(Property(name=f"{P}:license", value="unknown"))
        origin = roots_origin.get(n.id) or {"org": n.org}
        ancestors.append(_component(n.id, f"ancestor:{n.id}", n.license_id, props,
                                    _supplier(origin), _purl(n.id, None)))
    props = [Property(name=f"{P}:verdict", value=d["verdict"]),
             Property(name=f"{P}:use", value=d["use"])]
    if d["users"] is not None:
        props.append(Property(name=f"{P}:users", value=str(d["users"])))
    props += [Property(name=f"{P}:reason", value=r) for r in d["reasons"]]
    props += [Property(name=f"{P}:duty", value=f"[{x['license']}] {x['text']}")
              for x in d["duties"]]
    props += [Property(name=f"{P}:conflict", value=f"{c['kind']}: {c['detail']}")
              for c in d["conflicts"]]
    props += [Property(name=f"{P}:security:{f['severity']}", value=f"{f['file']}: {f['detail']}")
              for f in d["security"] if f["severity"] not in ("info",)]
    if s.license_raw and report.license_id == licinfo.UNKNOWN:
        props.append(Property(name=f"{P}:license-declared", value=s.license_raw))
    model = _component(
        s.id, f"model:{s.id}", report.license_id, props,
        _supplier(report.origin) if report.origin.get("source") != "unknown" else None,
        _purl(s.id, s.sha) if s.provenance != "folder" else None,
    )
    if ancestors:
        model.pedigree = Pedigree(ancestors=ancestors)
    if s.link and s.link.startswith("http"):
        model.external_references.add(
            ExternalReference(type=ExternalReferenceType.WEBSITE, url=XsUri(s.link)))
    bom = Bom()
    bom.metadata.component = model
    bom.metadata.tools.components.add(
        Component(type=ComponentType.APPLICATION, name="modelatlas", version=__version__))
    return bom


def to_json(report: CheckReport) -> str:
    """The ML-BOM as CycloneDX 1.6 JSON text."""
    text: str = JsonV1Dot6(build(report)).output_as_string(indent=2)
    return text


def validate(text: str) -> None:
    """Raise ModelAtlasError when ``text`` is not a valid CycloneDX 1.6 JSON document."""
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:
        raise ModelAtlasError(f"CycloneDX output is invalid: {str(error)[:300]}")
    json.loads(text)
