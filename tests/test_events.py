"""Change events from synthetic snapshots: licence narrowed, gating, removal, reappearance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from modelatlas import derive
from modelatlas.atlas import Atlas
from modelatlas.sources.records import Batch, batch_from_rows
from modelatlas.store import tagsql
from modelatlas.store.db import Store
from modelatlas.store.history import capture_staged, mark_scope
from modelatlas.store.ingest import commit_input, new_run

S1, S2, S3, S4 = (dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1),
                  dt.date(2026, 4, 1))
CREATED = "2025-06-01T10:00:00Z"


def rec(mid: str, snap: dt.date, lic: str | None = "apache-2.0", gated: str | None = "false",
        created: str = "2025-01-01T00:00:00Z", **extra: Any) -> dict[str, Any]:
    tags = ["transformers"] + ([f"license:{lic}"] if lic else [])
    return {"id": mid, "snapshot": snap, "tags": tags, "gated": gated,
            "created_at": created, "downloads_30d": 10, **extra}


def ingest(store: Store, snap: dt.date, rows: list[dict[str, Any]], fmt: str) -> None:
    run = new_run(store, "test", fmt)
    commit_input(store, [Batch(batch_from_rows(rows))], run_id=run, source_label=fmt)
    mark_scope(store.con, "hf", [snap], fmt)
    derive.refresh(store)


def events(store: Store) -> set[tuple[str, str, dt.date, str | None, str | None]]:
    rows = store.rows('SELECT model_id, kind, "at", old, new FROM events')
    return {(r["model_id"], r["kind"], r["at"], r["old"], r["new"]) for r in rows}


def build(store: Store) -> None:
    ingest(store, S1, [
        rec("a/x", S1), rec("b/y", S1, "mit"), rec("c/z", S1), rec("d/w", S1),
        rec("e/moved", S1, created=CREATED),
    ], "hub-parquet")
    ingest(store, S2, [
        rec("a/x", S2, "other", card_license_name="qwen-research"),  # narrowed
        rec("b/y", S2, "mit", gated="manual"),
        rec("c/z", S2),
        rec("neworg/moved", S2, created=CREATED),
    ], "hub-parquet")
    # a partial listing (new-models list): absence means nothing
    ingest(store, S3, [rec("a/x", S3, "other", gated=None, card_license_name="qwen-research")],
           "tags-csv")
    ingest(store, S4, [
        rec("a/x", S4, "other", card_license_name="qwen-research"),
        rec("b/y", S4, "mit", gated="false"),
        rec("c/z", S4), rec("d/w", S4), rec("neworg/moved", S4, created=CREATED),
    ], "hub-parquet")


def test_events_between_full_snapshots(store: Store) -> None:
    build(store)
    got = events(store)
    assert ("a/x", "license_changed", S2, "apache-2.0", "qwen-research") in got
    assert ("b/y", "gated_added", S2, "false", "manual") in got
    assert ("b/y", "gated_removed", S4, "manual", "false") in got
    assert ("d/w", "removed", S2, S1.isoformat(), None) in got
    assert ("d/w", "reappeared", S4, S1.isoformat(), None) in got
    assert ("e/moved", "org_renamed", S2, "e", "neworg") in got
    kinds = [(m, k) for m, k, *_ in got]
    # the renamed model is not also reported removed; the partial S3 list removes nothing
    assert ("e/moved", "removed") not in kinds
    assert not any(k == "removed" and at == S3 for _, k, at, *_ in got)
    assert not any(m == "c/z" for m, *_ in got)
    assert len(got) == 6, sorted(got)


def test_changes_query_filters_and_flags_narrowing(store: Store) -> None:
    build(store)
    def changes(st: Store, **kw: object) -> list[dict[str, object]]:
        return Atlas(st).run("changes", kw).records()

    rows = changes(store, kind="license_changed")
    assert len(rows) == 1
    r = rows[0]
    assert (r["old_family"], r["new_family"], r["narrowed"]) == (
        "permissive", "non-commercial", True)
    assert [e["kind"] for e in changes(store, since=S4)] == ["gated_removed", "reappeared"]
    assert changes(store, until=S1) == []
    assert {e["model_id"] for e in changes(store, model="d/w")} == {"d/w"}


def test_rebuild_is_idempotent(store: Store) -> None:
    build(store)
    before = events(store)
    derive.refresh(store, force=True)
    assert events(store) == before
    hist = store.scalar("SELECT count(*) FROM model_history")
    derive.refresh(store, force=True)
    assert store.scalar("SELECT count(*) FROM model_history") == hist


def test_partial_listings_never_remove(store: Store) -> None:
    ingest(store, S1, [rec("a/x", S1), rec("b/y", S1)], "tags-csv")
    ingest(store, S2, [rec("a/x", S2)], "tags-csv")
    ingest(store, S3, [rec("c/z", S3)], "trending-parquet")
    assert events(store) == set()


def test_cut_tags_do_not_fake_a_licence_removal(store: Store) -> None:
    ingest(store, S1, [rec("a/x", S1)], "tags-csv")
    cut = rec("a/x", S2, None)
    cut["tags"] = ["transformers", "license:apa…"]
    cut["truncated_tags"] = ["license:apa…"]
    ingest(store, S2, [cut], "tags-csv")
    assert events(store) == set()


def test_capture_staged_keeps_each_snapshot(store: Store) -> None:
    """The ingest hook: several snapshots in one input all reach the history."""
    rows = [rec("a/x", S1), rec("a/x", S2, "cc-by-nc-4.0"), rec("a/x", S3, "cc-by-nc-4.0")]
    store.con.register("_in", pa.Table.from_batches([batch_from_rows(rows)]))
    store.sql(f"CREATE TEMP TABLE _final AS {tagsql.parsed('(SELECT * FROM _in)')}")
    capture_staged(store.con, "hf", "_final")
    capture_staged(store.con, "hf", "_final")  # idempotent
    hist = store.rows("SELECT snapshot, license_raw FROM model_history ORDER BY snapshot")
    # S3 repeats S2's value: stored once
    assert [(h["snapshot"], h["license_raw"]) for h in hist] == [
        (S1, "apache-2.0"), (S2, "cc-by-nc-4.0")]
    from modelatlas.derive_steps import events as ev
    from modelatlas.derive_steps import licenses as lic

    lic.run(store)
    ev.run(store)
    assert events(store) == {("a/x", "license_changed", S2, "apache-2.0", "cc-by-nc-4.0")}


def test_full_crawl_jobs_count_as_full_snapshots(store: Store) -> None:
    for snap, ids in ((S1, ["a/x", "b/y"]), (S2, ["a/x"])):
        run = new_run(store, "test", "crawl")
        commit_input(store, [Batch(batch_from_rows([rec(i, snap) for i in ids]))],
                     run_id=run, source_label="crawl")
        store.sql(
            "INSERT INTO crawl_jobs (job_id, source, job_key, endpoint, snapshot, status,"
            " listed, started_at, updated_at) VALUES (?, 'hf', ?, 'x', ?, 'done', TRUE,"
            " now(), now())",
            [f"j{snap}", '{"limit": null, "since": null, "sort": "id"}', snap],
        )
    derive.refresh(store)
    assert ("b/y", "removed", S2, S1.isoformat(), None) in events(store)
