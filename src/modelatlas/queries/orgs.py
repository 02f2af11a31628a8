"""``orgs``: Hub namespace -> developer, country, region, kind, parent, source."""

from __future__ import annotations

from typing import Any

from modelatlas.catalog import orgs as catalog_orgs
from modelatlas.queries._engine import Reader
from modelatlas.queries._params import Param
from modelatlas.queries._registry import Args, Column, Query

COLUMNS = (
    Column("org", help="Namespace, lower-cased (the join key)."), Column("namespace"),
    Column("display_name"), Column("country", help="ISO 3166-1 alpha-2."),
    Column("region"), Column("kind"), Column("parent"), Column("aliases", "json"),
    Column("source_url"), Column("origin", help="catalog | user | heuristic"),
    Column("notes"),
)


def _orgs(reader: Reader, args: Args) -> list[dict[str, Any]]:
    """The store's ``orgs`` table (catalog + user file + heuristic community entries);
    the catalog files alone when there is no store yet."""
    reg = catalog_orgs.registry(catalog_orgs.user_file())
    rows = reader.rows(
        "SELECT org, namespace, display_name, country, region, kind, parent, aliases,"
        " source_url, origin FROM orgs"
        " WHERE ($region IS NULL OR region = $region) AND ($kind IS NULL OR kind = $kind)"
        " AND ($origin IS NULL OR origin = $origin) ORDER BY org",
        {"region": args["region"], "kind": args["kind"], "origin": args["origin"]})
    if not rows and reader.placeholder:
        rows = [o.as_dict() for o in sorted(reg.values(), key=lambda o: o.org)
                if all(args[k] is None or getattr(o, k) == args[k]
                       for k in ("region", "kind", "origin"))]
    for r in rows:
        entry = reg.get(str(r["org"]))
        r["notes"] = entry.notes if entry else (
            "heuristic: most of its repos declare a base model" if r["origin"] == "heuristic"
            else None)
    return rows


QUERIES = (
    Query("orgs", "Organisations: Hub namespace -> developer, country, region, kind, parent, "
          "source.",
          params=(Param("region", choices=catalog_orgs.REGIONS, help="Only this region."),
                  Param("kind", choices=catalog_orgs.KINDS, help="Only this kind."),
                  Param("origin", choices=catalog_orgs.ORIGINS, help="Only this origin.")),
          columns=COLUMNS, run=_orgs, store="optional", needs=("orgs",),
          brief=("namespace", "display_name", "country", "region", "kind", "parent", "origin"),
          title=lambda a: "organisations"),
)
