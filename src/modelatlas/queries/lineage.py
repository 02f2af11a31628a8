"""The base-model graph: ``lineage MODEL_ID`` and ``derivatives`` (docs/lineage.md)."""

from __future__ import annotations

from typing import Any

from modelatlas.lineage.describe import describe
from modelatlas.metrics import derivatives as d
from modelatlas.metrics.share import finish_share
from modelatlas.queries._common import PERIOD_COLUMNS, SINCE, UNTIL, model_id
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql


def _lineage(reader: Reader, args: Args) -> dict[str, Any]:
    return describe(reader, args["model_id"])


_SHARE = (Column("period"), Column("group"), Column("value", "float"),
          Column("share", "share"), *PERIOD_COLUMNS)
_VIEW_COLUMNS: dict[str, tuple[Column, ...]] = {
    "share": _SHARE,
    "counts": (Column("period"), Column("group"), Column("relation"),
               Column("value", "float"), Column("models", "int"), *PERIOD_COLUMNS),
    "trees": (Column("root"), Column("family"), Column("region"), Column("size", "int"),
              Column("max_depth", "int")),
    "tree-sizes": (Column("bucket"), Column("trees", "int"), Column("share", "share")),
    "depth": (Column("depth", "int"), Column("models", "int"), Column("share", "share")),
    "leaves": (Column("relation"), Column("derivatives", "int"), Column("leaves", "int"),
               Column("share", "share")),
    "issues": (Column("model_id"), Column("kind"), Column("detail")),
}
_FIXED = {"trees": d.TREES_SQL, "tree-sizes": d.TREE_SIZES_SQL, "depth": d.DEPTH_SQL,
          "leaves": d.LEAVES_SQL, "issues": d.ISSUES_SQL}


def _derivatives(args: Args) -> Sql:
    view = args["metric"]
    if view == "share":
        inner = d.share_sql(args["by"], args["freq"], args["since"], args["until"],
                            args["relation"])
        sql = finish_share(inner)
    elif view == "counts":
        sql = d.counts_sql(args["by"], args["freq"], args["since"], args["until"],
                           args["relation"])
    else:
        sql = Sql(_FIXED[view])
    if args["limit"]:
        return Sql(f"SELECT * FROM ({sql.text}) AS v LIMIT $limit",
                   {**sql.params, "limit": args["limit"]}, sql.intermediates)
    return sql


QUERIES = (
    Query("lineage", "A model's parents, roots, depth, descendants and the origin of its roots.",
          params=(model_id(),), run=_lineage, shape="object",
          needs=("edges", "roots", "orgs", "lineage_issues"),
          title=lambda a: f"lineage of {a['model_id']}"),
    Query(
        "derivatives",
        "Derivative metrics: share of new derivatives by root group, counts, trees, "
        "tree sizes, depth, leaves, graph issues.",
        params=(
            Param("metric", default="share", choices=d.VIEWS, help="Which view."),
            Param("by", default="family", choices=tuple(d.GROUPS), help="Root group."),
            Param("freq", default="month", choices=tuple(d.PERIODS), help="Period."),
            SINCE, UNTIL,
            Param("relation", choices=d.RELATION_PRIORITY, help="Only this relation."),
            Param("limit", "int", default=0, minimum=0, help="At most N rows (0: all).",
                  web_default=1000, web_minimum=1, web_maximum=10_000),
        ),
        columns=lambda a: _VIEW_COLUMNS[a["metric"]], sql=_derivatives,
        needs=("edges", "roots", "orgs", "models", "lineage_issues"),
        title=lambda a: f"derivatives: {a['metric']}",
    ),
)
