"""Conformance: every registered query answers the same on Spark as on DuckDB.

One synth store (the one tests/test_registry.py builds) is exported as a table
folder; Spark (``local[2]``) reads the folder, DuckDB the store. Every
parameter combination of every query (``test_registry._combos``) runs on DuckDB
through a recording reader; each distinct statement (SQL text and bound values)
then runs on Spark through the same query code, and the answers must be equal:
floats within 1e-9, and the same row order (rows may trade places only where
their sort keys are equal up to float rounding).

Combinations whose statements are identical to one already checked (most
``derivatives`` views ignore ``--by``, ``--freq`` and ``--relation``) are the
same Spark statement with the same values, so they are run once. By default
each distinct SQL text runs with one set of bound values (the first
combination that produced it); ``MODELATLAS_SPARK_CONFORMANCE=full`` runs every
distinct (text, values) pair too (about three times longer).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from modelatlas.atlas import Atlas
from modelatlas.cli.output import to_json
from modelatlas.openness import imports
from modelatlas.pipeline import ingest_files
from modelatlas.queries import Query, Sql, all_queries
from modelatlas.queries._engine import Reader
from modelatlas.spark import tables as tbl
from modelatlas.store.db import open_store
from modelatlas.synth import SynthConfig, write_snapshots
from tests.sparkfix import local_spark
from tests.test_registry import FIXTURES, NOT_YET_PORTABLE, _close, _combos, _one_at_a_time

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from modelatlas.spark.reader import SparkReader

spark = pytest.fixture(scope="module")(local_spark)
#: How much of the parameter space runs on Spark. Default (CI): every query with its
#: defaults and every choice of every parameter varied alone, so each SQL fragment a
#: parameter can produce runs at least once, in about a third of the time (Spark local
#: pays a fixed cost per statement). ``combos``: every combination of choices (distinct
#: SQL texts); ``full``: every distinct (text, values) pair. Run ``combos`` or ``full``
#: before a release and after changing a query (docs/scale.md).
MODE = os.environ.get("MODELATLAS_SPARK_CONFORMANCE", "")
FULL = MODE == "full"
COMBOS = MODE in ("combos", "full")


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(DuckDB store, its exported table folder)."""
    tmp = tmp_path_factory.mktemp("spark-conformance")
    files = write_snapshots(SynthConfig(models=1500, snapshots=4, seed=3), tmp / "sim")
    path = tmp / "atlas.duckdb"
    with open_store(path) as st:
        ingest_files(st, files)
        imports.import_osai(st, FIXTURES / "osai")
        imports.import_osai(st, FIXTURES / "osai2026")
        imports.import_mof(st, FIXTURES / "mof" / "models")
    with open_store(path, read_only=True) as st:
        tbl.export_store(st, tmp / "tables")
    return path, tmp / "tables"


@pytest.fixture(scope="module")
def reader(spark: SparkSession, stores: tuple[Path, Path]) -> Iterator[SparkReader]:
    from modelatlas.spark.reader import SparkReader

    r = SparkReader(spark, str(stores[1]), cache=True)
    yield r
    r.close()


class Recorder(Reader):
    """A DuckDB reader that keeps every statement (text and bound values) it runs."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.seen: list[tuple[str, str]] = []

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        values = json.dumps(sorted((k, str(v)) for k, v in sql.params.items()))
        self.seen.append((sql.text, values))
        return super().execute(sql)


def _doc(value: Any) -> Any:
    return json.loads(to_json(value))


def _as_sets(left: list[Any], right: list[Any]) -> bool:
    """``left`` and ``right`` hold the same rows (floats within 1e-9), in any order."""
    pool = list(right)
    for x in left:
        k = next((k for k, y in enumerate(pool) if _close(x, y)), None)
        if k is None:
            return False
        del pool[k]
    return True


def _same(duck: Any, spark: Any) -> bool:
    """Equal documents; rows may trade places only within short runs that match as
    sets (sort keys equal up to float rounding, e.g. ``value DESC`` ties)."""
    if _close(duck, spark):
        return True
    if not (isinstance(duck, list) and isinstance(spark, list)) or len(duck) != len(spark):
        return False
    i = 0
    while i < len(duck):
        if _close(duck[i], spark[i]):
            i += 1
            continue
        j = next((j for j in range(i + 2, min(len(duck), i + 8) + 1)
                  if _as_sets(duck[i:j], spark[i:j])), None)
        if j is None:
            return False
        i = j
    return True


def _positional(q: Query, db: Path) -> str | None:
    pos = q.positional()
    if pos is None:
        return None
    if q.name in ("lineage", "ram"):
        with Atlas.open(db) as atlas:
            return str(atlas.derivatives("trees", limit=1)["root"].iloc[0])
    return "apache-2.0" if q.name == "licenses" else None


def _cases(db: Path) -> list[tuple[Query, dict[str, Any], Any]]:
    """(query, typed arguments, DuckDB answer) for each distinct statement set."""
    out: list[tuple[Query, dict[str, Any], Any]] = []
    seen: set[tuple[Any, ...]] = set()
    with open_store(db, read_only=True) as st:
        rec = Recorder(st)
        for q in all_queries():
            if q.name in NOT_YET_PORTABLE:
                continue
            pos = _positional(q, db)
            for combo in (_combos(q) if COMBOS else _one_at_a_time(q)):
                raw = dict(combo)
                if pos is not None:
                    raw[q.positional().name] = pos  # type: ignore[union-attr]
                try:
                    args = q.parse(raw)
                except Exception:  # refused before any SQL, the same on every engine
                    continue
                rec.seen.clear()
                try:
                    answer: Any = _doc(rec.run(q, args).document())
                except Exception as exc:  # an expected refusal must be the same on Spark
                    answer = ("error", type(exc).__name__)
                key = (q.name, tuple(rec.seen) if FULL else tuple(t for t, _ in rec.seen),
                       json.dumps(answer, sort_keys=True) if not rec.seen else None)
                if key in seen:
                    continue
                seen.add(key)
                out.append((q, args, answer))
    return out


@pytest.mark.timeout(2400)
def test_every_query_answers_the_same_on_spark(stores: tuple[Path, Path],
                                               reader: SparkReader) -> None:
    cases = _cases(stores[0])
    portable = [q for q in all_queries() if q.name not in NOT_YET_PORTABLE]
    assert len(cases) > (250 if COMBOS else len(portable))
    assert {q.name for q, _, _ in cases} == {q.name for q in portable}

    def check(case: tuple[Query, dict[str, Any], Any]) -> str | None:
        q, args, want = case
        try:
            got: Any = _doc(reader.run(q, args).document())
        except Exception as exc:
            got = ("error", type(exc).__name__)
            return None if want == got else f"{q.name} {args}: {exc}"[:400]
        if not _same(want, got):
            return f"{q.name} {args}: duckdb {str(want)[:200]} spark {str(got)[:200]}"
        return None

    # Spark runs statements from several threads at once (planning one while another
    # executes); the answers do not depend on it.
    with ThreadPoolExecutor(max_workers=3) as pool:
        failures = [f for f in pool.map(check, cases) if f is not None]
    assert not failures, f"{len(failures)} of {len(cases)} differ:\n" + "\n".join(failures[:20])


def test_views_hold_the_same_rows_on_spark(stores: tuple[Path, Path],
                                           reader: SparkReader) -> None:
    """Views are not exported: Spark re-creates them from their translated
    definitions (``events`` reads its three parts, first basis wins)."""
    for name, _ in tbl.store_views():
        with open_store(stores[0], read_only=True) as st:
            cols = [r[0] for r in st.con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
                " ORDER BY ordinal_position", [name]).fetchall()]
            quoted = ", ".join(f'"{c}"' for c in cols)
            want = sorted(map(repr, st.con.execute(f"SELECT {quoted} FROM {name}").fetchall()))
        got = sorted(repr(tuple(r.values())) for r in reader.rows(
            f"SELECT {quoted} FROM {name}"))
        assert got == want, name
