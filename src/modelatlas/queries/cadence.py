"""Release cadence: ``cadence`` (per org) and ``cadence --monthly`` (per org and month)."""

from __future__ import annotations

from modelatlas.metrics import cadence as c
from modelatlas.metrics.populations import MEMBERS_INTERMEDIATE, check_name
from modelatlas.queries._common import PERIOD_COLUMNS, SINCE, UNTIL
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql
from modelatlas.queries.share import POPULATION

INTERVAL_COLUMNS = (
    Column("org"), Column("models", "int", "Models released in the range."),
    Column("mainline_models", "int", "Models with no base model."),
    Column("first_release", "date"), Column("last_release", "date"),
    Column("median_days_between", "float", "Median days between mainline releases."),
    Column("population", help="The population read."),
)
MONTHLY_COLUMNS = (Column("org"), Column("period"), Column("new_models", "int"),
                   Column("mainline_models", "int"), *PERIOD_COLUMNS,
                   Column("population", help="The population read."))


def _cadence(args: Args) -> Sql:
    text = c.MONTHLY_SQL if args["monthly"] else c.INTERVALS_SQL
    params = {"since": args["since"], "until": args["until"],
              "population": check_name(args["population"]), "catalogued": args["catalogued"]}
    if args["limit"]:
        return Sql(f"SELECT * FROM ({text}) AS v LIMIT $limit",
                   {**params, "limit": args["limit"]}, MEMBERS_INTERMEDIATE)
    return Sql(text, params, MEMBERS_INTERMEDIATE)


QUERIES = (
    Query(
        "cadence",
        "Release cadence per org: mainline releases and median days between them "
        "(--monthly: new models per org and month).",
        params=(Param("monthly", "bool", default=False, help="New models per org and month."),
                SINCE, UNTIL,
                Param("limit", "int", default=0, minimum=0, help="At most N rows (0: all).",
                      web_default=1000, web_minimum=1, web_maximum=10_000),
                POPULATION,
                Param("catalogued", "bool", default=False,
                      help="Only organisations of the catalog (developers, not bulk "
                           "uploaders).")),
        columns=lambda a: MONTHLY_COLUMNS if a["monthly"] else INTERVAL_COLUMNS,
        sql=_cadence, needs=("models", "edges", "atom_release_corrections", "observations",
                             "orgs"),
        title=lambda a: "new models per org and month" if a["monthly"] else "release cadence",
    ),
)
