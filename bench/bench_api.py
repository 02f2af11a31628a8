"""The read door under load: every ``/api/*`` query, the CLI, and a raw DuckDB baseline.

Measures, on one store, in one run (machine load recorded):

- **cold start**: ``modelatlas serve`` from process start to its first answer;
- **p50/p95 latency per query** after one warm-up call each, sequential, on loopback;
- **throughput** with 4 concurrent clients over a mix of every query;
- **CLI vs raw DuckDB**: ``modelatlas <query> --json`` as a whole process against a
  fresh Python process that opens the store read-only, runs the statements the
  query needs (recorded from the query itself, so both sides compute the same answer)
  and writes the last statement's rows as a JSON document, as ``--json`` does.

    python bench/bench_api.py --store /tmp/big/atlas.duckdb --out bench/results/api.json
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from modelatlas.atlas import Atlas
from modelatlas.queries import Query, Sql, all_queries
from modelatlas.queries._engine import Reader
from modelatlas.store.db import open_store

PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def requests_for(db: Path) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """(label, path, params, cli argv) for every registered query, with a realistic
    positional value taken from the store."""
    with Atlas.open(db) as atlas:
        top = atlas.models(limit=1)
        model = str(top["id"].iloc[0]) if not top.empty else "none/none"
        trees = atlas.derivatives("trees", limit=1)
        root = str(trees["root"].iloc[0]) if not trees.empty else model
    out: list[tuple[str, str, dict[str, Any], list[str]]] = []
    for q in all_queries():
        pos = q.positional()
        params: dict[str, Any] = {}
        if any(p.name == "limit" for p in q.params):
            params["limit"] = 50
        if q.name == "share":
            params["top"] = 50
        argv = [q.name]
        path = f"/api/{q.name}"
        if (pos is not None and pos.required) or q.name in ("lineage", "ram"):
            value = root if q.name == "lineage" else model
            path += f"/{value}"
            argv.append(value)
        for k, v in params.items():
            argv += [q.param(k).option, str(v)]
        out.append((q.name, path, params, argv))
        if q.name == "share":
            for by in ("org", "family"):
                for attr in ("direct", "root"):
                    p2 = {**params, "by": by, "attribution": attr}
                    out.append((f"share[{by},{attr}]", path, p2,
                                [*argv, "--by", by, "--attribution", attr]))
        if q.name == "licenses":
            # the bare command lists the shipped catalog (no store read); these two read
            # the store
            out.append(("licenses[usage]", path, {"usage": True}, [*argv, "--usage"]))
            out.append(("licenses[unmapped]", path, {"unmapped": True},
                        [*argv, "--unmapped"]))
    return out


class Recorder(Reader):
    """Keeps every statement (intermediates first) a query runs."""

    def __init__(self, *a: Any, **kw: Any) -> None:
        super().__init__(*a, **kw)
        self.script: list[tuple[str, dict[str, Any]]] = []

    def execute(self, sql: Sql) -> tuple[list[str], list[tuple[Any, ...]]]:
        for name, inter in sql.intermediates:
            for sub_name, sub in inter.intermediates:
                self.script.append((f"CREATE OR REPLACE TABLE {sub_name} AS {sub.text}",
                                    dict(sub.params)))
            self.script.append((f"CREATE OR REPLACE TABLE {name} AS {inter.text}",
                                dict(inter.params)))
        self.script.append((sql.text, dict(sql.params)))
        return super().execute(sql)

    def temp(self, sql: Sql) -> str:
        name = super().temp(sql)
        self.script.append((f"CREATE OR REPLACE TABLE {name} AS {sql.text}", dict(sql.params)))
        return name


RAW = """
import duckdb, json, re, sys, datetime as dt
script = json.loads(sys.stdin.read())
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("ATTACH ':memory:' AS ma_cache (READ_WRITE)")
rows, cur = [], None
for text, params in script:
    def typed(v):
        iso = isinstance(v, str) and re.fullmatch(r"\\d{4}-\\d\\d-\\d\\d", v)
        return dt.date.fromisoformat(v) if iso else v
    used = {k: typed(v) for k, v in params.items() if re.search(r"\\$" + k + r"\\b", text)}
    cur = con.execute(text, used)
    rows = cur.fetchall()
# The answer as a document, as the CLI's --json gives it: a raw user who wants the
# same answer has to encode it too.
names = [d[0] for d in (cur.description or [] if cur is not None else [])]
sys.stdout.write(json.dumps([dict(zip(names, r)) for r in rows], default=str,
                            ensure_ascii=False) + "\\n")
"""


def raw_script(db: Path, q: Query, params: dict[str, Any], pos: str | None) -> str:
    raw = dict(params)
    if pos is not None:
        raw[q.positional().name] = pos  # type: ignore[union-attr]
    with open_store(db, read_only=True) as st:
        rec = Recorder(st)
        rec.run(q, q.parse(raw))
    def enc(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v
    return json.dumps([(t, {k: enc(v) for k, v in p.items()}) for t, p in rec.script])


def timed(cmd: list[str], stdin: str | None = None, env: dict[str, str] | None = None
          ) -> float:
    t0 = time.perf_counter()
    res = subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env,
                         check=False)
    dt_ = time.perf_counter() - t0
    if res.returncode not in (0, 3):
        raise RuntimeError(f"{cmd[:4]} failed: {res.stderr[-400:]}")
    return dt_


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, round(p / 100 * (len(xs) - 1))))
    return xs[k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--repeat", type=int, default=20, help="Sequential calls per query.")
    ap.add_argument("--seconds", type=float, default=20.0, help="Concurrent phase length.")
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--cli-repeat", type=int, default=3)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    db = args.store.resolve()
    load_before = os.getloadavg()
    reqs = requests_for(db)
    result: dict[str, Any] = {"store": str(db), "load_before": load_before}
    with open_store(db, read_only=True) as st:
        result["stats"] = Atlas(st).stats()

    # -- cold start ----------------------------------------------------------------------
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t0 = time.perf_counter()
    proc = subprocess.Popen([PY, "-m", "modelatlas", "--db", str(db), "serve", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with httpx.Client(base_url=base, timeout=1800) as c:  # first answers compute cubes
            while True:
                try:
                    c.get("/api/stats").raise_for_status()
                    break
                except httpx.TransportError:
                    if proc.poll() is not None:
                        raise SystemExit("serve exited") from None
                    time.sleep(0.05)
            result["cold_start_s"] = time.perf_counter() - t0
            t1 = time.perf_counter()
            c.get("/api/share", params={"top": 50}).raise_for_status()
            result["first_share_s"] = time.perf_counter() - t1

            # -- warm-up, then sequential latency per query ----------------------------------
            per: dict[str, dict[str, float]] = {}
            for label, path, params, _ in reqs:
                w0 = time.perf_counter()
                r = c.get(path, params=params)
                warm = time.perf_counter() - w0
                if r.status_code != 200:
                    raise SystemExit(f"{label}: {r.status_code} {r.text[:200]}")
                lat = []
                for _ in range(args.repeat):
                    s0 = time.perf_counter()
                    c.get(path, params=params).raise_for_status()
                    lat.append(time.perf_counter() - s0)
                per[label] = {"warmup_ms": warm * 1000,
                              "p50_ms": statistics.median(lat) * 1000,
                              "p95_ms": percentile(lat, 95) * 1000}
            result["latency"] = per

        # -- concurrent clients ----------------------------------------------------------
        done = [0] * args.clients
        errors = [0] * args.clients
        stop = time.perf_counter() + args.seconds

        def client(i: int) -> None:
            with httpx.Client(base_url=base, timeout=600) as cc:
                k = i
                while time.perf_counter() < stop:
                    _, path, params, _ = reqs[k % len(reqs)]
                    k += 1
                    r = cc.get(path, params=params)
                    if r.status_code == 200:
                        done[i] += 1
                    else:
                        errors[i] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
        c0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        span = time.perf_counter() - c0
        result["concurrent"] = {"clients": args.clients, "seconds": span,
                                "requests": sum(done), "errors": sum(errors),
                                "rps": sum(done) / span}
        result["load_after_server"] = os.getloadavg()
        save(result, args.out)
    finally:
        proc.terminate()
        proc.wait(timeout=30)

    # -- CLI vs raw DuckDB (whole processes) ----------------------------------------------
    # Bytecode caching on, as on a user's machine (this workplace sets
    # PYTHONDONTWRITEBYTECODE, which makes every process recompile every module it imports).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["MODELATLAS_DB"] = str(db)
    cli: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        raw_py = Path(tmp) / "raw.py"
        raw_py.write_text(RAW, encoding="utf-8")
        for label, _path, params, argv in reqs:
            q = next(x for x in all_queries() if x.name == argv[0])
            pos = argv[1] if len(argv) > 1 and not argv[1].startswith("--") else None
            script = raw_script(db, q, dict(params), pos)
            raw_t = min(timed([PY, str(raw_py), str(db)], stdin=script, env=env)
                        for _ in range(args.cli_repeat))
            cli_t = min(timed([PY, "-m", "modelatlas", *argv, "--json"], env=env)
                        for _ in range(args.cli_repeat))
            cli[label] = {"cli_s": cli_t, "raw_s": raw_t, "ratio": cli_t / raw_t,
                          "load": os.getloadavg()[0]}
            result["cli"] = cli
            save(result, args.out)  # after each query: a long run keeps what it measured
    result["load_after"] = os.getloadavg()
    print(save(result, args.out))


def save(result: dict[str, Any], out: Path | None) -> str:
    """Write the results so far (the JSON document) and return its text."""
    text = json.dumps(result, indent=2, default=str)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return text


if __name__ == "__main__":
    main()
