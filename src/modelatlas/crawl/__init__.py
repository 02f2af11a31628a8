"""Resumable crawls of live model hubs (Hugging Face Hub, ModelScope).

A crawl is a *job* (``crawl_jobs``): its pages are fetched one by one and each
page is checkpointed with the cursor of the next in one transaction
(``crawl_pages``), so ``kill -9`` at any moment loses at most the page in
flight. When the listing is complete, every stored page is merged into the
store in one transaction that also marks the job done and drops its pages
(:mod:`modelatlas.crawl.commit`): the snapshot is visible whole or not at all,
and rerunning the same command after a kill finishes the same snapshot.

Modules: ``jobs`` (checkpoint table), ``listers`` (what a source must provide),
``hub`` (the Hub listing), ``commit`` (final merge, carry-over for ``--since``),
``run`` (the loop), ``details`` (per-model details).
"""
