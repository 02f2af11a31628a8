"""European Open Source AI Index, 2026 layout: systems, scores and ranks as the index shows them.

The index (osai-index.eu; data: Language-Technology-Assessment/main-database) rates
each *system* on the parameters listed in ``_parameters.yml`` (12 today, in the
groups availability, documentation, access), each ``class: open|partial|closed``
or empty for "not applicable". Its website computes the score in
``composables/models.ts`` (``sortModels``), which we reproduce:

* a parameter counts for a system when the parameter's ``types`` include the
  system's ``type``; its weight is open 1, partial 0.5, anything else 0 (closed,
  empty = not applicable, or a misspelt class: the site compares exact strings);
* score = the mean of those weights (0..1); a group's score is the sum of its
  counted weights divided by the number of parameters the group lists;
* order: score descending, ties by file path descending (JavaScript string
  comparison, i.e. UTF-16 code units); ``rank`` is the position.

So a not-applicable parameter counts as 0 and stays in the denominator, exactly
as on the site. A system whose ``type`` names several types (``text,code``) or
none matches no parameter on the site, which then has no score for it; we count
every parameter listing any of its types (all of them when it names none) and
flag the system (``score_flag``) so nobody mistakes it for a published number.

National origin, contributor type and training compute are not YAML fields:
they are in the header comments (``# - National origin: China``) and are read
from there. The submission template (``a_submission_template.yaml``) and the
``_parameters*`` files are not systems, as on the site.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from modelatlas.errors import InputError
from modelatlas.yamlsafe import SAFE_LOADER as _LOADER

CLASS_WEIGHTS = {"open": 1.0, "partial": 0.5, "closed": 0.0}
TEMPLATE_FILE = "a_submission_template.yaml"
MAX_FILE_BYTES = 512 * 1024      # a system file is a few KB; anything bigger is not one
MAX_PARAMETERS = 200
ALL_TYPES = ("text", "image", "code", "video", "audio")


@dataclass(frozen=True)
class Parameter:
    ref: str
    name: str
    group: str
    types: tuple[str, ...]


# The index's _parameters.yml (main-database, commit 5a388e8), used when a folder has none.
DEFAULT_PARAMETERS: tuple[Parameter, ...] = tuple(
    Parameter(ref, name, group, ALL_TYPES)
    for group, items in (
        ("availability", (("datasources_basemodel", "Base Model Data"),
                          ("datasources_endmodel", "End User Model Data"),
                          ("weights_basemodel", "Base Model Weights"),
                          ("weights_endmodel", "End User Model Weights"),
                          ("trainingcode", "Training Code"))),
        ("documentation", (("code", "Code Documentation"),
                           ("hardware_architecture", "Hardware Architecture"),
                           ("preprint", "Preprint"), ("paper", "Paper"),
                           ("modelcard", "Modelcard"), ("datasheet", "Datasheet"))),
        ("access", (("licenses", "Licenses"),)),
    )
    for ref, name in items
)

_HEADER = re.compile(r"^#\s*-\s*(?P<key>[A-Za-z][A-Za-z ]{2,40}?)\s*:\s*(?P<value>.*?)\s*$")
_HEADER_KEYS = {
    "national origin": "origin",
    "contributor type": "contributor_type",
    "base model training compute": "compute_base",
    "end model training compute": "compute_end",
}


@dataclass
class ParamClass:
    ref: str
    group: str
    position: int
    cls: str | None
    links: list[str]
    notes: str | None
    counted: bool        # the parameter applies to the system's type (the site's filter)

    @property
    def weight(self) -> float:
        return CLASS_WEIGHTS.get(self.cls or "", 0.0)


@dataclass
class System:
    file: str
    name: str | None
    link: str | None
    types: list[str]
    type_raw: str | None
    performance_class: str | None
    base_model: str | None
    end_model: str | None
    end_model_license: str | None
    release_date: str | None
    notes: str | None
    org: str | None
    org_link: str | None
    org_notes: str | None
    origin: str | None = None
    contributor_type: str | None = None
    compute_base: str | None = None
    compute_end: str | None = None
    params: list[ParamClass] = field(default_factory=list)
    score: float = 0.0
    group_scores: dict[str, float] = field(default_factory=dict)
    score_flag: str | None = None
    rank: int = 0
    tied_rank: int = 0

    def param(self, ref: str) -> ParamClass | None:
        return next((p for p in self.params if p.ref == ref), None)

    def links_of(self, ref: str) -> list[str]:
        p = self.param(ref)
        return p.links if p else []


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, dt.date):
        return v.isoformat()
    s = str(v).strip()
    return s or None


def _links(v: Any) -> list[str]:
    """``link`` is a URL, a list of URLs, or empty; always a list of non-empty strings."""
    items = v if isinstance(v, list) else [v]
    return [s for s in (_text(i) for i in items[:100]) if s]


def _section(doc: dict[str, Any], key: str) -> dict[str, Any]:
    v = doc.get(key)
    return v if isinstance(v, dict) else {}


def read_header(text: str) -> dict[str, str]:
    """``# - Key: value`` comment lines before the first YAML key (origin, contributor...)."""
    out: dict[str, str] = {}
    for line in text.splitlines()[:200]:
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and stripped != "---":
            break
        m = _HEADER.match(stripped)
        if m:
            key = _HEADER_KEYS.get(m.group("key").strip().lower())
            if key and m.group("value") and key not in out:
                out[key] = m.group("value")
    return out


def load_parameters(folder: Path) -> tuple[tuple[Parameter, ...], str]:
    """The index's ``_parameters.yml`` from ``folder`` or its parent, else the built-in copy."""
    for where in (folder, folder.parent):
        path = where / "_parameters.yml"
        if path.is_file():
            return _parse_parameters(path), str(path)
    return DEFAULT_PARAMETERS, "built-in (main-database 5a388e8)"


def _parse_parameters(path: Path) -> tuple[Parameter, ...]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise InputError(f"{path.name}: too large to be a parameter list")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 (safe loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read {path.name}: {str(exc).splitlines()[0]}") from None
    out: list[Parameter] = []
    if not isinstance(doc, list):
        raise InputError(f"{path.name}: expected a list of parameter groups")
    for grp in doc:
        if not isinstance(grp, dict) or not isinstance(grp.get("params"), list):
            raise InputError(f"{path.name}: a group without a params list")
        gref = _text(grp.get("ref")) or _text(grp.get("name"))
        for p in grp["params"]:
            ref = _text(p.get("ref")) if isinstance(p, dict) else None
            if not ref or not gref:
                raise InputError(f"{path.name}: a parameter without a ref")
            types = p.get("types")
            tlist = tuple(str(t).strip() for t in types) if isinstance(types, list) else ()
            out.append(Parameter(ref, _text(p.get("name")) or ref, gref.lower(), tlist))
    if not out or len(out) > MAX_PARAMETERS or len({p.ref for p in out}) != len(out):
        raise InputError(f"{path.name}: expected 1..{MAX_PARAMETERS} distinct parameters")
    return tuple(out)


def is_system_doc(doc: Any) -> bool:
    """A 2026-layout document: a ``system`` block (the 2023 layout has ``project``)."""
    return isinstance(doc, dict) and isinstance(doc.get("system"), dict)


def build_system(file: str, text: str, doc: dict[str, Any],
                 params: tuple[Parameter, ...]) -> System:
    """One system from its parsed YAML and raw text (for the header comments)."""
    s = _section(doc, "system")
    org = _section(doc, "org")
    type_raw = _text(s.get("type"))
    types = [t.strip().lower() for t in re.split(r"[,;/]", type_raw or "") if t.strip()]
    sysobj = System(
        file=file, name=_text(s.get("name")), link=_text(s.get("link")), types=types,
        type_raw=type_raw, performance_class=_text(s.get("performanceclass")),
        base_model=_text(s.get("basemodelname")), end_model=_text(s.get("endmodelname")),
        end_model_license=_text(s.get("endmodellicense")),
        release_date=_text(s.get("releasedate")), notes=_text(s.get("notes")),
        org=_text(org.get("name")), org_link=_text(org.get("link")),
        org_notes=_text(org.get("notes")),
    )
    for k, v in read_header(text).items():
        setattr(sysobj, k, v)
    for i, p in enumerate(params):
        sec = _section(doc, p.ref)
        cls = sec.get("class")
        counted = (any(t in p.types for t in types) if types else True)
        sysobj.params.append(ParamClass(p.ref, p.group, i, _text(cls), _links(sec.get("link")),
                                        _text(sec.get("notes")), counted))
    _score(sysobj, params)
    return sysobj


def _score(s: System, params: tuple[Parameter, ...]) -> None:
    counted = [p for p in s.params if p.counted]
    s.score = sum(p.weight for p in counted) / len(counted) if counted else 0.0
    groups: dict[str, int] = {}
    for p in params:
        groups[p.group] = groups.get(p.group, 0) + 1
    s.group_scores = {g: sum(p.weight for p in counted if p.group == g) / n
                      for g, n in groups.items()}
    flags = []
    if len(s.types) > 1:
        flags.append(f"several types ({s.type_raw}): the index site computes no score; "
                     "scored over parameters that list any of them")
    elif not s.types:
        flags.append("no type: the index site computes no score; scored over all parameters")
    bad = sorted({p.cls for p in s.params if p.cls and p.cls not in CLASS_WEIGHTS})
    if bad:
        flags.append(f"class values that are not open|partial|closed count 0: {', '.join(bad)}")
    if not counted:
        flags.append("no parameter applies to this type: score 0")
    s.score_flag = "; ".join(flags) or None


def _js_key(file: str) -> bytes:
    """JavaScript compares strings by UTF-16 code units: the UTF-16BE bytes order the same."""
    return file.encode("utf-16-be", "surrogatepass")


def rank(systems: list[System]) -> list[System]:
    """Score descending, then file name descending (the site compares paths); set ranks."""
    ordered = sorted(systems, key=lambda s: _js_key(s.file), reverse=True)
    ordered.sort(key=lambda s: s.score, reverse=True)   # stable: keeps the path order in ties
    for i, s in enumerate(ordered, start=1):
        s.rank = i
        s.tied_rank = 1 + sum(1 for q in ordered if q.score > s.score)
    return ordered


def skip_reason(file: str, doc: Any) -> str | None:
    """Why the site would not show this file as a system, or None."""
    if file == TEMPLATE_FILE:
        return "submission template"
    if file.startswith("_parameters"):
        return "parameter definitions"
    if not is_system_doc(doc):
        return "no system: block (not a 2026-layout system file)"
    return None
