"""The Python API and the one door for reads: ``modelatlas.open(path)`` -> :class:`Atlas`.

Every read is a query declared once in :mod:`modelatlas.queries`; the CLI, the
web API and the report reach it through an :class:`Atlas`, and so do
notebooks. Each typed method below has the name and parameters of the CLI
command (``share --by region`` is ``atlas.share(by="region")``; a test holds
them equal to the registry), returns a pandas DataFrame for tables (period
bounds as dates, a group absent in a period as 0) or a dict for objects.

A store is opened read-only: several notebooks, CLI queries and ``serve`` can
read it at once. Derived tables are brought up to date after each write and,
if a store is stale when opened (an ingest that skipped derive, an older
modelatlas), once at open, never per read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from modelatlas import settings
from modelatlas.errors import StoreError, UsageError
from modelatlas.queries import Query, Result, get
from modelatlas.queries._engine import EngineReader, Intermediates, Reader
from modelatlas.store.db import Store, open_store, pending_migrations

if TYPE_CHECKING:
    import pandas as pd

DateLike = str | dt.date | None
ENGINES = ("duckdb", "spark")


def engine_name(engine: str | None) -> str:
    """``engine``, else ``MODELATLAS_ENGINE``, else duckdb; a UsageError if unknown."""
    name = (engine or settings.get("engine") or "duckdb").strip().lower()
    if name not in ENGINES:
        raise UsageError(f"--engine must be one of {'|'.join(ENGINES)} (got {name[:40]!r})")
    return name


def _resolve(path: str | Path | None) -> Path | None:
    if path is None:
        return settings.default_db_path()
    if str(path) == ":memory:":
        return None
    return Path(path).expanduser()


def bring_up_to_date(path: Path) -> bool:
    """Migrate and derive a stale store once, if no one else holds it; True if it was
    already current or could be brought up to date."""
    from modelatlas import derive

    try:
        with open_store(path, read_only=True) as st:
            if not pending_migrations(st.con) and derive.is_current(st):
                return True
    except StoreError:
        pass
    try:
        with open_store(path, create=False, wait=0.0) as rw:
            derive.refresh(rw)
        return True
    except StoreError:
        return False


class Atlas:
    """Read-side facade over one store: every registered query as a typed method."""

    def __init__(self, store: Store, *, stale: bool = False,
                 intermediates: Intermediates | None = None, placeholder: bool = False,
                 reader: EngineReader | None = None,
                 on_close: Callable[[], None] | None = None) -> None:
        self.store = store
        #: True when the store's derived tables could not be refreshed at open
        #: (another program was writing it): answers may lag the newest ingest.
        self.stale = stale
        #: True for :meth:`catalog_only`: no store, only shipped catalogs answer.
        self.placeholder = placeholder
        # The engine seam (issue 14): queries run on DuckDB over ``store`` unless
        # another engine's reader is given (``open(..., engine="spark")``); then
        # ``store`` is an empty in-memory scratch store that nothing reads.
        self._reader: EngineReader = reader or Reader(store, intermediates,
                                                      placeholder=placeholder)
        self._on_close = on_close

    @property
    def engine(self) -> str:
        """Which engine answers: ``duckdb`` or ``spark``."""
        return self._reader.engine

    @property
    def reader(self) -> Reader:
        """The DuckDB reader behind this atlas (what query ``run`` functions and ``check``
        use); a UsageError for an atlas on another engine (issue 14)."""
        if not isinstance(self._reader, Reader):
            raise UsageError("this atlas answers on Spark; check and serve read a DuckDB "
                             "store (open it without engine='spark')")
        return self._reader

    @classmethod
    def catalog_only(cls) -> Atlas:
        """No store yet: queries that can answer from shipped catalogs (``orgs``,
        ``licenses``) do; the others say there is no store."""
        return cls(open_store(":memory:"), placeholder=True)

    @classmethod
    def open(cls, path: str | Path | None = None, *, read_only: bool = True,
             engine: str | None = None, spark_master: str | None = None) -> Atlas:
        """Open the store at ``path`` (``MODELATLAS_DB``, else the user data dir).

        ``read_only=False`` opens it for writing (one writer at a time).
        ``":memory:"`` gives an empty throwaway store. ``engine="spark"`` (or
        ``MODELATLAS_ENGINE=spark``) answers on Apache Spark from a table folder
        (``path``: a folder or URL written by ``modelatlas export``, or a DuckDB
        store file, exported on the fly for a local master); ``spark_master`` as
        ``--spark-master`` (docs/scale.md).
        """
        if engine_name(engine) == "spark":
            if not read_only:
                raise UsageError("the Spark engine reads a table folder; write it with "
                                 "`modelatlas --engine spark ingest file` or `export`")
            from modelatlas.spark.atlas import open_spark

            return open_spark(path, spark_master)
        p = _resolve(path)
        if p is None:
            return cls(open_store(":memory:"))
        if not p.exists():
            raise StoreError(f"no store at {p}: ingest something first (see `modelatlas --help`)")
        if not read_only:
            st = open_store(p, create=False)
            from modelatlas import derive

            derive.refresh(st)
            return cls(st)
        from modelatlas import derive

        st = open_store(p, read_only=True)
        if not pending_migrations(st.con) and derive.is_current(st):
            return cls(st)   # the usual case: one open, nothing to do
        st.close()
        fresh = bring_up_to_date(p)
        return cls(open_store(p, read_only=True), stale=not fresh)

    def close(self) -> None:
        """Close the underlying store (and what another engine holds)."""
        try:
            if self._on_close is not None:
                self._on_close()
        finally:
            self._on_close = None
            self.store.close()

    def __enter__(self) -> Atlas:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the door ---------------------------------------------------------------------
    def run(self, query: str | Query, params: Mapping[str, Any] | None = None) -> Result:
        """Run a registered query by name with raw or typed parameter values."""
        q = get(query) if isinstance(query, str) else query
        args = q.parse(params or {})
        if self.placeholder and q.store == "required":
            raise StoreError("no store yet: ingest something first (see `modelatlas --help`)")
        return self._reader.run(q, args)

    def _rows(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame:
        return self.run(name, params).df()

    def _object(self, name: str, params: Mapping[str, Any]) -> dict[str, Any]:
        value: dict[str, Any] = self.run(name, params).value
        return value

    def _either(self, name: str, params: Mapping[str, Any]) -> pd.DataFrame | dict[str, Any]:
        res = self.run(name, params)
        return res.df() if res.shape == "rows" else dict(res.value)

    # -- what is in the store -----------------------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Counts of models, snapshots, observations, edges, quarantined records, runs."""
        return self._object("stats", {})

    def models(self, org: str | None = None, id: str | None = None,
               limit: int = 20) -> pd.DataFrame:
        """Models with their latest observation, most downloaded first (0: all); ``id``:
        one model (any case, as lineage resolves ids)."""
        return self._rows("models", {"org": org, "id": id, "limit": limit})

    def quarantine(self, limit: int = 20) -> pd.DataFrame:
        """Records rejected at ingest, newest first, with the reason (0: all)."""
        return self._rows("quarantine", {"limit": limit})

    def orgs(self, region: str | None = None, kind: str | None = None,
             origin: str | None = None, name: str | None = None,
             regions: Literal["default", "atom"] = "default") -> pd.DataFrame:
        """Organisations: namespace -> developer, country, region (in the ``regions``
        scheme), kind, parent, source; ``name`` keeps one namespace (any case)."""
        return self._rows("orgs", {"region": region, "kind": kind, "origin": origin,
                                   "name": name, "regions": regions})

    def populations(self) -> pd.DataFrame:
        """The populations in the store: kind, snapshots, span, models, observations."""
        return self._rows("populations", {})

    # -- lineage --------------------------------------------------------------------------
    def lineage(self, model_id: str) -> dict[str, Any]:
        """One model's parents, roots, depth, descendants and root origins."""
        return self._object("lineage", {"model_id": model_id})

    def derivatives(
        self,
        metric: Literal["share", "counts", "trees", "tree-sizes", "depth", "leaves",
                        "issues"] = "share",
        by: str = "family", freq: str = "month", since: DateLike = None,
        until: DateLike = None, relation: str | None = None, limit: int = 0,
        population: str | None = None,
    ) -> pd.DataFrame:
        """Derivative metrics (docs/lineage.md): share of new derivatives by root group,
        counts, trees, tree sizes, depth, leaves, graph issues (share and counts read
        one population)."""
        return self._rows("derivatives", {
            "metric": metric, "by": by, "freq": freq, "since": since, "until": until,
            "relation": relation, "limit": limit, "population": population})

    # -- adoption ---------------------------------------------------------------------------
    def share(
        self, by: Literal["region", "country", "org", "family", "kind"] = "region",
        metric: Literal["downloads", "likes", "models", "downloads_alltime",
                        "derivatives"] = "downloads",
        attribution: Literal["direct", "root"] = "direct",
        freq: Literal["month", "snapshot"] = "month",
        since: DateLike = None, until: DateLike = None, top: int | None = None,
        population: str | None = None, regions: Literal["default", "atom"] = "default",
        present_at_end: bool = False,
    ) -> pd.DataFrame:
        """Adoption share per period and group of one population, with coverage
        (docs/metrics.md)."""
        return self._rows("share", {
            "by": by, "metric": metric, "attribution": attribution, "freq": freq,
            "since": since, "until": until, "top": top, "population": population,
            "regions": regions, "present_at_end": present_at_end})

    def top(
        self, by: Literal["region", "country", "org", "family", "kind"] = "org",
        metric: Literal["downloads", "likes", "models", "downloads_alltime",
                        "derivatives"] = "downloads",
        attribution: Literal["direct", "root"] = "direct", population: str | None = None,
        present_at_end: bool = False, period: DateLike = None, n: int = 15,
        min_value: float | None = None, since: DateLike = None, until: DateLike = None,
    ) -> pd.DataFrame:
        """The largest groups of one month that pass the substantial rule."""
        return self._rows("top", {
            "by": by, "metric": metric, "attribution": attribution, "population": population,
            "present_at_end": present_at_end, "period": period, "n": n,
            "min_value": min_value, "since": since, "until": until})

    def concentration(
        self, attribution: Literal["direct", "root"] = "direct",
        freq: Literal["month", "snapshot"] = "month",
        since: DateLike = None, until: DateLike = None, population: str | None = None,
        present_at_end: bool = False,
    ) -> pd.DataFrame:
        """Per period: total downloads, orgs, HHI (0-10,000), top-10, community and
        unknown-attribution share, with population and coverage."""
        return self._rows("concentration", {
            "attribution": attribution, "freq": freq, "since": since, "until": until,
            "population": population, "present_at_end": present_at_end})

    def cadence(self, monthly: bool = False, since: DateLike = None, until: DateLike = None,
                limit: int = 0, population: str | None = None, catalogued: bool = False
                ) -> pd.DataFrame:
        """Per org: models, mainline models, first/last release, median days between
        mainline releases; ``monthly``: new models per org and month (one population;
        ``catalogued``: only organisations of the catalog)."""
        return self._rows("cadence", {"monthly": monthly, "since": since, "until": until,
                                      "limit": limit, "population": population,
                                      "catalogued": catalogued})

    def ram(self, model_id: str | None = None, baseline_quarter: str = "2025Q4"
            ) -> pd.DataFrame:
        """ATOM Relative Adoption Metric of one model at each age (7..365 days), or every
        (model, age) the snapshots allow when ``model_id`` is None; modelatlas' and
        ATOM's definitions side by side."""
        return self._rows("ram", {"model_id": model_id, "baseline_quarter": baseline_quarter})

    def ram_inputs(self) -> dict[str, Any]:
        """What RAM can rest on: models, dated, sized, sized and observed at RAM ages."""
        return self._object("ram-inputs", {})

    def ram_leaders(self, days: int = 30, top: int = 10,
                    definition: Literal["modelatlas", "atom"] = "modelatlas",
                    baseline_quarter: str = "2025Q4") -> pd.DataFrame:
        """The ``top`` models by RAM (or ATOM's RAM) at age ``days``."""
        return self._rows("ram-leaders", {"days": days, "top": top, "definition": definition,
                                          "baseline_quarter": baseline_quarter})

    # -- licences ---------------------------------------------------------------------------
    def licenses(self, license_id: str | None = None, usage: bool = False,
                 unmapped: bool = False, by: str = "license"
                 ) -> pd.DataFrame | dict[str, Any]:
        """The licence catalog (a table), one licence (a dict), ``usage`` per licence or
        group, or ``unmapped`` raw values. See docs/licences.md."""
        return self._either("licenses", {"license_id": license_id, "usage": usage,
                                         "unmapped": unmapped, "by": by})

    def license_mix(self, weight: Literal["models", "downloads"] = "models",
                    freq: Literal["month", "snapshot"] = "month",
                    since: DateLike = None, until: DateLike = None,
                    population: str | None = None,
                    regions: Literal["default", "atom"] = "default") -> pd.DataFrame:
        """Licence mix per region and period (share within region), with coverage."""
        return self._rows("license-mix", {"weight": weight, "freq": freq, "since": since,
                                          "until": until, "population": population,
                                          "regions": regions})

    def changes(self, since: DateLike = None, until: DateLike = None,
                kind: str | None = None, model: str | None = None,
                limit: int = 0) -> pd.DataFrame:
        """Licence and access change events, newest first."""
        return self._rows("changes", {"since": since, "until": until, "kind": kind,
                                      "model": model, "limit": limit})

    # -- openness ---------------------------------------------------------------------------
    def openness(self, target: str | None = None,
                 framework: Literal["osai", "mof", "osaid", "profile"] = "profile",
                 by: Literal["region", "country"] | None = None,
                 edition: Literal["2023", "2026"] | None = None
                 ) -> pd.DataFrame | dict[str, Any]:
        """A framework's entries (a table), one system or model (a dict), OSAID verdicts,
        or openness by origin (``by``: a table per region or country)."""
        return self._either("openness", {"target": target, "framework": framework, "by": by,
                                         "edition": edition})

    # -- beyond queries -------------------------------------------------------------------
    def check(self, target: str, use: str = "commercial", users: int | None = None,
              online: bool = False, endpoint: str | None = None, download: bool = False
              ) -> dict[str, Any]:
        """Due diligence on a Hub id or local folder (the ``check --json`` object);
        ``online`` walks the chain through the Hub API, ``download`` also scans the
        weight files (within ``MODELATLAS_CHECK_DOWNLOAD_MAX`` bytes)."""
        from modelatlas.check import check

        if self.engine != "duckdb":
            raise UsageError("check reads one model from a DuckDB store; open the store "
                             "without engine='spark'")
        return check(target, reader=self.reader, use=use, users=users, online=online,
                     endpoint=endpoint, download=download).as_dict()

    def report(self, out: str | Path, since: DateLike = None, until: DateLike = None,
               population: str | None = None,
               regions: Literal["default", "atom"] = "default") -> Path:
        """Write the HTML/Markdown/CSV/Parquet report to folder ``out``; the path of
        index.html (``population``: the one the download sections read)."""
        from modelatlas.report import build_report

        return build_report(self, Path(out), since=since, until=until,
                            population=population, regions=regions).html
