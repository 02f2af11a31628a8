"""Populations: which models a snapshot covers, so no metric mixes two of them silently.

A store holds snapshots of very different things: a full Hub listing, a trending
list of one pipeline, a sample of new uploads, a family tree. Summing them into
one monthly series mixes populations (docs/metrics.md, "Populations"). Every
adoption query therefore reads exactly one population:

* ``hub`` / ``modelscope`` (kind ``full``): complete listings of a source (Hub dumps,
  complete crawls, simulated hubs);
* ``trending`` (``filtered``): daily trending lists (one pipeline, the Hub's
  trending order);
* ``new-models`` (``sample``): lists of newly created repositories (hourly lists);
* ``modelinfo`` (``filtered``): ModelInfo records of whatever the file held (a
  family tree, a search result);
* ``hub-partial`` / ``modelscope-partial`` (``filtered``): crawls cut by
  ``--limit``/``--since`` or short of the announced total;
* ``atom`` (``curated``): the ATOM Project's tracked models (its list plus what
  its inclusion policy accepts), observed in whatever snapshot lists them;
* ``curated`` (``curated``): a list chosen by hand, ingested with
  ``--population curated``.

Every snapshot records its population at ingest (``snapshots.population``,
migration 0351): the one its source declares (each ``sources/file_*.py`` format
and each crawl says what it produces), or the one the user sets with
``ingest file|hub|modelscope --population NAME`` (:data:`RECORDABLE`). The
``snapshot_populations`` view reads the recorded value; only snapshots ingested
before migration 0351 fall back to the inference from what the store knows: the
snapshot's format and whether it is a full listing (``snapshot_scope``), complete
crawl jobs, and the simulated flag (migration 0350 holds the rules, in SQL). The default
population of a query is the most complete one with data in the requested
periods: a full listing when one has them, else the one with the most (model,
period) values. This module only builds SQL.
"""

from __future__ import annotations

import re

from modelatlas.errors import UsageError
from modelatlas.metrics import atom_reference
from modelatlas.queries._engine import table_name
from modelatlas.queries._registry import Sql

KINDS = ("full", "filtered", "sample", "curated")

#: name -> (kind, description). Names given at ingest that are not listed here are
#: of kind ``filtered`` (a listing of something less than the whole Hub).
KNOWN: dict[str, tuple[str, str]] = {
    "hub": ("full", "models of complete Hugging Face Hub listings (dumps, complete crawls)"),
    "modelscope": ("full", "models of complete ModelScope listings"),
    "trending": ("filtered", "models on the Hub's daily trending lists of one pipeline"),
    "new-models": ("sample", "newly created Hub repositories (a sample of the inflow)"),
    "modelinfo": ("filtered", "ModelInfo records of one file (a family tree, a search)"),
    "hub-partial": ("filtered", "models of Hub crawls cut by --limit/--since or short of "
                                "the total"),
    "modelscope-partial": ("filtered", "models of ModelScope crawls short of a full listing"),
    "atom": ("curated", "models the ATOM Project tracks (its list and inclusion policy)"),
    "curated": ("curated", "a list of models chosen by hand (ingested with --population "
                           "curated)"),
    "unlabelled": ("filtered", "models of snapshots whose format the store did not record"),
}
#: Curated populations: selections, asked for by name, never a default.
CURATED = ("atom", "curated")
#: Names an ingest may record for a snapshot (``--population`` choices): every known
#: population except ``atom`` (ATOM's list over other snapshots, from ``import atom``)
#: and ``unlabelled`` (what the inference says when nothing was recorded).
RECORDABLE = tuple(n for n in KNOWN if n not in ("atom", "unlabelled"))
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def check_name(name: str | None) -> str | None:
    """A population name as given by a user (lower-case slug), or a UsageError."""
    if name is None:
        return None
    text = name.strip().lower()
    if not _NAME.match(text):
        raise UsageError("--population must be a name of letters, digits and dashes"
                         f" (1-40 characters), not {name[:40]!r}")
    return text


def recordable(name: str) -> str:
    """A ``--population`` choice of an ingest (:data:`RECORDABLE`), or a UsageError
    listing the choices (the CLI refuses it first, with exit 2)."""
    text = name.strip().lower()
    if text not in RECORDABLE:
        raise UsageError(f"--population must be one of {', '.join(RECORDABLE)}, "
                         f"not {name[:40]!r}")
    return text


def kind_of(name: str) -> str:
    return KNOWN.get(name, ("filtered", ""))[0]


KIND_SQL = ("CASE {col} " + " ".join(
    f"WHEN '{n}' THEN '{k}'" for n, (k, _) in KNOWN.items() if k != "filtered")
    + " ELSE 'filtered' END")


#: SQL: 0 for a population of kind full, else 1 (the first sort key of the default).
FULL_SQL = ("CASE WHEN {col} IN (" + ", ".join(
    f"'{n}'" for n, (k, _) in KNOWN.items() if k == "full") + ") THEN 0 ELSE 1 END")


def kind_sql(col: str) -> str:
    """SQL: the kind of a population-name column (``col`` is an internal identifier)."""
    return KIND_SQL.format(col=col)


def snapshot_populations_sql() -> str:
    """``(source, snapshot, population)``: one row per snapshot, from the
    ``snapshot_populations`` view (migration 0350: recorded, else inferred from the
    snapshot's format, full-listing flag and crawl jobs)."""
    return "SELECT source, snapshot, population FROM snapshot_populations"


#: SQL CTE ``chosen(population)``: ``$population``, else the default read from a CTE
#: ``avail(population, kind, weight)``: a full listing first, then the most values, then
#: by name (the rule of :func:`choose`, in SQL; one text for every query that needs it).
CHOSEN_CTE = """chosen AS (
        SELECT coalesce(CAST($population AS VARCHAR), (
            SELECT population FROM avail
            ORDER BY CASE kind WHEN 'full' THEN 0 ELSE 1 END, weight DESC, population
            LIMIT 1)) AS population
    )"""


#: Every (model, population) pair observed, read by the ``member`` CTEs of cadence and
#: derivatives as one intermediate: computed once per store state and shared (on a
#: 3M-model x 24-snapshot store it is a DISTINCT over 30M observations, ~20 s).
MEMBERS = Sql(f"""
    SELECT DISTINCT o.model_id, sp.population
    FROM observations o JOIN ({snapshot_populations_sql()}) AS sp
      ON sp.source = o.source AND sp.snapshot = o.snapshot
""")
MEMBERS_TABLE = table_name("members", MEMBERS)
#: What a statement reading :data:`MEMBERS_TABLE` declares as its intermediate.
MEMBERS_INTERMEDIATE = ((MEMBERS_TABLE, MEMBERS),)


KNOWN_SQL = f"""
    SELECT DISTINCT population FROM ({snapshot_populations_sql()}) AS p
    UNION
    SELECT 'atom' AS population FROM atom_models HAVING count(*) > 0
"""


def choose(available: list[dict[str, object]]) -> str | None:
    """The default population among ``available`` rows (population, kind, weight:
    the (model, period) values it has in the requested range): the most complete
    one. A full listing first; then the most (model, period) values; then by name.
    Curated lists (``atom``) are never a default: they are a selection, asked for by
    name."""
    cands = [r for r in available if r["population"] not in CURATED
             and float(str(r["weight"] or 0)) > 0]
    if not cands:
        return None
    best = min(cands, key=lambda r: (r["kind"] != "full", -float(str(r["weight"])),
                                     str(r["population"])))
    return str(best["population"])


#: One row per population: kind, snapshots, span, distinct months, models and
#: observations (``atom``: its members' observations in any snapshot).
SUMMARY_SQL = f"""
    WITH sp AS ({snapshot_populations_sql()}),
    per AS (
        SELECT sp.population, count(*) AS snapshots, min(sp.snapshot) AS first_snapshot,
               max(sp.snapshot) AS last_snapshot,
               count(DISTINCT date_trunc('month', sp.snapshot)) AS months
        FROM sp GROUP BY sp.population
    ),
    obs AS (
        SELECT sp.population, count(DISTINCT o.model_id) AS models, count(*) AS observations
        FROM observations o JOIN sp ON sp.source = o.source AND sp.snapshot = o.snapshot
        WHERE NOT o.carried_over
        GROUP BY sp.population
    ),
    atom AS (
        SELECT 'atom' AS population, count(DISTINCT o.snapshot) AS snapshots,
               min(o.snapshot) AS first_snapshot, max(o.snapshot) AS last_snapshot,
               count(DISTINCT date_trunc('month', o.snapshot)) AS months,
               count(DISTINCT o.model_id) AS models, count(*) AS observations
        FROM observations o
        JOIN ({atom_reference.MEMBERS_SQL}) am ON am.model_id = o.model_id
        WHERE NOT o.carried_over
        HAVING (SELECT count(*) FROM atom_models) > 0
    ),
    pipes AS (
        SELECT x.population, coalesce(m.pipeline_tag, 'unknown') AS tag, count(*) AS n
        FROM (SELECT DISTINCT sp.population, o.model_id
              FROM observations o JOIN sp ON sp.source = o.source AND sp.snapshot = o.snapshot
             ) x
        JOIN models m ON m.id = x.model_id
        GROUP BY x.population, coalesce(m.pipeline_tag, 'unknown')
    ),
    top_pipe AS (
        SELECT population, arg_max(tag, n) AS top_pipeline,
               CAST(max(n) AS DOUBLE) / sum(n) AS top_pipeline_share
        FROM pipes GROUP BY population
    )
    SELECT per.population, {kind_sql('per.population')} AS kind, per.snapshots,
           per.first_snapshot, per.last_snapshot, per.months,
           coalesce(obs.models, 0) AS models, coalesce(obs.observations, 0) AS observations,
           tp.top_pipeline, tp.top_pipeline_share
    FROM per LEFT JOIN obs ON obs.population = per.population
    LEFT JOIN top_pipe tp ON tp.population = per.population
    UNION ALL
    SELECT population, 'curated' AS kind, snapshots, first_snapshot, last_snapshot, months,
           models, observations, CAST(NULL AS VARCHAR) AS top_pipeline,
           CAST(NULL AS DOUBLE) AS top_pipeline_share
    FROM atom
    ORDER BY population
"""
