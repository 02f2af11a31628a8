"""Starting (or reaching) Spark: one-line errors when PySpark or Java is missing.

Where the session comes from, first match wins:

1. ``--spark-master URL`` / ``MODELATLAS_SPARK_MASTER``: ``sc://host:15002`` is a
   Spark Connect server; anything else (``local[4]``, ``spark://host:7077``,
   ``yarn``, ``k8s://...``) a classic master this process drives through a local JVM;
2. ``SPARK_REMOTE`` (PySpark's own variable): a Spark Connect server;
3. ``local[*]``: Spark inside this process's JVM, every core of this machine.

A classic session needs Java (a JRE 17+, as Spark 4 does); Spark Connect needs
none (the client speaks gRPC). Settings that make Spark answer like DuckDB are
fixed here, once: UTC session time, non-ANSI arithmetic (an out-of-range list
index or a division by zero is NULL, not a failure), microsecond Parquet
timestamps that every other reader understands.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelatlas import settings
from modelatlas.errors import EngineError, UsageError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[*]"
INSTALL_HINT = "pip install 'modelatlas[spark]'"
#: Spark configuration that makes answers equal to DuckDB's (see the module docstring).
SEMANTICS: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.int96RebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInWrite": "CORRECTED",
    "spark.sql.parquet.datetimeRebaseModeInRead": "CORRECTED",
    "spark.sql.parquet.int96RebaseModeInRead": "CORRECTED",
    "spark.sql.caseSensitive": "false",
}
#: Quiet, headless defaults for a session this process starts (a user's
#: spark-defaults.conf still applies to anything not named here).
LOCAL_DEFAULTS: dict[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.catalogImplementation": "in-memory",
}
LOG4J = Path(__file__).with_name("log4j2.properties")


@dataclass(frozen=True)
class Target:
    """Which Spark to use: a classic master URL, or a Spark Connect URL."""

    master: str | None = None
    remote: str | None = None

    @property
    def local(self) -> bool:
        """True for an in-process master (``local``, ``local[N]``, ``local[*]``)."""
        return self.remote is None and (self.master or "").startswith("local")

    def describe(self) -> str:
        return self.remote or self.master or DEFAULT_MASTER


def target(master: str | None = None) -> Target:
    """Resolve ``--spark-master`` / ``MODELATLAS_SPARK_MASTER`` / ``SPARK_REMOTE``."""
    url = (master or settings.get("spark_master") or "").strip()
    if url.startswith("sc://"):
        return Target(remote=url)
    if url:
        if len(url) > 1024 or any(c.isspace() for c in url):
            raise UsageError(f"--spark-master is not a master URL: {url[:80]!r}")
        return Target(master=url)
    remote = settings.get("spark_remote").strip()
    if remote:
        if not remote.startswith("sc://"):
            raise UsageError(f"SPARK_REMOTE must be a Spark Connect URL (sc://host:port), "
                             f"not {remote[:80]!r}")
        return Target(remote=remote)
    return Target(master=DEFAULT_MASTER)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """PySpark warns that pandas 3 is 'not yet fully supported' whenever it touches
    Arrow; modelatlas never converts through pandas on Spark (Arrow tables and Rows
    only), so that warning says nothing about our use and must not reach users."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support",
                                category=FutureWarning)
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="pyspark")
        yield


def java() -> str | None:
    """The ``java`` a classic session would start: ``$JAVA_HOME/bin/java``, else PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        exe = Path(home) / "bin" / "java"
        return str(exe) if exe.is_file() else None
    return shutil.which("java")


def require(t: Target) -> None:
    """One-line errors (exit 1) for what this machine lacks to reach Spark."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineError(f"--engine spark needs PySpark: {INSTALL_HINT}") from None
    if t.remote is not None:
        try:
            with quiet():
                import grpc  # noqa: F401
        except ImportError:
            raise EngineError(f"Spark Connect needs the gRPC client: {INSTALL_HINT}") from None
        return
    if java() is None:
        where = "JAVA_HOME has no bin/java" if os.environ.get("JAVA_HOME") else \
            "no java on PATH"
        raise EngineError(f"--engine spark needs Java 17 or newer ({where}): install a JRE "
                          "(Debian: apt-get install default-jre-headless) or set JAVA_HOME, "
                          "or point SPARK_REMOTE at a Spark Connect server")


def start(t: Target | None = None, conf: Mapping[str, str] | None = None) -> SparkSession:
    """A Spark session for ``t`` (default: :func:`target`), with :data:`SEMANTICS` set.

    ``conf`` adds Spark settings (tests and the benchmark size the driver and the
    shuffle). Failing to start is an :class:`EngineError` with Spark's first line.
    """
    t = t or target()
    require(t)
    from pyspark.logger import PySparkLogger
    from pyspark.sql import SparkSession

    # PySpark logs every failed statement as a JSON document on stderr before raising;
    # modelatlas turns the failure into one line (EngineError), so those stay silent.
    for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
        PySparkLogger.getLogger(name).disabled = True

    opts: dict[str, Any] = {**SEMANTICS}
    if t.remote is None:
        opts.update(LOCAL_DEFAULTS)
        opts["spark.driver.extraJavaOptions"] = (
            f"-Dlog4j2.configurationFile={LOG4J.as_uri()}")
        opts["spark.sql.warehouse.dir"] = str(Path(tempfile.gettempdir())
                                              / "modelatlas-spark-warehouse")
        if t.local:
            cores = os.cpu_count() or 2
            opts["spark.sql.shuffle.partitions"] = str(max(2, 2 * cores))
            # Python workers (the ingest's record mapping) run this interpreter, which
            # has modelatlas installed; a cluster's executors need it installed too.
            # (PySpark reads PYSPARK_PYTHON from the environment, not from the conf.)
            opts["spark.pyspark.python"] = sys.executable
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            # In-process Spark listens on loopback only (and needs no resolvable host).
            opts["spark.driver.host"] = "127.0.0.1"
            opts["spark.driver.bindAddress"] = "127.0.0.1"
    opts.update(conf or {})
    builder = SparkSession.builder.appName("modelatlas")
    for k, v in opts.items():
        builder = builder.config(k, v)
    try:
        with quiet():
            if t.remote is not None:
                return builder.remote(t.remote).getOrCreate()
            # A named classic master wins over SPARK_REMOTE, which PySpark would
            # otherwise follow whatever master is set.
            saved = os.environ.pop("SPARK_REMOTE", None)
            try:
                return builder.master(t.master or DEFAULT_MASTER).getOrCreate()
            finally:
                if saved is not None:
                    os.environ["SPARK_REMOTE"] = saved
    except Exception as exc:  # Py4J, gRPC and JVM start-up failures have no common base
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise EngineError(f"could not start Spark ({t.describe()}): {first[:300]}") from exc


def active() -> SparkSession | None:
    """The session this process already runs (a notebook's, a test's), if any: a
    caller that finds one uses it and must not stop it."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        return None
    with quiet():
        return SparkSession.getActiveSession()


def stop(spark: SparkSession) -> None:
    """Stop a session this process started (never one it was handed)."""
    with contextlib.suppress(Exception), quiet():
        spark.stop()
