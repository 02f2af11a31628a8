"""Populations recorded at ingest (issue 12, phase 2): each source declares what its
snapshots cover, ``--population`` overrides it, and the ``snapshot_populations`` view
reads the recorded value (the inference only for snapshots ingested before migration
0351)."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from modelatlas.atlas import Atlas
from modelatlas.crawl.run import ingest_hub
from modelatlas.errors import UsageError
from modelatlas.metrics.populations import RECORDABLE
from modelatlas.pipeline import ingest_files
from modelatlas.sources import registry
from modelatlas.sources.hub_api import HubClient, RetryPolicy
from modelatlas.store import open_store
from modelatlas.store.db import Store
from tests.adoption_data import load, obs
from tests.clirunner import run_cli
from tests.fakehub import FakeHub, make_models, running
from tests.test_metrics_populations import trending

D1 = dt.date(2026, 3, 1)


def recorded(store: Store) -> dict[str, tuple[str, str, str]]:
    """snapshot -> (recorded population, by, what the view says)."""
    rows = store.con.execute(
        "SELECT CAST(s.snapshot AS VARCHAR), s.population, s.population_by, v.population"
        " FROM snapshots s JOIN snapshot_populations v USING (source, snapshot)"
        " ORDER BY 1").fetchall()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def tags_csv(tmp: Path, day: str, hour: str, ids: list[str]) -> Path:
    """One hourly new-model list (the layout of hf-new-models)."""
    p = tmp / f"new-models-{day}T{hour}-00-00Z.csv"
    lines = ["created_at,model,author,downloads,likes,tags"] + [
        f"{day}T{hour}:00:00Z,{m},{m.split('/')[0]},0,0,transformers" for m in ids]
    p.write_text("\r\n".join(lines) + "\r\n")
    return p


def test_every_format_declares_a_recordable_population() -> None:
    fmts = registry.formats()
    assert {f.population for f in fmts.values()} <= set(RECORDABLE)
    assert fmts["hub-parquet"].population == "hub"
    assert fmts["trending-parquet"].population == "trending"
    assert fmts["tags-csv"].population == "new-models"


def test_ingest_records_what_the_source_declares(store: Store, tmp_path: Path) -> None:
    load(store, tmp_path, [obs("a/x", "2025-01-31", 10)])
    assert not ingest_files(store, [trending(tmp_path, "2025-03-10", [("a/x", 7)]),
                                    tags_csv(tmp_path, "2025-04-02", "10", ["n/new"])]).failed
    assert recorded(store) == {
        "2025-01-31": ("hub", "source", "hub"),
        "2025-03-10": ("trending", "source", "trending"),
        "2025-04-02": ("new-models", "source", "new-models"),
    }


def test_population_option_overrides_and_reingest_relabels_without_new_rows(
        store: Store, tmp_path: Path) -> None:
    f = trending(tmp_path, "2025-03-10", [("a/x", 7), ("c/z", 9)])
    ingest_files(store, [f], population="curated")
    assert recorded(store)["2025-03-10"] == ("curated", "user", "curated")
    before = store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0]
    ingest_files(store, [f], population="hub-partial")
    assert recorded(store)["2025-03-10"] == ("hub-partial", "user", "hub-partial")
    assert store.con.execute("SELECT count(*) FROM observations").fetchall()[0][0] == before
    assert store.con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0] == 1
    # Without the option, the source's declaration never overrides a user's choice.
    ingest_files(store, [f])
    assert recorded(store)["2025-03-10"] == ("hub-partial", "user", "hub-partial")
    assert set(Atlas(store).share(by="org", population="hub-partial")["population"]) == {
        "hub-partial"}


def test_a_full_listing_supersedes_another_sources_declaration(
        store: Store, tmp_path: Path) -> None:
    ingest_files(store, [trending(tmp_path, "2025-01-31", [("a/x", 7)])])
    assert recorded(store)["2025-01-31"][0] == "trending"
    load(store, tmp_path, [obs("a/x", "2025-01-31", 10)])
    assert recorded(store)["2025-01-31"] == ("hub", "source", "hub")
    # ... but a filtered file of the same date does not downgrade it.
    ingest_files(store, [trending(tmp_path, "2025-01-31", [("a/x", 8)])])
    assert recorded(store)["2025-01-31"] == ("hub", "source", "hub")


def test_an_input_that_joins_another_populations_snapshot_is_said(
        store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ingest_files(store, [trending(tmp_path, "2025-03-10", [("a/x", 7)])])
    same_day = tags_csv(tmp_path, "2025-03-10", "10", ["n/new"])
    summary = ingest_files(store, [same_day])
    assert recorded(store)["2025-03-10"][0] == "trending"
    assert len(summary.population_notes) == 1
    note = summary.population_notes[0]
    assert "2025-03-10" in note and "'trending'" in note and "new-models" in note
    assert summary.as_dict()["population_notes"] == summary.population_notes
    # an input of the snapshot's own population says nothing
    assert ingest_files(store, [trending(tmp_path, "2025-03-10", [("a/x", 8)])]
                        ).population_notes == []
    from modelatlas.cli.commands.ingest import _report

    _report(summary, as_json=False)
    assert "note: snapshot hf 2025-03-10 stays population 'trending'" in capsys.readouterr().err


def test_snapshots_ingested_before_the_migration_fall_back_to_inference(
        store: Store, tmp_path: Path) -> None:
    ingest_files(store, [trending(tmp_path, "2025-03-10", [("a/x", 7)])])
    store.con.execute("UPDATE snapshots SET population = NULL, population_by = NULL")
    row = store.con.execute("SELECT population, population_by FROM snapshot_populations"
                            ).fetchall()
    assert row == [("trending", "inferred")]


def test_bad_population_is_a_usage_error(store: Store, tmp_path: Path,
                                         db_path: Path) -> None:
    f = trending(tmp_path, "2025-03-10", [("a/x", 7)])
    with pytest.raises(UsageError, match="--population must be one of"):
        ingest_files(store, [f], population="atom")
    res = run_cli("--db", str(db_path), "ingest", "file", "--population", "everything", str(f))
    assert res.code == 2 and "Traceback" not in res.err
    res = run_cli("--db", str(db_path), "ingest", "file", "--population", "sample", str(f))
    assert res.code == 2
    res = run_cli("--db", str(db_path), "ingest", "file", "--population", "new-models", str(f))
    assert res.code == 0, res.err
    with open_store(db_path) as st:
        assert recorded(st)["2025-03-10"] == ("new-models", "user", "new-models")


def _client(url: str) -> HubClient:
    pol = RetryPolicy(attempts=4, base=0.001, cap=0.01, timeout=2.0, wait_scale=0.0)
    return HubClient(url, policy=pol, sleep=lambda s: None, rng=random.Random(1))


def test_crawls_declare_full_or_partial_and_take_the_option(store: Store) -> None:
    hub = FakeHub(make_models(60), malformed=[])
    with running(hub), _client(hub.base) as cl:
        ingest_hub(store, client=cl, snapshot=D1)
        ingest_hub(store, client=cl, limit=10, snapshot=D1 + dt.timedelta(days=1))
        ingest_hub(store, client=cl, limit=10, snapshot=D1 + dt.timedelta(days=2),
                   population="trending")
        with pytest.raises(UsageError):
            ingest_hub(store, client=cl, snapshot=D1, population="nope")
    assert recorded(store) == {
        "2026-03-01": ("hub", "source", "hub"),
        "2026-03-02": ("hub-partial", "source", "hub-partial"),
        "2026-03-03": ("trending", "user", "trending"),
    }
