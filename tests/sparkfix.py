"""One local Spark (``local[2]``) per test module, for the tests/test_spark*.py files.

The Spark tests skip cleanly on a machine without PySpark or Java, except in CI
(``CI`` set), where .ci/run installs both: there a missing engine fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: Small and quick: two cores, one shuffle partition, a small driver heap, and no
#: per-query compilation or re-planning (on a few thousand rows Spark spends its time
#: compiling and re-optimising, not computing: this halves the conformance run).
TEST_CONF = {
    "spark.sql.shuffle.partitions": "1",
    "spark.default.parallelism": "2",
    "spark.sql.adaptive.enabled": "false",
    "spark.sql.codegen.wholeStage": "false",
    "spark.driver.memory": "1g",
    "spark.sql.autoBroadcastJoinThreshold": str(64 * 1024 * 1024),
}


def local_spark() -> Iterator[SparkSession]:
    """Start ``local[2]`` Spark, yield it, stop it."""
    from modelatlas.errors import EngineError
    from modelatlas.spark import session

    t = session.Target(master="local[2]")
    try:
        session.require(t)
    except EngineError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the Spark tests: {exc}")
        pytest.skip(str(exc))
    conf = dict(TEST_CONF)
    conf["spark.driver.extraJavaOptions"] = (
        "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 "
        f"-Dlog4j2.configurationFile={session.LOG4J.as_uri()}")
    spark = session.start(t, conf)
    try:
        yield spark
    finally:
        session.stop(spark)
