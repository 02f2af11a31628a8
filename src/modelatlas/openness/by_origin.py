"""Openness by origin: are the open models of one region as open as another's?

For one framework and one grouping (region or country of origin), each row
gives the number of rated systems (or Hub models, for the profile) and of their
downloads, and how many of them have open weights, open data, and a licence
the OSI approves, with the shares, the unknowns and the coverage (how many
systems and downloads have a known origin) in every row.

Per framework (docs/openness.md has the full method):

* ``osai``: the newest imported index edition; weights = the end-model weights
  class is ``open``; data = every rated data-source class (base and end model)
  is ``open``; licence = the end-model licence is OSI-approved in the licence
  catalog. Origin: the index's header (``National origin``); when a system has
  none, the organisation registry entry of its linked Hub namespace.
* ``mof``: weights = component Model parameters (Final) met (open licence, as
  the MOF counts it); data = component Datasets met; licence = the weights
  component's licence is OSI-approved. Origin: registry entry of the linked Hub
  namespace.
* ``osaid``: the OSAID verdict rows (MOF models, then index systems no MOF file
  covers); weights and data = the verdict's parameters and data-information
  requirements; ``meets`` = the verdict. Origin as for its basis.
* ``profile``: every Hub model in the store; weights = not gated; data =
  declares a ``dataset:``; licence = its licence id is OSI-approved. Origin:
  registry entry of its namespace (direct attribution).

Downloads are each linked Hub model's 30-day counter at its latest snapshot
(on or before ``$as_of`` when given). Unknown stays unknown: a criterion that
cannot be decided counts in ``*_unknown``, not as "not open".

One set-based statement per (framework, by), in the portable SQL subset the
metrics use (no QUALIFY, no list lambdas, no GROUP BY ALL; named parameters).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from modelatlas.errors import UsageError
from modelatlas.openness.read import Source, seam

FRAMEWORKS = ("osai", "mof", "osaid", "profile")
BY = ("region", "country")
COLUMNS = (
    "framework", "group", "systems", "weights_open", "data_open", "license_osi", "meets_osaid",
    "weights_unknown", "data_unknown", "license_unknown",
    "share_weights_open", "share_data_open", "share_license_osi", "share_meets_osaid",
    "downloads", "systems_with_downloads", "downloads_weights_open", "downloads_data_open",
    "downloads_license_osi", "downloads_meets_osaid", "share_downloads_weights_open",
    "share_downloads_data_open", "share_downloads_license_osi", "share_downloads_meets_osaid",
    "systems_total", "systems_known_origin", "coverage_systems",
    "downloads_total", "downloads_known_origin", "coverage_downloads",
)

_NS = "CASE WHEN strpos({c}, '/') > 0 THEN lower(split_part({c}, '/', 1)) END"

# Latest 30-day download counter of every model (at or before $as_of).
_DOWNLOADS = """
dl AS (
    SELECT o.model_id, arg_max(o.downloads_30d, o.snapshot) AS downloads
    FROM observations o
    WHERE NOT o.carried_over AND o.downloads_30d IS NOT NULL
      AND (CAST($as_of AS DATE) IS NULL OR o.snapshot <= CAST($as_of AS DATE))
    GROUP BY o.model_id
)"""

# Classes of the newest OSAI edition, one row per system, for the criteria.
_OSAI_CLASSES = """
oe AS (SELECT max(edition) AS edition FROM osai_projects),
oc AS (
    SELECT d.file,
        max(CASE WHEN d.dimension IN ('weights_endmodel', 'rlweights') THEN d.class END)
            AS weights_class,
        sum(CASE WHEN d.dimension IN ('datasources_basemodel', 'datasources_endmodel',
                                      'llmdata', 'rldata')
                  AND d.class IN ('open', 'partial', 'closed') THEN 1 ELSE 0 END) AS data_rated,
        sum(CASE WHEN d.dimension IN ('datasources_basemodel', 'datasources_endmodel',
                                      'llmdata', 'rldata')
                  AND d.class = 'open' THEN 1 ELSE 0 END) AS data_open
    FROM osai_dimensions d JOIN oe ON d.edition = oe.edition
    GROUP BY d.file
),
op AS (
    SELECT p.file, p.hub_id, p.end_model_license_osi,
        CASE WHEN p.origin IS NOT NULL THEN p.origin_country ELSE og.country END AS country,
        CASE WHEN p.origin IS NOT NULL THEN coalesce(p.origin_region, 'unknown')
             ELSE coalesce(og.region, 'unknown') END AS region
    FROM osai_projects p JOIN oe ON p.edition = oe.edition
    LEFT JOIN orgs og ON og.org = """ + _NS.format(c="p.hub_id") + """
)"""

_BASE = {
    "osai": _OSAI_CLASSES + """,
base AS (
    SELECT op.file AS entry, op.hub_id, op.country, op.region,
        CASE oc.weights_class WHEN 'open' THEN TRUE WHEN 'partial' THEN FALSE
                              WHEN 'closed' THEN FALSE END AS weights_open,
        CASE WHEN oc.data_rated = 0 THEN NULL
             WHEN oc.data_open = oc.data_rated THEN TRUE ELSE FALSE END AS data_open,
        op.end_model_license_osi AS license_osi,
        CAST(NULL AS BOOLEAN) AS meets
    FROM op JOIN oc ON oc.file = op.file
)""",
    "mof": """
base AS (
    SELECT mm.file AS entry, mm.hub_id, og.country, coalesce(og.region, 'unknown') AS region,
        coalesce(wc.status = 'met', FALSE) AS weights_open,
        coalesce(dc.status = 'met', FALSE) AS data_open,
        wc.osi_approved AS license_osi,
        CAST(NULL AS BOOLEAN) AS meets
    FROM mof_models mm
    LEFT JOIN mof_components wc ON wc.file = mm.file
        AND wc.component = 'Model parameters (Final)'
    LEFT JOIN mof_components dc ON dc.file = mm.file AND dc.component = 'Datasets'
    LEFT JOIN orgs og ON og.org = """ + _NS.format(c="mm.hub_id") + """
)""",
    "osaid": _OSAI_CLASSES + """,
mofv AS (SELECT lower(hub_id) AS k FROM osaid_verdicts WHERE basis = 'mof'
         AND hub_id IS NOT NULL),
base AS (
    SELECT v.basis || ':' || v.file AS entry, v.hub_id,
        CASE WHEN v.basis = 'osai' THEN op.country ELSE og.country END AS country,
        CASE WHEN v.basis = 'osai' THEN coalesce(op.region, 'unknown')
             ELSE coalesce(og.region, 'unknown') END AS region,
        CASE v.weights WHEN 'ok' THEN TRUE WHEN 'fail' THEN FALSE END AS weights_open,
        CASE v.data_information WHEN 'ok' THEN TRUE WHEN 'fail' THEN FALSE END AS data_open,
        v.weights_license_osi AS license_osi,
        CASE v.verdict WHEN 'meets' THEN TRUE WHEN 'does_not_meet' THEN FALSE END AS meets
    FROM osaid_verdicts v
    LEFT JOIN oe ON TRUE
    LEFT JOIN op ON v.basis = 'osai' AND op.file = v.file
    LEFT JOIN orgs og ON og.org = """ + _NS.format(c="v.hub_id") + """
    WHERE v.basis = 'mof'
       OR (v.basis = 'osai' AND v.edition = oe.edition
           AND (v.hub_id IS NULL OR lower(v.hub_id) NOT IN (SELECT k FROM mofv)))
)""",
    "profile": """
base AS (
    SELECT m.id AS entry, m.id AS hub_id, og.country, coalesce(og.region, 'unknown') AS region,
        CASE m.gated WHEN 'false' THEN TRUE WHEN 'auto' THEN FALSE
                     WHEN 'manual' THEN FALSE END AS weights_open,
        CASE WHEN m.datasets IS NULL THEN NULL ELSE array_length(m.datasets) > 0 END AS data_open,
        CASE WHEN m.license_id IS NULL OR m.license_id IN ('unknown', 'other') THEN NULL
             ELSE l.osi_approved END AS license_osi,
        CAST(NULL AS BOOLEAN) AS meets
    FROM models m
    LEFT JOIN licenses l ON l.license_id = m.license_id
    LEFT JOIN orgs og ON og.org = lower(m.org)
)""",
}

_GROUP = {"region": "b.region", "country": "coalesce(b.country, 'unknown')"}


def _count(cond: str) -> str:
    return f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def _dl(cond: str) -> str:
    return f"sum(CASE WHEN {cond} THEN g.dls ELSE 0 END)"


def _share(num: str, den: str) -> str:
    return f"CASE WHEN {den} > 0 THEN CAST({num} AS DOUBLE) / {den} END"


def by_origin_sql(framework: str, by: str) -> str:
    """The statement for one framework and grouping (both from fixed whitelists)."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"--framework must be one of {'|'.join(FRAMEWORKS)}")
    if by not in BY:
        raise UsageError(f"--by must be one of {'|'.join(BY)}")
    n, d = "count(*)", "sum(g.dls)"
    crit = {"weights_open": "g.weights_open", "data_open": "g.data_open",
            "license_osi": "g.license_osi", "meets_osaid": "g.meets"}
    counts = []
    for col, cond in crit.items():
        if col == "meets_osaid" and framework != "osaid":
            counts += [f"CAST(NULL AS BIGINT) AS {col}",
                       f"CAST(NULL AS DOUBLE) AS share_{col}",
                       f"CAST(NULL AS BIGINT) AS downloads_{col}",
                       f"CAST(NULL AS DOUBLE) AS share_downloads_{col}"]
            continue
        counts += [f"{_count(cond)} AS {col}",
                   f"{_share(_count(cond), n)} AS share_{col}",
                   f"{_dl(cond)} AS downloads_{col}",
                   f"{_share(_dl(cond), d)} AS share_downloads_{col}"]
    unknowns = [f"{_count(f'{c} IS NULL')} AS {k.split('_')[0]}_unknown"
                for k, c in crit.items() if k != "meets_osaid"]
    return f"""
WITH {_DOWNLOADS.strip()},
{_BASE[framework].strip()},
g AS (
    SELECT {_GROUP[by]} AS grp, b.weights_open, b.data_open, b.license_osi, b.meets,
        coalesce(dl.downloads, 0) AS dls, dl.downloads IS NOT NULL AS has_dl
    FROM base b LEFT JOIN dl ON dl.model_id = b.hub_id
),
tot AS (
    SELECT count(*) AS systems_total,
        {_count("grp <> 'unknown'")} AS systems_known_origin,
        coalesce(sum(dls), 0) AS downloads_total,
        coalesce(sum(CASE WHEN grp <> 'unknown' THEN dls ELSE 0 END), 0)
            AS downloads_known_origin
    FROM g
)
SELECT '{framework}' AS framework, g.grp AS "group", {n} AS systems,
    {", ".join(counts)},
    {", ".join(unknowns)},
    {d} AS downloads, {_count("g.has_dl")} AS systems_with_downloads,
    tot.systems_total, tot.systems_known_origin,
    {_share("tot.systems_known_origin", "tot.systems_total")} AS coverage_systems,
    tot.downloads_total, tot.downloads_known_origin,
    {_share("tot.downloads_known_origin", "tot.downloads_total")} AS coverage_downloads
FROM g CROSS JOIN tot
GROUP BY g.grp, tot.systems_total, tot.systems_known_origin, tot.downloads_total,
    tot.downloads_known_origin
ORDER BY systems DESC, "group"
"""


def by_origin(src: Source, framework: str, by: str = "region",
              as_of: dt.date | None = None) -> list[dict[str, Any]]:
    """Rows of :func:`by_origin_sql` in :data:`COLUMNS` order."""
    rows = seam(src).rows(by_origin_sql(framework, by), {"as_of": as_of})
    return [{c: r[c] for c in COLUMNS} for r in rows]
