"""What a report section builds from: named queries through the one read door.

Sections ask the :class:`~modelatlas.atlas.Atlas` for registered queries by
name (:meth:`ReportContext.table`); every table a section asks for is written
next to index.html as CSV and Parquet, so every number can be checked.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from modelatlas.atlas import Atlas

_TABLE = re.compile(r"^[a-z0-9_]{1,60}$")


@dataclass
class ReportContext:
    """The atlas, the report's date range, and the tables asked for so far."""

    atlas: Atlas
    since: dt.date | None = None
    until: dt.date | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    _runs: dict[str, pd.DataFrame] = field(default_factory=dict)

    def query(self, name: str, params: Mapping[str, Any] | None = None, *,
              ranged: bool = True) -> pd.DataFrame:
        """A registered query's rows (the report's range added when ``ranged``)."""
        p = dict(params or {})
        if ranged:
            p.setdefault("since", self.since)
            p.setdefault("until", self.until)
        key = repr((name, sorted(p.items(), key=lambda kv: kv[0])))
        if key not in self._runs:
            self._runs[key] = self.atlas.run(name, p).df()
        return self._runs[key]

    def table(self, table: str, name: str, params: Mapping[str, Any] | None = None, *,
              ranged: bool = True) -> pd.DataFrame:
        """:meth:`query`, also written as ``data/<table>.csv|parquet``."""
        df = self.query(name, params, ranged=ranged)
        return self.keep(table, df)

    def keep(self, table: str, df: pd.DataFrame) -> pd.DataFrame:
        """Write ``df`` (derived from query rows) as a data file of the report."""
        if not _TABLE.match(table):
            raise ValueError(f"bad report table name {table!r}")
        self.tables[table] = df
        return df
