"""``modelatlas openness``: OSAI Index, MOF class, or our own profile."""

from __future__ import annotations

from typing import Any

import typer

from modelatlas.cli import context
from modelatlas.cli.output import emit, print_json, print_table
from modelatlas.errors import UsageError
from modelatlas.openness import imports, profile

FRAMEWORKS = ("osai", "mof", "profile")


def _pct(v: float) -> str:
    return f"{v:.1f}%"


def openness(
    target: str | None = typer.Argument(
        None, help="OSAI project, MOF model or Hub model id (omit to list a framework)."
    ),
    framework: str = typer.Option("profile", "--framework", "-f", help="osai|mof|profile"),
    as_json: bool = typer.Option(False, "--json", help="One JSON document."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV rows (lists)."),
) -> None:
    """Openness of a model or project: OSAI Index, MOF class, or the metadata profile."""
    if framework not in FRAMEWORKS:
        raise UsageError(f"--framework must be one of {'|'.join(FRAMEWORKS)}")
    if as_json and as_csv:
        raise UsageError("--json and --csv are exclusive")
    with context.store(create=False, derived=True) as st:
        if framework == "osai":
            if target is None:
                rows = imports.osai_list(st)
                emit(rows, as_json=as_json, as_csv=as_csv,
                     columns=["rank", "project", "score", "org", "file", "hub_id"],
                     title="Open Source AI Index")
                return
            _show_osai(imports.osai_project(st, target), as_json)
        elif framework == "mof":
            if target is None:
                items = imports.mof_list(st)
                if as_json:
                    print_json(items)
                    return
                rows = [{**d, **{f"progress_{k}": v for k, v in d["progress"].items()}}
                        for d in items]
                emit(rows, as_json=False, as_csv=as_csv,
                     columns=["model", "class", "progress_3", "progress_2", "progress_1",
                              "file", "hub_id"],
                     title="Model Openness Framework")
                return
            _show_mof(imports.mof_model(st, target), as_json)
        else:
            if target is None:
                emit(profile.level_counts(st), as_json=as_json, as_csv=as_csv,
                     title="Openness profile: models per level")
                return
            prof = profile.profile(st, target)
            prof["frameworks"] = imports.linked_entries(st, prof["model_id"])
            if as_json:
                print_json(prof)
            else:
                rows = [{"field": k, "value": v} for k, v in prof.items() if k != "frameworks"]
                rows += [{"field": f"osai: {o['project']}", "value": f"score {o['score']}"}
                         for o in prof["frameworks"]["osai"]]
                rows += [{"field": f"mof: {m['model']}", "value": m["class"]}
                         for m in prof["frameworks"]["mof"]]
                print_table(rows, ["field", "value"], title=f"Openness profile: {target}")


def _show_osai(p: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(p)
        return
    print(f"{p['project']} ({p['file']}): score {p['score']:g}/14, rank {p['rank']}"
          + (f", Hub: {p['hub_id']}" if p.get("hub_id") else ""))
    print_table(p["dimensions"], ["dimension", "area", "class", "link", "notes"])


def _show_mof(d: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(d)
        return
    pr = d["progress"]
    print(f"{d['model']} ({d['file']}): {d['class']}; progress III {_pct(pr['3'])}, "
          f"II {_pct(pr['2'])}, I {_pct(pr['1'])}")
    rows = [{"component": c, "status": s, "license": d["licenses"].get(c)}
            for s in ("met", "missing", "unlicensed", "invalid") for c in d[s]]
    print_table(rows, ["component", "status", "license"])
    if d["not_type_appropriate"]:
        print("open but not type-appropriate: " + ", ".join(d["not_type_appropriate"]))
    if d["nonstandard_licenses"]:
        print("licence names not in the licence list (counted as not open): "
              + ", ".join(sorted(set(d["nonstandard_licenses"].values()))))


def register(app: typer.Typer) -> None:
    app.command("openness")(openness)
