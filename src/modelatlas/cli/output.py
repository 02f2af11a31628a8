"""Render results: a Rich table for people, ``--json`` or ``--csv`` for scripts.

``--json`` prints exactly one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import json
import math
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

from modelatlas.errors import UsageError


def _default(o: Any) -> Any:
    if isinstance(o, dt.datetime | dt.date):
        return o.isoformat()
    if isinstance(o, decimal.Decimal):
        return float(o)
    if isinstance(o, set | frozenset | tuple):
        return list(o)
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def _clean(o: Any) -> Any:
    """NaN/inf are not JSON: turn them into null."""
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    return o


def to_json(doc: Any) -> str:
    return json.dumps(_clean(doc), default=_default, ensure_ascii=False)


def print_json(doc: Any) -> None:
    sys.stdout.write(to_json(doc) + "\n")


def print_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    cols = list(columns or (rows[0].keys() if rows else []))
    w = csv.DictWriter(sys.stdout, fieldnames=cols, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(
            {
                k: (to_json(v) if isinstance(v, list | dict) else v)
                for k, v in r.items()
                if k in cols
            }
        )


def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}" if abs(v) < 1 else f"{v:,.2f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    if isinstance(v, list):
        return ", ".join(_cell(x) for x in v[:8]) + (" …" if len(v) > 8 else "")
    return str(v)


def print_table(
    rows: Sequence[Mapping[str, Any]],
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    cols = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=title, show_lines=False)
    for c in cols:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*(_cell(r.get(c)) for c in cols))
    Console().print(table)


def emit(
    rows: Sequence[Mapping[str, Any]] | Iterable[Mapping[str, Any]],
    *,
    as_json: bool,
    as_csv: bool,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print rows in the format the user asked for."""
    rows = list(rows)
    if as_json and as_csv:
        raise UsageError("--json and --csv are exclusive")
    if as_json:
        print_json(rows)
    elif as_csv:
        print_csv(rows, columns)
    else:
        print_table(rows, columns, title)
