"""``openness``: the Open Source AI Index, MOF classes, or the metadata profile."""

from __future__ import annotations

from typing import Any

from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Query, Shape

FRAMEWORKS = ("osai", "mof", "profile")


def _openness(reader: Reader, args: Args) -> Any:
    from modelatlas.openness import imports, profile

    st, target, fw = reader.store, args["target"], args["framework"]
    if fw == "osai":
        return imports.osai_list(st) if target is None else imports.osai_project(st, target)
    if fw == "mof":
        return imports.mof_list(st) if target is None else imports.mof_model(st, target)
    if target is None:
        return profile.level_counts(st)
    prof = profile.profile(st, target)
    prof["frameworks"] = imports.linked_entries(st, prof["model_id"])
    return prof


def _shape(args: Args) -> Shape:
    return "rows" if args["target"] is None else "object"


QUERIES = (
    Query("openness", "Openness of a model or project: OSAI Index, MOF class, or the "
          "metadata profile (without a target: the whole framework).",
          params=(Param("target", positional=True, max_length=200,
                        help="OSAI project, MOF model or Hub model id."),
                  Param("framework", default="profile", choices=FRAMEWORKS, short="-f",
                        help="Which framework.")),
          run=_openness, shape=_shape,
          needs=("osai_projects", "osai_dimensions", "mof_models", "models"),
          title=lambda a: f"openness ({a['framework']})"),
)
