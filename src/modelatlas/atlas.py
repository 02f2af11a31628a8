"""The Python API: ``modelatlas.open(path)`` returns an :class:`Atlas`.

One object over one store, with a method per metric (each returns a tidy
pandas DataFrame). Derived tables are refreshed on open so every method reads
consistent data. Feature owners add thin methods here; the metric definitions
themselves live in :mod:`modelatlas.metrics`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from modelatlas import derive
from modelatlas.store.db import Store, open_store


class Atlas:
    """Read-side facade over a store: metrics as DataFrames."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, path: str | Path | None = None) -> Atlas:
        """Open (and migrate) the store at ``path`` and refresh derived tables."""
        store = open_store(path)
        derive.refresh(store)
        return cls(store)

    def close(self) -> None:
        """Close the underlying store."""
        self.store.close()

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- adoption metrics (issue 5) -------------------------------------------------

    def share(self, by: str = "region", metric: str = "downloads", **kw: Any) -> pd.DataFrame:
        """Adoption share: columns period, group, value, share.

        ``by``: region|country|org|family|kind; ``metric``: downloads|likes|models|
        derivatives; keywords ``attribution`` (direct|root), ``freq``
        (month|snapshot), ``since``/``until`` (dates). See docs/metrics.md.
        """
        from modelatlas.metrics import share

        return share.share(self.store, by=by, metric=metric, **kw)

    def concentration(self, attribution: str = "direct", **kw: Any) -> pd.DataFrame:
        """Per period: total downloads, orgs, HHI (0-10,000), top-10, community and
        unknown-attribution share. Keywords ``freq``, ``since``, ``until``."""
        from modelatlas.metrics import concentration

        return concentration.concentration(self.store, attribution=attribution, **kw)

    def cadence(self, **kw: Any) -> pd.DataFrame:
        """Per org: models, mainline models, first/last release and median days between
        mainline releases. Keywords ``since``, ``until``."""
        from modelatlas.metrics import cadence

        return cadence.release_intervals(self.store, **kw)

    def releases(self, **kw: Any) -> pd.DataFrame:
        """New (and mainline) models per org and month. Keywords ``since``, ``until``."""
        from modelatlas.metrics import cadence

        return cadence.monthly_releases(self.store, **kw)

    def licence_mix(self, weight: str = "models", **kw: Any) -> pd.DataFrame:
        """Licence (family, else raw tag) mix per region and period, weighted by new
        ``models`` or 30-day ``downloads``. Keywords ``freq``, ``since``, ``until``."""
        from modelatlas.metrics import licence_mix

        return licence_mix.licence_mix(self.store, weight=weight, **kw)

    def ram(self, model_id: str | None = None) -> pd.DataFrame:
        """ATOM Relative Adoption Metric: one model at each age (7..365 days), or
        every (model, age) the snapshots allow when ``model_id`` is None."""
        from modelatlas.metrics import ram

        return ram.ram_table(self.store) if model_id is None else ram.ram(self.store, model_id)

    def ram_leaders(self, days: int = 30, top: int = 10) -> pd.DataFrame:
        """The ``top`` models by RAM at age ``days``."""
        from modelatlas.metrics import ram

        return ram.leaders(self.store, days=days, top=top)

    # -- lineage and derivatives (issue 4) --------------------------------------------

    def lineage(self, model_id: str) -> dict[str, Any]:
        """One model's parents, roots, depth, descendants and root origins."""
        from modelatlas.lineage.describe import describe

        return describe(self.store, model_id)

    def derivative_share(self, by: str = "family", freq: str = "month",
                         **kw: Any) -> pd.DataFrame:
        """Share of new derivatives per period by root group: period, group, value,
        share. Keywords ``since``, ``until``, ``relation``. See docs/lineage.md."""
        from modelatlas.metrics import derivatives

        return derivatives.derivative_share(self.store, by, freq, **kw)

    def report(self, out: str | Path, **kw: Any) -> Path:
        """Write the HTML/Markdown/CSV/Parquet report to folder ``out``; returns
        the path of index.html. Keywords ``since``, ``until``."""
        from modelatlas.report import build_report

        return build_report(self.store, Path(out), **kw).html

    # -- licences (issue 6) ---------------------------------------------------------

    def license_usage(self, by: str = "license") -> pd.DataFrame:
        """Models and latest 30-day downloads per licence (and family); ``by``:
        license|family|region|country|kind. See docs/licences.md."""
        from modelatlas.licenses import usage

        return pd.DataFrame(usage.usage(self.store, by=by))

    def changes(self, **kw: Any) -> pd.DataFrame:
        """Licence/access change events, newest first. Keywords ``since``, ``until``
        (dates), ``kind``, ``model``, ``limit``. See docs/licences.md."""
        from modelatlas.licenses.changes import changes

        return pd.DataFrame(changes(self.store, **kw))

    # -- openness (issue 6) ---------------------------------------------------------

    def openness(self, framework: str = "profile") -> pd.DataFrame:
        """Imported OSAI Index (``osai``), MOF evaluations (``mof``) or every model's
        metadata profile (``profile``), one row per entry. See docs/openness.md."""
        from modelatlas.errors import UsageError
        from modelatlas.openness import imports, profile

        if framework == "osai":
            return pd.DataFrame(imports.osai_list(self.store))
        if framework == "mof":
            return pd.DataFrame(imports.mof_list(self.store))
        if framework == "profile":
            return pd.DataFrame(profile.profiles(self.store))
        raise UsageError("framework must be osai|mof|profile")

    def check(self, target: str, **kw: Any) -> dict[str, Any]:
        """Due diligence on a Hub id or local folder (the ``check --json`` object).
        Keywords ``use`` (commercial|research|saas), ``users``, ``online``,
        ``endpoint``. See docs/check.md."""
        from modelatlas.check import check

        return check(target, store=self.store, **kw).as_dict()
