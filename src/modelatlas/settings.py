"""One registry of settings: where the store lives and tunable defaults.

Each setting has a name, an environment variable, a default and a help text;
the CLI, the docs (docs/settings.md) and the tests read this one table, as
datasette does with its settings registry.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in (
        Setting("db", "MODELATLAS_DB", "", "Path of the DuckDB store (default: user data dir)."),
        Setting("batch_size", "MODELATLAS_BATCH_SIZE", "65536", "Rows per Arrow batch at ingest."),
        Setting(
            "memory_limit",
            "MODELATLAS_MEMORY_LIMIT",
            "1500MB",
            "DuckDB memory limit; larger work spills to disk beside the store.",
        ),
        Setting("hf_endpoint", "HF_ENDPOINT", "https://huggingface.co", "Hugging Face Hub API."),
        Setting("hf_token", "HF_TOKEN", "",
                "Token sent to the Hub (else HUGGING_FACE_HUB_TOKEN, else the token file)."),
        Setting(
            "modelscope_endpoint",
            "MODELSCOPE_ENDPOINT",
            "https://modelscope.cn",
            "ModelScope API (the modelscope_hub SDK's default endpoint).",
        ),
        Setting(
            "skip_derive",
            "MODELATLAS_SKIP_DERIVE",
            "",
            "Set to 1 to skip refreshing derived tables after ingest (the next query does it).",
        ),
        Setting("http_attempts", "MODELATLAS_HTTP_ATTEMPTS", "8",
                "Tries per HTTP request before a page fails the run."),
        Setting("http_backoff", "MODELATLAS_HTTP_BACKOFF", "1.0",
                "First backoff in seconds (doubles per try, with jitter, capped at 60 s)."),
        Setting("http_timeout", "MODELATLAS_HTTP_TIMEOUT", "60",
                "Seconds before an HTTP request times out."),
        Setting("http_wait_scale", "MODELATLAS_HTTP_WAIT_SCALE", "1.0",
                "Multiplies every wait (tests make it tiny)."),
        Setting("page_size", "MODELATLAS_PAGE_SIZE", "500",
                "Models per Hub listing page (huggingface.js asks 500; a refused size falls"
                " back to a smaller one, remembered per endpoint). ModelScope: at most 50."),
        Setting("orgs_file", "MODELATLAS_ORGS", "", "User file overriding the org catalog."),
        Setting("lock_wait", "MODELATLAS_LOCK_WAIT", "30",
                "Seconds a writer waits for readers (e.g. `serve`) to let go of the store."),
        Setting("hf_token_legacy", "HUGGING_FACE_HUB_TOKEN", "",
                "Token used when HF_TOKEN is unset (huggingface_hub's older name)."),
        Setting("hf_token_path", "HF_TOKEN_PATH", "",
                "Token file written by `hf auth login` (default: $HF_HOME/token)."),
        Setting("hf_home", "HF_HOME", "",
                "Hugging Face home (default: $XDG_CACHE_HOME/huggingface, else"
                " ~/.cache/huggingface); holds the token file."),
        Setting("xdg_cache_home", "XDG_CACHE_HOME", "",
                "Cache root used for the default HF_HOME (default: ~/.cache)."),
        Setting("hf_hub_offline", "HF_HUB_OFFLINE", "",
                "1/ON/YES/TRUE: every live command fails at once, no request is sent."),
        Setting("transformers_offline", "TRANSFORMERS_OFFLINE", "",
                "Read like HF_HUB_OFFLINE when that is unset (as huggingface_hub does)."),
        Setting("hf_hub_disable_implicit_token", "HF_HUB_DISABLE_IMPLICIT_TOKEN", "",
                "1/ON/YES/TRUE: never send a token found in the environment or token file."),
        Setting("tree_max_files", "MODELATLAS_TREE_MAX_FILES", "5000",
                "Most file entries read from one repository's tree by `ingest details`."),
        Setting(
            "ingest_memory_limit",
            "MODELATLAS_INGEST_MEMORY_LIMIT",
            "1GB",
            "DuckDB memory limit while ingesting and deriving (at most memory_limit); with"
            " Python's share, keeps a whole-Hub ingest under 2 GB of RAM.",
        ),
        Setting(
            "ingest_part_rows",
            "MODELATLAS_INGEST_PART_ROWS",
            "1000000",
            "Rows of one input above which it is merged in several transactions (by model"
            " id): DuckDB's COMMIT needs memory that grows with a transaction's rows.",
        ),
        Setting("check_download_max", "MODELATLAS_CHECK_DOWNLOAD_MAX", "2000000000",
                "Bytes `check --download` fetches from one repository at most (the rest is "
                "reported as not verified)."),
        # -- the Spark engine (issue 14; docs/scale.md) --------------------------------
        Setting("engine", "MODELATLAS_ENGINE", "duckdb",
                "Query engine: duckdb (the store file) or spark (`--engine` wins)."),
        Setting("spark_remote", "SPARK_REMOTE", "",
                "Spark Connect URL (sc://host:15002) of a cluster; used by --engine spark"
                " when no master is named."),
        Setting("spark_master", "MODELATLAS_SPARK_MASTER", "",
                "Spark master URL for --engine spark (`--spark-master` wins; default"
                " local[*], or SPARK_REMOTE when set)."),
        Setting("allowed_hosts", "MODELATLAS_ALLOWED_HOSTS", "",
                "Extra Host names `serve` answers to (comma-separated); loopback names and"
                " the bound interface are always allowed."),
        Setting("serve_warmup", "MODELATLAS_SERVE_WARMUP", "1",
                "`0`: `serve` does not build its default views in the background at start"
                " (they are computed on their first view)."),
        Setting("page_budget", "MODELATLAS_PAGE_BUDGET", "0.5",
                "Seconds a dashboard page waits for its view to be built before a"
                " self-reloading 'computing' page is shown (0: wait as long as it takes)."),
        Setting("query_cache", "MODELATLAS_QUERY_CACHE", "1",
                "`0`: keep query intermediates (downloads cubes, lineage edges) in memory"
                " only; by default a reader keeps them (and `serve` its answers) in"
                " `<store>.cache` beside the store for the store's current state, so a"
                " restarted server or a repeated command reuses them."),
    )
}


def get(name: str) -> str:
    """Value of a setting: its environment variable if set, else the default."""
    s = SETTINGS[name]
    return os.environ.get(s.env) or s.default


def default_db_path() -> Path:
    """``MODELATLAS_DB`` if set, else ``<user data dir>/modelatlas.duckdb``."""
    env = get("db")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir("modelatlas")) / "modelatlas.duckdb"
