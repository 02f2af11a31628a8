"""``orgs``: Hub namespace -> developer, country, region, kind, parent, source."""

from __future__ import annotations

from modelatlas.catalog import orgs as catalog_orgs
from modelatlas.queries._engine import Reader, Table
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query

COLUMNS = (
    Column("org", help="Namespace, lower-cased (the join key)."), Column("namespace"),
    Column("display_name"), Column("country", help="ISO 3166-1 alpha-2."),
    Column("region"), Column("kind"), Column("parent"), Column("aliases", "json"),
    Column("source_url"), Column("origin", help="catalog | user | heuristic"),
    Column("notes"),
    Column("scheme", help="Region scheme of the region column: default | atom."),
    Column("atom_region", help="ATOM's own region for this exact namespace, when its table "
                               "lists it."),
)


_HEURISTIC_NOTE = "heuristic: most of its repos declare a base model"


def _orgs(reader: Reader, args: Args) -> Table:
    """The store's ``orgs`` table (catalog + user file + heuristic community entries);
    the catalog files alone when there is no store yet.

    Answered as tuples: on a whole-Hub store this is ~50k namespaces, and a dict
    per row was most of the CLI's time."""
    reg = catalog_orgs.registry(catalog_orgs.user_file())
    scheme = args["regions"]
    # the region column of the chosen scheme (a fixed whitelist of two names)
    col = "coalesce(region_atom, 'unknown')" if scheme == "atom" else "region"
    got = reader.table(
        f"SELECT org, namespace, display_name, country, {col} AS region, kind, parent,"
        " aliases, source_url, origin FROM orgs"
        f" WHERE ($region IS NULL OR {col} = $region) AND ($kind IS NULL OR kind = $kind)"
        " AND ($origin IS NULL OR origin = $origin)"
        " AND ($name IS NULL OR org = lower(CAST($name AS VARCHAR))) ORDER BY org",
        {"region": args["region"], "kind": args["kind"], "origin": args["origin"],
         "name": args["name"]})
    names = [*got.names, "notes", "scheme", "atom_region"]
    rows = got.rows
    if not rows and reader.placeholder:
        picked = [o for o in sorted(reg.values(), key=lambda o: o.org)
                  if (args["region"] is None or o.region_in(scheme) == args["region"])
                  and all(args[k] is None or getattr(o, k) == args[k]
                          for k in ("kind", "origin"))
                  and (args["name"] is None or o.org == args["name"].lower())]
        rows = [tuple({**o.as_dict(), "region": o.region_in(scheme)}[n]
                      for n in got.names) for o in picked]
    org_at, origin_at = got.names.index("org"), got.names.index("origin")
    tails = {org: (e.notes, scheme, e.atom_region) for org, e in reg.items()}
    heuristic, plain = (_HEURISTIC_NOTE, scheme, None), (None, scheme, None)
    out = [r + (tails.get(r[org_at])
                or (heuristic if r[origin_at] == "heuristic" else plain)) for r in rows]
    return Table(names, out)


QUERIES = (
    Query("orgs", "Organisations: Hub namespace -> developer, country, region, kind, parent, "
          "source.",
          params=(Param("region", choices=catalog_orgs.REGIONS, help="Only this region."),
                  Param("kind", choices=catalog_orgs.KINDS, help="Only this kind."),
                  Param("origin", choices=catalog_orgs.ORIGINS, help="Only this origin."),
                  Param("name", help="Only this namespace (any case): one organisation's "
                                     "entry without the whole list."),
                  Param("regions", default="default", choices=catalog_orgs.SCHEMES,
                        help="Region scheme: default (country-based, EU/EEA) or atom (the "
                             "ATOM Project's table; its eu includes the UK and "
                             "Switzerland).")),
          columns=COLUMNS, run=_orgs, store="optional", needs=("orgs",),
          brief=("namespace", "display_name", "country", "region", "kind", "parent", "origin"),
          title=lambda a: "organisations" + (" (ATOM regions)" if a["regions"] == "atom"
                                             else "")),
)
