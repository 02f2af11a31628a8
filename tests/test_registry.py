"""The one read door: every registered query, walked from the registry.

- every statement a query runs (intermediates included), for every parameter
  combination, transpiles to Spark SQL;
- the CLI (``--json``), ``GET /api/<command>`` and the Python method give the
  same answer on the same store;
- the CLI's usage errors are one line and exit 2.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from fastapi.testclient import TestClient

from modelatlas.atlas import Atlas
from modelatlas.cli.output import to_json
from modelatlas.openness import imports
from modelatlas.pipeline import ingest_files
from modelatlas.queries import Query, Sql, all_queries
from modelatlas.queries._engine import Reader
from modelatlas.store.db import open_store
from modelatlas.synth import SynthConfig, write_snapshots
from modelatlas.web import create_app
from tests.clirunner import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "openness"
#: Queries whose run functions still read around the Reader seam (none left).
NOT_YET_PORTABLE: set[str] = set()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("registry")
    files = write_snapshots(SynthConfig(models=1500, snapshots=4, seed=3), tmp / "sim")
    path = tmp / "atlas.duckdb"
    with open_store(path) as st:
        ingest_files(st, files)
        imports.import_osai(st, FIXTURES / "osai")
        imports.import_osai(st, FIXTURES / "osai2026")
        imports.import_mof(st, FIXTURES / "mof" / "models")
    return path


def _positional_value(q: Query, db: Path) -> str | None:
    pos = q.positional()
    if pos is None:
        return None
    with Atlas.open(db) as atlas:
        if q.name in ("lineage", "ram"):
            top = atlas.derivatives("trees", limit=1)
            return str(top["root"].iloc[0])
        if q.name == "licenses":
            return "apache-2.0"
    return None


def _combos(q: Query) -> Iterator[dict[str, Any]]:
    """Every combination of choice and boolean parameters (others at their defaults)."""
    axes: list[tuple[str, list[Any]]] = []
    for p in q.params:
        if p.choices:
            axes.append((p.name, [*p.choices, None] if p.default is None else list(p.choices)))
        elif p.type == "bool":
            axes.append((p.name, [False, True]))
    names = [a for a, _ in axes]
    for values in itertools.product(*(v for _, v in axes)):
        yield dict(zip(names, values, strict=True))


def _one_at_a_time(q: Query) -> Iterator[dict[str, Any]]:
    """Defaults, then each choice of each parameter varied alone."""
    yield {}
    for p in q.params:
        for v in p.choices:
            if v != p.default:
                yield {p.name: v}
        if p.type == "bool":
            yield {p.name: True}


class Recorder(Reader):
    """A DuckDB reader that keeps every statement it runs."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.seen: list[str] = []

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        self.seen.append(sql.text)
        for _, inter in sql.intermediates:
            self.seen.append(inter.text)
            self.seen.extend(sub.text for _, sub in inter.intermediates)
        return super().execute(sql)

    def temp(self, sql: Sql) -> str:
        self.seen.append(sql.text)
        return super().temp(sql)


def _spark(text: str) -> str:
    # intermediate tables are plain table names to another engine
    text = text.replace("ma_cache.", "")
    return sqlglot.transpile(text, read="duckdb", write="spark",
                             unsupported_level=sqlglot.ErrorLevel.RAISE)[0]


def test_every_statement_of_every_query_transpiles_to_spark(db: Path) -> None:
    checked = 0
    with open_store(db, read_only=True) as st:
        rec = Recorder(st)
        for q in all_queries():
            if q.name in NOT_YET_PORTABLE:
                continue
            pos = _positional_value(q, db)
            for combo in _combos(q):
                raw = dict(combo)
                if pos is not None:
                    raw[q.positional().name] = pos  # type: ignore[union-attr]
                try:
                    args = q.parse(raw)
                except Exception:  # an invalid combination is refused before any SQL
                    continue
                rec.seen.clear()
                try:
                    rec.run(q, args)
                except Exception as exc:
                    assert type(exc).__name__ in ("NotFoundError", "UsageError"), (q.name, combo)
                if q.name != "licenses" or raw.get("usage") or raw.get("unmapped"):
                    assert rec.seen, f"{q.name} {combo} ran no SQL through the reader"
                for text in rec.seen:
                    spark = _spark(text)
                    sqlglot.parse_one(spark, read="spark")
                    checked += 1
    assert checked > 300


@pytest.fixture(scope="module")
def client(db: Path) -> Iterator[TestClient]:
    app = create_app(db, watch=False)
    with TestClient(app, base_url="http://127.0.0.1") as c:  # the Host allowlist
        yield c
    app.state.shared.close()


def _cli_args(q: Query, raw: dict[str, Any], pos: str | None) -> list[str]:
    args = [q.name]
    if pos is not None:
        args.append(pos)
    for name, value in raw.items():
        p = q.param(name)
        if p.type == "bool":
            if value:
                args.append(p.option)
        elif value is not None:
            args += [p.option, str(value)]
    return [*args, "--json"]


def _close(a: Any, b: Any) -> bool:
    """Equal documents, floats within 1e-9 (parallel sums may differ in the last bit)."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def test_cli_http_and_python_agree_for_every_query(db: Path, client: TestClient) -> None:
    compared = 0
    for q in all_queries():
        pos = _positional_value(q, db)
        if q.positional() is not None and q.positional().required and pos is None:  # type: ignore[union-attr]
            continue
        for raw in _one_at_a_time(q):
            names = {p.name for p in q.params}
            if "limit" in names:   # the web always pages; ask both doors for one page
                raw = {"limit": 50, **raw}
            if q.name == "share":  # the web folds small groups by default; ask the same
                raw = {"top": 20, **raw}
            cli = run_cli("--db", str(db), *_cli_args(q, raw, pos))
            path = f"/api/{q.name}" + (f"/{pos}" if pos is not None else "")
            http = client.get(path, params={k: (str(v).lower() if isinstance(v, bool) else v)
                                            for k, v in raw.items() if v is not None})
            if cli.code != 0:   # refused the same way by both doors (e.g. --by needs --usage)
                assert 400 <= http.status_code < 500, (q.name, raw, http.text[:300])
                assert cli.err.strip() == "error: " + http.json()["error"], (q.name, raw)
                continue
            assert http.status_code == 200, (q.name, raw, http.text[:300])
            with Atlas.open(db) as atlas:
                params = dict(raw)
                if pos is not None:
                    params[q.positional().name] = pos  # type: ignore[union-attr]
                py = atlas.run(q, params).document()
            doc_cli = json.loads(cli.out)
            assert _close(doc_cli, http.json()), (q.name, raw)
            assert _close(doc_cli, json.loads(to_json(py))), (q.name, raw)
            compared += 1
    assert compared > 60


@pytest.mark.parametrize("argv", [
    ["share", "--bogus"], ["check"], ["nosuch"], ["derivatives", "--limit", "abc"],
    ["share", "--by", "planet"], ["models", "--limit", "-1"], ["share", "--since", "May"],
    ["ingest"], ["ingest", "file"], ["lineage"],
])
def test_usage_errors_are_one_line_exit_2(argv: list[str], tmp_path: Path) -> None:
    res = run_cli("--db", str(tmp_path / "none.duckdb"), *argv)
    if argv == ["ingest"]:   # a group alone prints its help
        assert res.code == 0 and "file" in res.out
        return
    assert res.code == 2, (argv, res)
    assert res.err.count("\n") == 1 and res.err.startswith("error: "), res.err
    assert "Traceback" not in res.err


def test_version_and_help() -> None:
    from modelatlas import __version__

    res = run_cli("--version")
    assert res.code == 0 and res.out.strip() == f"modelatlas {__version__}"
    for argv in (["-h"], ["share", "-h"], []):
        res = run_cli(*argv)
        assert res.code == 0 and "usage:" in res.out and not res.err


def test_queries_endpoint_lists_every_query(client: TestClient) -> None:
    listed = {d["name"]: d for d in client.get("/api/queries").json()}
    assert set(listed) == {q.name for q in all_queries()}
    assert {"name": "by", "choices": ["region", "country", "org", "family", "kind"]}.items() \
        <= next(p for p in listed["share"]["params"] if p["name"] == "by").items()
    schema = client.get("/openapi.json").json()
    share = schema["paths"]["/api/share"]["get"]
    assert {"400", "404", "422", "503"} <= set(share["responses"])
    by = next(p for p in share["parameters"] if p["name"] == "by")
    assert by["schema"]["anyOf"][0].get("enum") or by["schema"].get("enum")


@pytest.mark.parametrize("path,params", [
    ("/api/models", {"limit": -5}), ("/api/models", {"limit": 10**9}),
    ("/api/models", {"limit": 0}), ("/api/lineage/" + "x" * 5000, {}),
    ("/api/share", {"by": "planet"}), ("/api/share", {"since": "2026-13"}),
    ("/api/changes", {"limit": "abc"}), ("/api/lineage/no/such-model", {}),
])
def test_out_of_range_values_are_4xx(client: TestClient, path: str,
                                     params: dict[str, Any]) -> None:
    r = client.get(path, params=params)
    assert 400 <= r.status_code < 500, (path, params, r.status_code, r.text[:200])
