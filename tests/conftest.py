"""Shared fixtures: stores, the real data folder (skipped cleanly when absent), the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelatlas.store import Store, open_store

REPO = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    env = os.environ.get("MODELATLAS_SHARED_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


@pytest.fixture(autouse=True, scope="session")
def _no_state_in_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never write the user's data or cache dirs (default store, chart bundle)."""
    mp = pytest.MonkeyPatch()
    home = tmp_path_factory.mktemp("home")
    mp.setenv("XDG_DATA_HOME", str(home / "data"))
    mp.setenv("XDG_CACHE_HOME", str(home / "cache"))
    mp.delenv("MODELATLAS_DB", raising=False)
    # Nor read the user's Hugging Face token or offline switch (the token file
    # then resolves inside the temporary XDG_CACHE_HOME above).
    for var in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_TOKEN_PATH", "HF_HOME",
                "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_DISABLE_IMPLICIT_TOKEN",
                "HF_ENDPOINT", "MODELSCOPE_ENDPOINT"):
        mp.delenv(var, raising=False)
    yield
    mp.undo()


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data``; tests using it skip when it is not there."""
    d = shared_data_dir()
    if not d.is_dir():
        pytest.skip(f"real data not available at {d}")
    return d


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A fresh on-disk store, closed after the test."""
    st = open_store(tmp_path / "atlas.duckdb")
    yield st
    st.close()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "atlas.duckdb"
