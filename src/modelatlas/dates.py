"""Parsing user-given dates once, the same way everywhere (CLI, API, web)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal

from modelatlas.errors import UsageError

Bound = Literal["start", "end"]


def parse_date(value: str | dt.date | None, option: str, *, month_ok: bool = False,
               bound: Bound | None = None) -> dt.date | None:
    """A user date as a :class:`datetime.date`.

    ``YYYY-MM-DD`` always. With ``bound``, also ``YYYY-MM`` and ``YYYY``: the
    period's first day for ``bound="start"`` (``--since``) and its last day for
    ``bound="end"`` (``--until 2026-05`` is 31 May, so it equals
    ``--until 2026-05-31``). ``month_ok`` is ``bound="start"`` (older callers).
    A malformed value is a usage error naming the option (exit code 2 at the CLI).
    """
    if value is None or isinstance(value, dt.date):
        return value
    if month_ok and bound is None:
        bound = "start"
    text = str(value).strip()
    try:
        if bound is not None and len(text) == 7 and text[4] == "-":
            y, m = int(text[:4]), int(text[5:])
            last = calendar.monthrange(y, m)[1] if 1 <= m <= 12 else 0
            return dt.date(y, m, 1 if bound == "start" else last)
        if bound is not None and len(text) == 4 and text.isdigit():
            y = int(text)
            return dt.date(y, 1, 1) if bound == "start" else dt.date(y, 12, 31)
        return dt.date.fromisoformat(text)
    except ValueError:
        form = "YYYY-MM-DD, YYYY-MM or YYYY" if bound else "YYYY-MM-DD"
        raise UsageError(f"{option} must be a date {form}, not {text[:40]!r}") from None
