"""``openness``: OSAI Index (2023 or 2026), MOF classes, OSAID verdicts, the metadata
profile, and openness by origin (``--by region|country``).

Method and sources: docs/openness.md. Every read goes through the Reader seam
(portable SQL, named parameters): :mod:`modelatlas.openness.read`,
:mod:`modelatlas.openness.profile` and :mod:`modelatlas.openness.by_origin`.
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import UsageError
from modelatlas.openness import by_origin, read
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, ColumnType, Query, Shape

FRAMEWORKS = ("osai", "mof", "osaid", "profile")
BY = by_origin.BY
EDITIONS = read.OSAI_EDITIONS

_TYPES: dict[str, ColumnType] = {"framework": "str", "group": "str"}
BY_ORIGIN_COLUMNS = tuple(
    Column(c, _TYPES.get(c, "share" if c.startswith(("share_", "coverage_")) else "int"))
    for c in by_origin.COLUMNS
)


def _check(args: Args) -> None:
    fw = args["framework"]
    if args["by"] is not None and args["target"] is not None:
        raise UsageError("--by covers every system of a framework: give no target")
    if args["edition"] is not None and fw != "osai":
        raise UsageError("--edition applies to --framework osai only")


def _openness(reader: Reader, args: Args) -> Any:
    from modelatlas.openness import profile

    target, fw = args["target"], args["framework"]
    if args["by"] is not None:
        return by_origin.by_origin(reader, fw, args["by"])
    if fw == "osai":
        if target is None:
            return read.osai_list(reader, args["edition"])
        return read.osai_project(reader, target, args["edition"])
    if fw == "mof":
        return read.mof_list(reader) if target is None else read.mof_model(reader, target)
    if fw == "osaid":
        return read.osaid_list(reader, target)
    if target is None:
        return profile.level_counts(reader)
    prof = profile.profile(reader, target)
    prof["frameworks"] = read.linked_entries(reader, prof["model_id"])
    return prof


def _shape(args: Args) -> Shape:
    if args["target"] is None or args["framework"] == "osaid" or args["by"] is not None:
        return "rows"
    return "object"


def _columns(args: Args) -> tuple[Column, ...]:
    return BY_ORIGIN_COLUMNS if args["by"] is not None else ()


def _title(args: Args) -> str:
    by = f" by {args['by']}" if args["by"] else ""
    return f"openness ({args['framework']}){by}"


QUERIES = (
    Query("openness", "Openness of a model or system: the Open Source AI Index (2023 or "
          "2026), MOF class, OSAID 1.0 verdict, or the metadata profile (without a target: "
          "the whole framework; with --by: openness by region or country of origin).",
          params=(Param("target", positional=True, max_length=200,
                        help="OSAI system, MOF model or Hub model id."),
                  Param("framework", default="profile", choices=FRAMEWORKS, short="-f",
                        help="Which framework."),
                  Param("by", choices=BY,
                        help="Openness by origin: shares of systems and downloads with open "
                             "weights, open data and an OSI-approved licence per region or "
                             "country."),
                  Param("edition", choices=EDITIONS,
                        help="OSAI index edition (default: the newest imported).")),
          columns=_columns, run=_openness, shape=_shape, validate=_check,
          needs=("osai_projects", "osai_dimensions", "mof_models", "mof_components",
                 "osaid_verdicts", "models", "observations", "orgs", "licenses", "edges"),
          title=_title),
)
