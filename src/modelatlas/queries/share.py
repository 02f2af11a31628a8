"""Adoption: ``share`` and ``concentration`` (definitions: docs/metrics.md)."""

from __future__ import annotations

from modelatlas.metrics import concentration as concentration_m
from modelatlas.metrics import derivatives as derivatives_m
from modelatlas.metrics import share as share_m
from modelatlas.queries._common import ATTRIBUTION, BY, FREQ, PERIOD_COLUMNS, SINCE, UNTIL
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query, Sql

SHARE_COLUMNS = (
    Column("period", help="YYYY-MM (month) or YYYY-MM-DD (snapshot)."),
    Column("group", help="Region, country, organisation, family or kind."),
    Column("value", "float", "Downloads, likes, new models or derivatives credited."),
    Column("share", "share", "value / all groups' value in the period."),
    *PERIOD_COLUMNS,
)


def _share(args: Args) -> Sql:
    if args["metric"] == "derivatives":
        inner = derivatives_m.share_sql(args["by"], args["freq"], args["since"],
                                        args["until"], None)
    else:
        inner = share_m.share_sql(args["by"], args["metric"], args["attribution"],
                                  args["freq"], args["since"], args["until"])
    return share_m.finish_share(inner, args["top"])


def _concentration(args: Args) -> Sql:
    return concentration_m.concentration_sql(args["attribution"], args["freq"], args["since"],
                                             args["until"])


QUERIES = (
    Query(
        "share",
        "Adoption share per period and group (downloads: each model's 30-day counter at "
        "the last snapshot of the period in which it appears).",
        params=(
            Param("by", default="region", choices=BY, help="Group by."),
            Param("metric", default="downloads", choices=share_m.METRICS,
                  help="What is shared out."),
            ATTRIBUTION, FREQ, SINCE, UNTIL,
            Param("top", "int", minimum=1, maximum=10_000,
                  help="Keep the N largest groups over the range; the rest become 'other'.",
                  web_default=50),
        ),
        columns=SHARE_COLUMNS, sql=_share,
        needs=("observations", "models", "orgs", "roots", "snapshots"),
        title=lambda a: f"{a['metric']} share by {a['by']} ({a['attribution']} attribution, "
                        f"per {a['freq']})",
    ),
    Query(
        "concentration",
        "Concentration of downloads per period: HHI, top-10 share, community share.",
        params=(ATTRIBUTION, FREQ, SINCE, UNTIL),
        columns=(Column("period"), Column("total", "float", "Downloads in the period."),
                 Column("orgs", "int", "Organisations with downloads."),
                 Column("hhi", "float", "Herfindahl-Hirschman index, 0-10,000."),
                 Column("top10_share", "share"), Column("community_share", "share"),
                 Column("unknown_share", "share", "Share of namespaces in no catalog."),
                 *PERIOD_COLUMNS),
        sql=_concentration, needs=("observations", "models", "orgs", "roots", "snapshots"),
        title=lambda a: f"concentration of downloads ({a['attribution']} attribution)",
    ),
)
