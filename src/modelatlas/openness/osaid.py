"""A verdict against the Open Source AI Definition 1.0 (OSAID), with its reasons.

OSAID 1.0 (Open Source Initiative, 2024-10-28, https://opensource.org/ai/open-source-ai-definition)
asks for the *preferred form to make modifications*: **data information**
(enough detail about the training data for a skilled person to build a
substantially equivalent system), **code** (the complete source used to
process data, train and run the system, under OSI-approved licences) and
**parameters** (weights, under OSI-approved terms). The OSI's checklist maps
these onto the components of the Model Openness Framework (MOF); we follow that
mapping (checklist draft 0.0.9, the version built on the MOF paper):

* data information: at least one of Datasets, Research paper, Technical report,
  Data card, under OSD-conformant terms;
* code: Data preprocessing code, Training code, Inference code and Supporting
  libraries and tools, each under an OSI-approved licence (supporting libraries
  only when the release lists them: OSAID 1.0 says "if used", and the OSI's own
  validation counted OLMo, which lists none, as meeting it);
* model: Model architecture under an OSI-approved licence, Model parameters
  (Final) under OSD-conformant terms.

Any requirement that fails gives ``does_not_meet``; otherwise one we cannot
decide (a licence name we cannot map) gives ``unknown``; else ``meets``.
Licence names the MOF licence list does not know ("Apache 2.0") are read through
the licence catalog rather than failed on spelling, and the reason says so.

Systems with no MOF file get a **best-effort** verdict from their Open Source AI
Index classes (``basis: osai``, ``best_effort: true``): the index rates
availability and documentation, not licence terms component by component, so
partial classes leave a requirement ``unknown`` rather than guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from modelatlas.openness.mof import UNLICENSED, MofResult

VERDICTS = ("meets", "does_not_meet", "unknown")
OK, FAIL, UNKNOWN = "ok", "fail", "unknown"

DATA_COMPONENTS = ("Datasets", "Research paper", "Technical report", "Data card")
CODE_COMPONENTS = ("Data preprocessing code", "Training code", "Inference code",
                   "Supporting libraries and tools")
# OSAID 1.0 asks for supporting libraries "if used"; the MOF marks the component
# optional, and the OSI's own validation counted OLMo (no such component) as meeting
# the definition. So its absence is no failure; a listed one must be OSI-licensed.
IF_USED = frozenset({"Supporting libraries and tools"})
ARCHITECTURE = "Model architecture"
PARAMETERS = "Model parameters (Final)"


@dataclass
class Verdict:
    verdict: str
    weights: str            # ok | fail | unknown: parameters available under open terms
    code: str
    data_information: str
    weights_license: str | None
    weights_license_osi: bool | None
    reasons: list[str] = field(default_factory=list)


def _combine(parts: list[str]) -> str:
    return FAIL if FAIL in parts else UNKNOWN if UNKNOWN in parts else OK


def _finish(weights: str, code: str, data: str, lic: str | None, osi: bool | None,
            reasons: list[str]) -> Verdict:
    overall = _combine([weights, code, data])
    verdict = {OK: "meets", FAIL: "does_not_meet", UNKNOWN: "unknown"}[overall]
    if verdict == "meets":
        reasons = ["data information, code and parameters all available under open terms",
                   *reasons]
    return Verdict(verdict, weights, code, data, lic, osi, reasons)


# ---- licence terms ------------------------------------------------------------------


def _catalog_terms(name: str) -> tuple[bool | None, bool | None, str | None]:
    """(OSI-approved, OSD-conformant, catalog id) of a licence name via the licence catalog."""
    from modelatlas import licenses

    lid = licenses.lookup(name)
    if lid is None or lid in ("unknown", "other"):
        return None, None, lid
    lic = licenses.get(lid)
    osd = True if lic.osi_approved or lic.family in ("permissive", "copyleft") else (
        None if lic.family == "unknown" else False)
    return lic.osi_approved, osd, lid


def license_osi(name: str | None) -> bool | None:
    """Is a licence name OSI-approved (through the licence catalog)? None: cannot tell."""
    if not name or name == UNLICENSED:
        return None if not name else False
    return _catalog_terms(name)[0]


class _MofTerms:
    def __init__(self, result: MofResult) -> None:
        self.r = result
        self.notes: list[str] = []

    def terms(self, name: str, need_osi: bool) -> tuple[str, str | None]:
        """(ok|fail|unknown|missing, licence) of one component by name."""
        comp = self.r.defs.by_name.get(name)
        if comp is None or comp.id not in self.r.licenses:
            return "missing", None
        lic = self.r.licenses[comp.id]
        if lic == UNLICENSED:
            return FAIL, None
        info = self.r.defs.licenses.get(lic)
        if info is not None:
            good = info.osi_approved if need_osi else self.r.defs.is_open(lic)
            return (OK if good else FAIL), lic
        osi, osd, lid = _catalog_terms(lic)
        verdict = osi if need_osi else osd
        if verdict is not None:
            self.notes.append(f"{name}: licence {lic!r} is not an SPDX id; read as {lid}")
        return (UNKNOWN if verdict is None else OK if verdict else FAIL), lic


def from_mof(result: MofResult) -> Verdict:
    """OSAID verdict from one MOF evaluation (``basis: mof``)."""
    t = _MofTerms(result)
    reasons: list[str] = []

    data_states = {n: t.terms(n, need_osi=False) for n in DATA_COMPONENTS}
    if any(s == OK for s, _ in data_states.values()):
        data = OK
    elif any(s == UNKNOWN for s, _ in data_states.values()):
        data = UNKNOWN
        reasons.append("data information: licence of " + ", ".join(
            n for n, (s, _) in data_states.items() if s == UNKNOWN) + " not recognised")
    else:
        data = FAIL
        reasons.append("no data information (datasets, research paper, technical report or "
                       "data card) released under open terms")

    code_parts = []
    for n in CODE_COMPONENTS:
        s, lic = t.terms(n, need_osi=True)
        if s == "missing" and n in IF_USED:
            continue
        code_parts.append(FAIL if s == "missing" else s)
        if s == "missing":
            reasons.append(f"{n.lower()} not released")
        elif s == FAIL:
            reasons.append(f"{n.lower()} " + (f"under {lic}, not OSI-approved" if lic
                                              else "released without a licence"))
        elif s == UNKNOWN:
            reasons.append(f"{n.lower()}: licence {lic!r} not recognised")
    code = _combine(code_parts)

    arch, arch_lic = t.terms(ARCHITECTURE, need_osi=True)
    params, params_lic = t.terms(PARAMETERS, need_osi=False)
    model_parts = [FAIL if arch == "missing" else arch, FAIL if params == "missing" else params]
    for n, s, lic, need in ((ARCHITECTURE, arch, arch_lic, "OSI-approved"),
                            (PARAMETERS, params, params_lic, "OSD-conformant")):
        if s == "missing":
            reasons.append(f"{n.lower()} not released")
        elif s == FAIL:
            reasons.append(f"{n.lower()} " + (f"under {lic}, not {need}" if lic
                                              else "released without a licence"))
        elif s == UNKNOWN:
            reasons.append(f"{n.lower()}: licence {lic!r} not recognised")
    weights = _combine(model_parts)
    osi = None
    if params_lic:
        info = result.defs.licenses.get(params_lic)
        osi = info.osi_approved if info is not None else _catalog_terms(params_lic)[0]
    return _finish(weights, code, data, params_lic, osi, reasons + t.notes)


# ---- best effort from the Open Source AI Index ---------------------------------------

# Which index parameters stand for each OSAID requirement, per edition.
OSAI_MAP: dict[str, dict[str, tuple[str, ...]]] = {
    "2026": {"weights": ("weights_endmodel",), "code": ("trainingcode",),
             "data": ("datasources_basemodel", "datasources_endmodel"),
             "docs": ("datasheet", "preprint", "paper"), "licenses": ("licenses",)},
    "2023": {"weights": ("rlweights",), "code": ("opencode",),
             "data": ("llmdata", "rldata"),
             "docs": ("datasheet", "preprint", "paper"), "licenses": ("license",)},
}


def from_osai(classes: Mapping[str, str | None], edition: str,
              end_model_license: str | None) -> Verdict:
    """Best-effort OSAID verdict from index classes (``basis: osai``).

    * parameters: end-model weights ``open`` (``partial`` = gated or partly
      shared: fails), under OSI-approved terms: the index's licences class
      ``open`` (everything under OSI-approved licences), else the end-model
      licence through the licence catalog;
    * code: training code ``open`` and licences ``open``; partial or closed
      code fails; open code under licences the index does not call open is
      ``unknown``;
    * data information: ``open`` datasheet, preprint or paper, or both data
      sources ``open``; fails when all of these are ``closed``; else unknown.
    """
    m = OSAI_MAP[edition]
    cls = {k: (v if v in ("open", "partial", "closed") else None) for k, v in classes.items()}
    reasons: list[str] = ["best effort from Open Source AI Index classes (no MOF file)"]
    lic_open = cls.get(m["licenses"][0]) == "open"
    osi = license_osi(end_model_license)

    w = cls.get(m["weights"][0])
    if w == "open":
        if lic_open or osi:
            weights = OK
        elif osi is False:
            weights = FAIL
            reasons.append(f"end-model licence {end_model_license!r} is not OSI-approved")
        else:
            weights = UNKNOWN
            reasons.append(f"end-model licence {end_model_license!r} not recognised and the "
                           "index does not rate the licences open")
    elif w in ("partial", "closed"):
        weights = FAIL
        reasons.append("end-model weights " + ("only partly shared (e.g. gated)"
                                               if w == "partial" else "not shared"))
    else:
        weights = UNKNOWN
        reasons.append("end-model weights not rated")

    c = cls.get(m["code"][0])
    if c == "open":
        code = OK if lic_open else UNKNOWN
        if not lic_open:
            reasons.append("training code available, but the index does not rate the "
                           "licences open (OSI-approved)")
    elif c in ("partial", "closed"):
        code = FAIL
        reasons.append("training code " + ("only partly released" if c == "partial"
                                           else "not released"))
    else:
        code = UNKNOWN
        reasons.append("training code not rated")

    data_src = [cls.get(k) for k in m["data"]]
    docs = [cls.get(k) for k in m["docs"]]
    if "open" in docs or all(s == "open" for s in data_src):
        data = OK
    elif all(s == "closed" for s in (*data_src, *docs)):
        data = FAIL
        reasons.append("training data neither shared nor documented (data sources, "
                       "datasheet, preprint and paper closed)")
    else:
        data = UNKNOWN
        reasons.append("data information only partly available")
    return _finish(weights, code, data, end_model_license, osi, reasons)
