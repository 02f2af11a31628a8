"""``modelatlas ingest hub|details|modelscope``: live APIs into the store, resumably."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from modelatlas.cli import context
from modelatlas.cli.commands.ingest import JSON, POPULATION
from modelatlas.cli.output import print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.errors import InputError, UsageError
from modelatlas.queries import Param
from modelatlas.sources.hub_listing import SORTS

if TYPE_CHECKING:
    from modelatlas.crawl.run import Progress as CrawlProgress


@contextmanager
def _progress(enabled: bool, what: str) -> Iterator[Callable[[CrawlProgress], None] | None]:
    """A progress bar on stderr when it is a terminal; nothing otherwise."""
    if not (enabled and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    cols = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[pages]} pages"), TextColumn("{task.fields[rate]} models/s"),
            TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*cols, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=None, pages=0, rate="-")
        started = time.monotonic()

        def tick(p: CrawlProgress) -> None:
            total = p.limit if p.limit is not None else p.total
            if p.limit is not None and p.total is not None:
                total = min(p.limit, p.total)
            rate = p.models / max(time.monotonic() - started, 1e-6)
            bar.update(task, completed=p.models, total=total, pages=p.pages, rate=f"{rate:,.0f}")

        yield tick


def _print_crawl(d: dict[str, Any]) -> None:
    print(
        f"{d['source']} snapshot {d['snapshot']}: {d['models']:,} models from "
        f"{d['pages']:,} pages ({'resumed, ' if d['resumed'] else ''}{d['requests']:,} "
        f"requests, {d['retries']:,} retries), {d['quarantined']:,} quarantined, "
        f"{d['carried_over']:,} carried over, {d['edges']:,} edges"
    )


def _render(d: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(d)
    else:
        _print_crawl(d)
        if d.get("partial"):
            print(f"warning: partial snapshot: {d.get('coverage_note') or 'listing cut short'}",
                  file=sys.stderr)


def ingest_hub_cmd(v: Values) -> None:
    """Snapshot the Hub's model list (paged, resumable: rerun the same command after a kill)."""
    from modelatlas.crawl.run import ingest_hub

    with context.store() as st, _progress(not v["as_json"], "hub") as tick:
        summary = ingest_hub(st, endpoint=v["endpoint"], limit=v["limit"], sort=v["sort"],
                             since=v["since"], snapshot=v["snapshot"], on_page=tick,
                             population=v["population"])
    _render(summary.as_dict(), v["as_json"])


def ingest_modelscope_cmd(v: Values) -> None:
    """Snapshot ModelScope's public model list (source = modelscope), resumably."""
    from modelatlas.crawl.run import ingest_modelscope

    with context.store() as st, _progress(not v["as_json"], "modelscope") as tick:
        summary = ingest_modelscope(st, endpoint=v["endpoint"], limit=v["limit"], on_page=tick,
                                    population=v["population"])
    _render(summary.as_dict(), v["as_json"])


def ingest_details_cmd(v: Values) -> None:
    """Fetch per-model details (card, files and sizes, config, parameters, gating)."""
    from modelatlas.crawl import details as details_mod
    from modelatlas.crawl.run import endpoint_or_default
    from modelatlas.sources.hub_api import HubClient, RetryPolicy

    models, top, as_json = v["models"], v["top"], v["as_json"]
    if (models is None) == (top is None):
        raise UsageError("give exactly one of --models FILE or --top N")
    url = endpoint_or_default(v["endpoint"], "hf_endpoint")
    with context.store() as st:
        ids = details_mod.read_ids(Path(models)) if models is not None else \
            details_mod.top_ids(st, top or 0)
        if not ids:
            raise InputError("no models selected (empty file, or no Hub snapshot in the store)")
        # token=None: found the way huggingface_hub finds it (env vars, token file)
        with HubClient(url, token=None, policy=RetryPolicy.from_env()) as client:
            if not as_json and sys.stderr.isatty():
                from rich.console import Console
                from rich.progress import Progress

                with Progress(console=Console(stderr=True), transient=True) as bar:
                    task = bar.add_task("details", total=len(ids))
                    summary = details_mod.ingest_details(
                        st, client, ids, on_model=lambda i, n: bar.update(task, completed=i))
            else:
                summary = details_mod.ingest_details(st, client, ids)
    d = summary.as_dict()
    if as_json:
        print_json(d)
    else:
        extra = "".join(f", {len(d[k]):,} {k.replace('_', ' ')}" for k in
                        ("gated", "disabled", "renamed") if isinstance(d.get(k), list))
        print(f"details: {d['fetched']:,} fetched, {d['skipped']:,} already done, "
              f"{len(d['not_found']):,} not found{extra}, {d['edges']:,} edges")


def _endpoint(what: str) -> Param:
    return Param("endpoint", max_length=2048, help=f"{what} URL (else the environment).")


LIMIT = Param("limit", "int", minimum=1, help="Stop after N models.")

COMMANDS = (
    Command(("ingest", "hub"), "Snapshot the Hub's model list (paged, resumable: rerun the "
            "same command after a kill).",
            (_endpoint("Hub"), LIMIT,
             Param("sort", choices=SORTS, help="Listing order (descending)."),
             Param("since", "date", help="Incremental: models modified since DATE, merged with"
                   " the previous snapshot."),
             Param("snapshot", "date", help="Snapshot date (YYYY-MM-DD)."), POPULATION, JSON),
            ingest_hub_cmd),
    Command(("ingest", "modelscope"), "Snapshot ModelScope's public model list, resumably.",
            (_endpoint("ModelScope"), LIMIT, POPULATION, JSON), ingest_modelscope_cmd),
    Command(("ingest", "details"), "Fetch per-model details (card, files and sizes, config, "
            "parameters, gating).",
            (Param("models", max_length=4096, help="File of model ids, one per line."),
             Param("top", "int", minimum=1,
                   help="The N most downloaded models of the latest snapshot."),
             _endpoint("Hub"), JSON),
            ingest_details_cmd),
)
