"""Readable terminal views of queries that answer one object (``--json`` prints it as
is). A query without a view here gets a field/value table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from modelatlas.cli.output import plain, print_fields, print_table


def _stats(d: dict[str, Any], title: str) -> None:
    print_table([{"what": k, "count": v} for k, v in d.items()], ["what", "count"], title,
                {"count": "int"})


def _lineage(d: dict[str, Any], title: str) -> None:
    print_table([{"id": d["id"], "depth": d["depth"], "families": d["families"],
                  "descendants": d["descendants_total"]}], title="model")
    if d["parents"]:
        print_table(d["parents"], ["id", "relation", "origin"], title="parents")
    print_table(d["origin"], ["root", "org", "display_name", "country", "region", "kind"],
                title="roots and their origin")
    print_table([{"relation": k, "descendants": v, "children": d["children"].get(k, 0)}
                 for k, v in d["descendants"].items()], title="descendants")
    if d["issues"]:
        print_table(d["issues"], ["kind", "detail"], title="lineage issues")


def _openness(d: dict[str, Any], title: str) -> None:
    if "dimensions" in d:  # an OSAI system (2026) or project (2023)
        print(plain(f"{d['name']} ({d['file']}, {d['edition']} index): score "
                    f"{d['score']:g}/{d['score_max']:g}, rank {d['rank']}"
                    + (f", origin {d['origin']}" if d.get("origin") else "")
                    + (f", Hub: {d['hub_id']}" if d.get("hub_id") else "")))
        if d.get("score_flag"):
            print(plain(f"note: {d['score_flag']}"))
        print_table(d["dimensions"], ["dimension", "area", "class", "link", "notes"])
    elif "progress" in d and "met" in d:  # a MOF evaluation
        pr = d["progress"]
        print(plain(f"{d['model']} ({d['file']}): {d['class']}; progress III "
                    f"{pr['3']:.1f}%, II {pr['2']:.1f}%, I {pr['1']:.1f}%"))
        rows = [{"component": c, "status": s, "license": d["licenses"].get(c)}
                for s in ("met", "missing", "unlicensed", "invalid") for c in d[s]]
        print_table(rows, ["component", "status", "license"])
    else:  # a model's profile
        rows = [{"field": k, "value": v} for k, v in d.items() if k != "frameworks"]
        fw = d.get("frameworks") or {}
        rows += [{"field": f"osai {o['edition']}: {o['name']}",
                  "value": f"score {o['score']:g}/{o['score_max']:g}, rank {o['rank']}"
                           f" ({o['role']} model)"}
                 for o in fw.get("osai", [])]
        rows += [{"field": f"mof: {m['model']}", "value": m["class"]} for m in fw.get("mof", [])]
        rows += [{"field": f"osaid ({v['basis']}): {v['model']}", "value": v["verdict"]}
                 for v in fw.get("osaid", [])]
        print_table(rows, ["field", "value"], title)


VIEWS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "stats": _stats, "lineage": _lineage, "openness": _openness,
}


def show(name: str, doc: dict[str, Any], title: str) -> None:
    VIEWS.get(name, print_fields)(doc, title)
