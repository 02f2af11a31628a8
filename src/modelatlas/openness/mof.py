"""Model Openness Framework (MOF): class and progress exactly as the MOF tool computes them.

A reimplementation of the Model Openness Tool's evaluator
(github.com/lfai/model_openness_tool, ``web/modules/mof/src/ModelEvaluator.php``)
so that ``modelatlas`` gives a user the same class and the same three progress
percentages as the tool's site and API. The rules, including the edge cases
(licence inheritance, the research paper standing in for the technical report,
the early stop of the progress walk), are spelled out in docs/openness.md.
Evaluation is per file and pure: no store access.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelatlas.errors import InputError
from modelatlas.openness.mof_defs import Definitions
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

# libyaml's safe loader when present: same documents, parsed several times faster

TECH_REPORT = 11
RESEARCH_PAPER = 21
UNLICENSED = "unlicensed"
CLASS_LABELS = {1: "Class I", 2: "Class II", 3: "Class III", 0: "Unclassified"}
CLASS_NAMES = {1: "Open Science", 2: "Open Tooling", 3: "Open Model", 0: ""}
GLOBAL_KINDS = ("distribution", "code", "data", "document")


@dataclass
class ModelFile:
    """What the evaluator needs from one ``models/*.yml`` file."""

    file: str
    name: str
    version: str | None
    producer: str | None
    huggingface: str | None
    repository: str | None
    globals: dict[str, str | None]          # kind -> licence name (None when not named)
    components: dict[str, Any]               # component name -> licence value (missing key: absent)
    has_license_key: dict[str, bool]
    listed: list[str] = field(default_factory=list)   # component names in file order


def _section(doc: Any, key: str) -> dict[str, Any]:
    """``doc[key]`` when it is a mapping, else an empty one (files are hand-written)."""
    v = doc.get(key) if isinstance(doc, dict) else None
    return v if isinstance(v, dict) else {}


def _str_or_none(v: Any) -> str | None:
    if v is None:
        return None
    s = str(v)
    return s if s.strip() else None


def parse_model(path: Path) -> ModelFile:
    """Read one MOF model file; a file that is not a MOF model raises InputError."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (a safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read MOF file {path.name}: {str(exc).splitlines()[0]}") from None
    release = doc.get("release") if isinstance(doc, dict) else None
    if not isinstance(release, dict):
        raise InputError(f"{path.name}: not a MOF model file (no 'release' mapping)")
    lic = _section(release, "license")
    globals_: dict[str, str | None] = {}
    for kind in GLOBAL_KINDS:
        entry = lic.get(kind)
        name = entry.get("name") if isinstance(entry, dict) else None
        # the tool takes a global licence only when its name is a non-empty string
        globals_[kind] = name if isinstance(name, str) and name != "" else None
    comps: dict[str, Any] = {}
    has_key: dict[str, bool] = {}
    listed: list[str] = []
    for c in release.get("components") or []:
        if not isinstance(c, dict) or c.get("name") is None:
            continue
        name = str(c["name"])
        listed.append(name)
        # a later entry with the same name replaces the earlier one
        comps[name] = c.get("license")
        has_key[name] = c.get("license") is not None
    return ModelFile(
        file=path.name,
        name=str(release.get("name") or path.stem),
        version=_str_or_none(release.get("version")),
        producer=_str_or_none(release.get("producer")),
        huggingface=_str_or_none(release.get("huggingface")),
        repository=_str_or_none(release.get("repository")),
        globals=globals_,
        components=comps,
        has_license_key=has_key,
        listed=listed,
    )


def iter_model_files(models_dir: Path) -> Iterator[Path]:
    """``DIR/*.yml`` only, sorted: other files in the folder are not models."""
    if not models_dir.is_dir():
        raise InputError(f"no such folder: {models_dir}")
    yield from sorted(p for p in models_dir.glob("*.yml") if p.is_file())


def resolve_license(model: ModelFile, name: str, content_type: str) -> str:
    """Component licence, else the global one for its content type, else distribution."""
    if model.has_license_key.get(name):
        value = model.components[name]
        text = str(value)
        return UNLICENSED if text in ("", UNLICENSED) else text
    typed = model.globals.get(content_type)
    if typed is not None:
        return typed
    dist = model.globals.get("distribution")
    if dist is not None:
        return dist
    return UNLICENSED


@dataclass
class Level:
    """Evaluation at one cumulative class level (3; 3+2; 3+2+1), component ids."""

    missing: list[int] = field(default_factory=list)
    included: list[int] = field(default_factory=list)
    invalid: list[int] = field(default_factory=list)
    unlicensed: list[int] = field(default_factory=list)
    optional: list[int] = field(default_factory=list)


@dataclass
class MofResult:
    model: ModelFile
    mof_class: int
    progress: dict[str, float]
    levels: dict[int, Level]
    licenses: dict[int, str]
    not_type_appropriate: list[int]
    unknown_components: list[str]
    nonstandard_licenses: dict[int, str]     # component id -> licence string not in the licence DB
    report_substituted: bool                 # research paper stood in for the technical report
    index_quirk: bool                        # the tool's position-0 test applied (see evaluate)
    defs: Definitions

    @property
    def label(self) -> str:
        return CLASS_LABELS[self.mof_class]

    def names(self, ids: list[int]) -> list[str]:
        return [self.defs.by_id[i].name for i in ids]

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``openness --framework mof``: all-components view (level 1)."""
        lv = self.levels[1]
        met = list(dict.fromkeys(lv.included + lv.optional))
        return {
            "model": self.model.name,
            "file": self.model.file,
            "class": self.label,
            "class_name": CLASS_NAMES[self.mof_class],
            "progress": self.progress,
            "met": self.names(met),
            "missing": self.names(lv.missing),
            "unlicensed": self.names(lv.unlicensed),
            "invalid": self.names(lv.invalid),
            "not_type_appropriate": self.names(self.not_type_appropriate),
            "research_paper_for_technical_report": self.report_substituted,
            "tool_position_quirk": self.index_quirk,
            "licenses": {self.defs.by_id[c].name: v for c, v in self.licenses.items()},
            "nonstandard_licenses": {
                self.defs.by_id[c].name: v for c, v in self.nonstandard_licenses.items()
            },
            "unknown_components": self.unknown_components,
            "version": self.model.version,
            "producer": self.model.producer,
            "huggingface": self.model.huggingface,
            "repository": self.model.repository,
        }


def evaluate(model: ModelFile, defs: Definitions) -> MofResult:
    """Class and progress of one model, mirroring ModelEvaluator::evaluate/getProgress."""
    included_ids: dict[int, str] = {}   # component id -> name as listed (later wins)
    unknown: list[str] = []
    for name in model.components:
        comp = defs.by_name.get(name)
        if comp is None:
            unknown.append(name)
        else:
            included_ids[comp.id] = name
    resolved: dict[int, str] = {
        cid: resolve_license(model, name, defs.by_id[cid].content_type)
        for cid, name in included_ids.items()
    }
    nta: list[int] = []
    nonstandard: dict[int, str] = {}
    levels: dict[int, Level] = {}
    licenses: dict[int, str] = {}
    req: list[int] = []
    opt: list[int] = []

    def status(cid: int) -> str:
        lic = resolved[cid]
        licenses[cid] = lic
        if defs.is_open(lic):
            if not defs.is_type_appropriate(lic, defs.by_id[cid].content_type) and cid not in nta:
                nta.append(cid)
            return "open"
        if lic == UNLICENSED:
            return UNLICENSED
        if lic not in defs.licenses:
            nonstandard[cid] = lic
        return "invalid"

    for cls in (3, 2, 1):
        lv = Level()
        req = req + defs.required(cls)
        opt = opt + defs.optional(cls)
        for cid in req:
            if cid not in resolved:
                lv.missing.append(cid)
                continue
            s = status(cid)
            (lv.included if s == "open" else lv.unlicensed if s == UNLICENSED
             else lv.invalid).append(cid)
        for cid in opt:
            if cid not in resolved:
                continue
            s = status(cid)
            (lv.optional if s == "open" else lv.unlicensed if s == UNLICENSED
             else lv.invalid).append(cid)
        levels[cls] = lv

    # The tool tests ``!array_search(11, $included3)``: PHP's array_search returns the
    # position, so a technical report met at position 0 of the class-III list (no
    # required class-III component before it is met) reads as "not met" and the
    # research paper is added as well. Reproduced on purpose (see docs/openness.md).
    inc3 = levels[3].included
    index_quirk = bool(inc3) and inc3[0] == TECH_REPORT
    substituted = False
    if TECH_REPORT not in inc3 or index_quirk:
        l1 = levels[1]
        paper = ("included" if RESEARCH_PAPER in l1.included
                 else "invalid" if RESEARCH_PAPER in l1.invalid
                 else "unlicensed" if RESEARCH_PAPER in l1.unlicensed else None)
        if paper is not None:
            substituted = True
            for lv in levels.values():
                if TECH_REPORT in lv.missing:
                    lv.missing.remove(TECH_REPORT)
            for cls in (3, 2):
                getattr(levels[cls], paper).append(RESEARCH_PAPER)
    index_quirk = index_quirk and substituted   # flag it only where it changed something

    progress = {str(c): _progress(c, levels, defs) for c in (1, 2, 3)}
    mof_class = 0
    for c in (3, 2, 1):
        if progress[str(c)] == 100.0:
            mof_class = c
    return MofResult(model, mof_class, progress, levels, licenses, nta, unknown,
                     nonstandard, substituted, index_quirk, defs)


def _progress(cls: int, levels: dict[int, Level], defs: Definitions) -> float:
    """ModelEvaluator::getProgress: cumulative walk from class 3 down, stopping early."""
    total = 0
    met = 0
    k = 3
    while k >= cls:
        total += len(defs.required(k))
        met = len(levels[k].included)
        if met < total:
            break
        k -= 1
    if k > cls:
        return 0.0
    inc1 = levels[1].included
    if cls == 1 and TECH_REPORT not in inc1 and RESEARCH_PAPER in inc1:
        total -= 1
    if total <= 0:
        return 0.0
    return min(100.0, met / total * 100)


def evaluate_dir(models_dir: Path, defs: Definitions) -> tuple[list[MofResult], list[str]]:
    """Evaluate every ``*.yml`` in a folder; unreadable files are returned as messages."""
    results: list[MofResult] = []
    errors: list[str] = []
    for p in iter_model_files(models_dir):
        try:
            results.append(evaluate(parse_model(p), defs))
        except InputError as exc:
            errors.append(str(exc))
    return results, errors
