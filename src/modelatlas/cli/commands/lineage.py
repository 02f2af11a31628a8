"""``modelatlas lineage MODEL_ID`` and ``modelatlas derivatives``: the base-model graph.

Thin: refresh derived tables, call :mod:`modelatlas.lineage` or
:mod:`modelatlas.metrics.derivatives`, render. Method: docs/lineage.md.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import typer

from modelatlas import derive
from modelatlas.cli import context
from modelatlas.cli.output import emit, print_json, print_table
from modelatlas.errors import UsageError
from modelatlas.lineage import roots as roots_m
from modelatlas.lineage.describe import describe as describe_model
from modelatlas.metrics import derivatives as deriv_m


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    clean = df.astype(object).where(pd.notna(df), None)
    return [{k: (v.item() if hasattr(v, "item") else v) for k, v in r.items()}
            for r in clean.to_dict("records")]


def lineage(
    model_id: str = typer.Argument(..., help="Hub model id, e.g. Qwen/Qwen2.5-7B-Instruct."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object on stdout."),
) -> None:
    """A model's parents, roots, depth, descendants and the origin of its roots."""
    with context.store(create=False) as st:
        derive.refresh(st)
        d = describe_model(st, model_id)
    if as_json:
        print_json(d)
        return
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


METRICS = ("share", "counts", "trees", "tree-sizes", "depth", "leaves", "issues")


def derivatives(
    metric: str = typer.Option(
        "share", "--metric", help="share|counts|trees|tree-sizes|depth|leaves|issues"),
    by: str = typer.Option("family", "--by", help=f"{'|'.join(deriv_m.GROUPS)}"),
    freq: str = typer.Option("month", "--freq", help=f"{'|'.join(deriv_m.PERIODS)}"),
    since: str | None = typer.Option(None, "--since", help="First creation date."),
    until: str | None = typer.Option(None, "--until", help="Last creation date."),
    relation: str | None = typer.Option(None, "--relation", help="Only this relation."),
    limit: int = typer.Option(30, "--limit", help="Rows in the table; 0 for all."),
    as_json: bool = typer.Option(False, "--json", help="One JSON list on stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="CSV on stdout."),
) -> None:
    """Derivative metrics: share of new derivatives by root group, tree sizes, leaves."""
    if metric not in METRICS:
        raise UsageError(f"--metric must be one of {', '.join(METRICS)}, got {metric!r}")
    with context.store(create=False) as st:
        derive.refresh(st)
        if metric == "share":
            rows = _records(deriv_m.derivative_share(st, by, freq, since, until, relation))
        elif metric == "counts":
            rows = _records(deriv_m.derivatives_by(st, by, freq, since, until))
        elif metric == "trees":
            rows = _records(deriv_m.tree_sizes(st))
        elif metric == "tree-sizes":
            rows = _records(deriv_m.tree_size_distribution(st))
        elif metric == "depth":
            rows = _records(deriv_m.depth_distribution(st))
        elif metric == "leaves":
            rows = _records(deriv_m.leaf_share(st))
        else:
            rows = roots_m.issues(st)
    if not (as_json or as_csv) and limit > 0:
        rows = rows[:limit]
    emit(rows, as_json=as_json, as_csv=as_csv, title=f"derivatives: {metric}")


def register(app: typer.Typer) -> None:
    app.command("lineage")(lineage)
    app.command("derivatives")(derivatives)
