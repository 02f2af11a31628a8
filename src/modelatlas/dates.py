"""Parsing user-given dates once, the same way everywhere (CLI, API, web)."""

from __future__ import annotations

import datetime as dt

from modelatlas.errors import UsageError


def parse_date(value: str | dt.date | None, option: str, *, month_ok: bool = False
               ) -> dt.date | None:
    """``YYYY-MM-DD`` (or ``YYYY-MM`` with ``month_ok``: its first day) as a date.

    A malformed value is a usage error naming the option (exit code 2 at the CLI).
    """
    if value is None or isinstance(value, dt.date):
        return value
    text = value.strip()
    try:
        if month_ok and len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text)
    except ValueError:
        form = "YYYY-MM-DD or YYYY-MM" if month_ok else "YYYY-MM-DD"
        raise UsageError(f"{option} must be a date {form}, not {value!r}") from None
