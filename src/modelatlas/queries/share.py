"""Adoption: ``share``, ``top``, ``concentration`` and ``populations`` (definitions:
docs/metrics.md).

Every answer reads one population (``--population``; default: the most complete
one with data in the requested periods, :func:`modelatlas.metrics.populations.choose`)
and says which, with the period's coverage, whether it is partial, and how many
snapshots it rests on.
"""

from __future__ import annotations

from typing import Any

from modelatlas.errors import UsageError
from modelatlas.metrics import concentration as concentration_m
from modelatlas.metrics import derivatives as derivatives_m
from modelatlas.metrics import populations as pops
from modelatlas.metrics import share as share_m
from modelatlas.queries._common import ATTRIBUTION, BY, FREQ, PERIOD_COLUMNS, SINCE, UNTIL
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query

POPULATION = Param("population", max_length=40,
                   help="Population to read: hub, trending, new-models, modelinfo, atom, ... "
                        "(`populations` lists them); default: the most complete one with data "
                        "in the range.")
REGIONS = Param("regions", default="default", choices=share_m.REGION_SCHEMES,
                help="Region scheme: default (country-based, EU/EEA) or atom (the ATOM "
                     "Project's table; its eu includes the UK and Switzerland).")
PRESENT_AT_END = Param("present_at_end", "bool", default=False,
                       help="Count only models present at the period's last snapshot.")

#: Per-period columns every share-like answer carries (docs/metrics.md).
TRUTH_COLUMNS = (
    Column("population", help="The population read (one per answer)."),
    Column("models", "float", "Models credited to the group in the period."),
    Column("coverage", "share", "Fraction of the period's value whose group is known."),
    Column("lineage_coverage", "share",
           "Fraction of the period's value from models whose lineage is known (root "
           "attribution falls back to the uploader for the others)."),
    Column("snapshots", "int", "Snapshots of the population in the period."),
    Column("last_snapshot", "date", "The population's last snapshot in the period."),
    Column("partial", "bool", "The period is partial: no snapshot near its end."),
)
SHARE_COLUMNS = (
    Column("period", help="YYYY-MM (month) or YYYY-MM-DD (snapshot)."),
    Column("group", help="Region, country, organisation, family or kind."),
    Column("value", "float", "Downloads, likes, new models or derivatives credited."),
    Column("share", "share", "value / all groups' value in the period."),
    *PERIOD_COLUMNS, *TRUTH_COLUMNS,
)

#: The "substantial" rule of top lists (docs/metrics.md): a group is listed only with
#: at least this much in the period (downloads, likes, models); throwaway accounts
#: with a handful of downloads never lead a list.
MIN_VALUE = {"downloads": 1000.0, "downloads_alltime": 1000.0, "likes": 10.0, "models": 3.0,
             "derivatives": 3.0}


def known_populations(reader: Reader) -> list[str]:
    return sorted(str(r["population"]) for r in reader.rows(pops.KNOWN_SQL))


def pick(reader: Reader, rows: list[dict[str, Any]], requested: str | None,
         weight: str = "models") -> list[dict[str, Any]]:
    """The rows of one population out of an answer over every population: the one
    asked for (it must exist in the store), else the default
    (:func:`~modelatlas.metrics.populations.choose` over the rows' populations,
    weighed by ``weight``)."""
    name = pops.check_name(requested)
    if name is None:
        avail: dict[str, dict[str, Any]] = {}
        for r in rows:
            pop = r["population"]
            a = avail.setdefault(str(pop), {"population": pop, "kind": pops.kind_of(str(pop)),
                                            "weight": 0.0})
            a["weight"] += float(r.get(weight) or 0)
        name = pops.choose(list(avail.values()))
        if name is None:
            return []
    chosen = [r for r in rows if r["population"] == name]
    if not chosen and name not in known_populations(reader):
        known = known_populations(reader)
        raise UsageError(f"--population {name}: not in this store (populations: "
                         f"{', '.join(known) or 'none yet'})")
    return chosen


def _records(names: list[str], rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    return [dict(zip(names, r, strict=True)) for r in rows]


def _share_rows(reader: Reader, args: Args, top: int | None) -> list[dict[str, Any]]:
    """Rows of the share answer (shared by ``share`` and ``top``)."""
    metric, freq = args["metric"], args["freq"]
    if metric == "derivatives":
        return _derivative_rows(reader, args, top)
    attribution = "root" if args["by"] == "family" else args["attribution"]
    requested = pops.check_name(args["population"])
    inner = share_m.share_sql(args["by"], metric, attribution, freq, args["since"],
                              args["until"], population=requested,
                              regions=args["regions"], present_at_end=args["present_at_end"])
    rows = _records(*reader.execute(share_m.finish_share(inner, top)))
    return pick(reader, rows, requested)


def _derivative_rows(reader: Reader, args: Args, top: int | None) -> list[dict[str, Any]]:
    """Share of new derivatives by root group, among one population's models."""
    by = "region_atom" if args["regions"] == "atom" and args["by"] == "region" else args["by"]
    requested = pops.check_name(args["population"])
    inner = derivatives_m.share_sql(by, args["freq"], args["since"], args["until"], None,
                                    population=requested)
    rows = _records(*reader.execute(share_m.finish_share(inner, top)))
    if requested is not None and not rows and requested not in known_populations(reader):
        raise UsageError(f"--population {requested}: not in this store (populations: "
                         f"{', '.join(known_populations(reader)) or 'none yet'})")
    return rows


def _share(reader: Reader, args: Args) -> list[dict[str, Any]]:
    return _share_rows(reader, args, args["top"])


def _top(reader: Reader, args: Args) -> list[dict[str, Any]]:
    """The ``n`` largest groups of one period (default: the latest complete and
    substantial one), listing only groups with at least ``min_value``."""
    every = _share_rows(reader, {**args, "freq": "month", "regions": "default"}, None)
    rows = [r for r in every if r["group"] not in ("unknown", "other")]
    minimum = args["min_value"] if args["min_value"] is not None else MIN_VALUE[args["metric"]]
    totals: dict[str, float] = {}
    partial: dict[str, bool] = {}
    for r in every:
        totals[r["period"]] = totals.get(r["period"], 0.0) + float(r["value"] or 0)
        partial[r["period"]] = bool(r["partial"])
    if args["period"] is not None:
        period = args["period"].strftime("%Y-%m")
    else:
        period = share_m.latest_substantial(totals, partial)
    unit = {"downloads": "downloads", "downloads_alltime": "downloads", "likes": "likes",
            "models": "new models", "derivatives": "derivatives"}[args["metric"]]
    rule = (f"groups with at least {minimum:,.0f} {unit} in {period or 'the period'}"
            f" (substantial rule); 'unknown' is not ranked")
    chosen = sorted((r for r in rows if r["period"] == period and r["value"] >= minimum),
                    key=lambda r: (-float(r["value"]), str(r["group"])))[:args["n"]]
    return [{"rank": i, **r, "rule": rule} for i, r in enumerate(chosen, 1)]


def _concentration(reader: Reader, args: Args) -> list[dict[str, Any]]:
    requested = pops.check_name(args["population"])
    sql = concentration_m.concentration_sql(args["attribution"], args["freq"], args["since"],
                                            args["until"], population=requested,
                                            present_at_end=args["present_at_end"])
    return pick(reader, _records(*reader.execute(sql)), requested)


def _populations(reader: Reader, args: Args) -> list[dict[str, Any]]:
    """Every population of the store: kind, snapshots, span, models, observations."""
    rows = reader.rows(pops.SUMMARY_SQL)
    for r in rows:
        r["description"] = pops.KNOWN.get(str(r["population"]), ("", "recorded at ingest"))[1]
    return rows


def _check(args: Args) -> None:
    if args["metric"] == "derivatives" and args["present_at_end"]:
        raise UsageError("--present-at-end applies to observed counters, not derivatives")


CONCENTRATION_COLUMNS = (
    Column("period"), Column("total", "float", "Downloads in the period."),
    Column("orgs", "int", "Organisations with downloads."),
    Column("hhi", "float", "Herfindahl-Hirschman index, 0-10,000."),
    Column("top10_share", "share"), Column("community_share", "share"),
    Column("unknown_share", "share", "Share of namespaces in no catalog."),
    *PERIOD_COLUMNS,
    Column("population", help="The population read."),
    Column("models", "float", "Models with downloads in the period."),
    Column("coverage", "share", "Fraction of the period's downloads credited to catalogued "
                                "organisations (1 - unknown_share)."),
    Column("lineage_coverage", "share", "Fraction of downloads from models whose lineage "
                                        "is known."),
    Column("snapshots", "int"), Column("last_snapshot", "date"),
    Column("partial", "bool", "No snapshot near the period's end."),
)

QUERIES = (
    Query(
        "share",
        "Adoption share per period and group of one population (downloads: each model's "
        "30-day counter at the last snapshot of the period in which it appears).",
        params=(
            Param("by", default="region", choices=BY, help="Group by."),
            Param("metric", default="downloads", choices=share_m.METRICS,
                  help="What is shared out."),
            ATTRIBUTION, FREQ, SINCE, UNTIL,
            Param("top", "int", minimum=1, maximum=10_000,
                  help="Keep the N largest groups over the range; the rest become 'other'.",
                  web_default=50),
            POPULATION, REGIONS, PRESENT_AT_END,
        ),
        columns=SHARE_COLUMNS, run=_share, validate=_check,
        needs=("observations", "models", "orgs", "roots", "snapshots", "snapshot_scope"),
        brief=("period", "group", "value", "share", "population", "coverage", "partial"),
        title=lambda a: f"{a['metric']} share by {a['by']} ({a['attribution']} attribution, "
                        f"per {a['freq']})",
    ),
    Query(
        "top",
        "The largest groups of one period (default: the latest complete, substantial "
        "month) that pass the substantial rule (a minimum of downloads or models).",
        params=(
            Param("by", default="org", choices=BY, help="Group by."),
            Param("metric", default="downloads", choices=share_m.METRICS,
                  help="What is ranked."),
            ATTRIBUTION, POPULATION, PRESENT_AT_END,
            Param("period", "date", bound="start",
                  help="Month to rank (YYYY-MM); default: the latest complete, substantial "
                       "month."),
            Param("n", "int", default=15, minimum=1, maximum=1000, help="How many groups."),
            Param("min_value", "float", minimum=0,
                  help="Substantial rule: the least a group needs in the period (default "
                       "1,000 downloads, 10 likes, 3 models or derivatives)."),
            SINCE, UNTIL,
        ),
        columns=(Column("rank", "int"), *SHARE_COLUMNS[:4], *TRUTH_COLUMNS,
                 Column("rule", help="The substantial rule the list follows.")),
        run=_top, validate=_check,
        needs=("observations", "models", "orgs", "roots", "snapshots", "snapshot_scope"),
        brief=("rank", "period", "group", "value", "share", "models", "population"),
        title=lambda a: f"top {a['by']} by {a['metric']} ({a['attribution']} attribution)",
    ),
    Query(
        "concentration",
        "Concentration of downloads per period of one population: HHI, top-10 share, "
        "community share.",
        params=(ATTRIBUTION, FREQ, SINCE, UNTIL, POPULATION, PRESENT_AT_END),
        columns=CONCENTRATION_COLUMNS, run=_concentration,
        needs=("observations", "models", "orgs", "roots", "snapshots", "snapshot_scope"),
        brief=("period", "total", "orgs", "hhi", "top10_share", "community_share",
               "population", "coverage", "partial"),
        title=lambda a: f"concentration of downloads ({a['attribution']} attribution)",
    ),
    Query(
        "populations",
        "The populations in the store (what each snapshot covers): kind, snapshots, "
        "span, models and observations.",
        columns=(Column("population"), Column("kind", help="full | filtered | sample | curated"),
                 Column("snapshots", "int"), Column("first_snapshot", "date"),
                 Column("last_snapshot", "date"), Column("months", "int"),
                 Column("models", "int", "Distinct models observed."),
                 Column("observations", "int"),
                 Column("top_pipeline", help="The most common pipeline tag of its models."),
                 Column("top_pipeline_share", "share", "Fraction of its models with it."),
                 Column("description")),
        brief=("population", "kind", "snapshots", "first_snapshot", "last_snapshot",
               "months", "models", "top_pipeline"),
        run=_populations, needs=("snapshots", "snapshot_scope", "observations", "atom_models"),
        title=lambda a: "populations",
    ),
)
