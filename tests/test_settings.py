"""The settings registry, the docs table and the store location rules agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelatlas import settings
from tests.conftest import REPO


def test_docs_list_every_setting() -> None:
    text = (REPO / "docs" / "settings.md").read_text(encoding="utf-8")
    for s in settings.SETTINGS.values():
        assert f"| {s.name} | `{s.env}` |" in text


def test_db_path_env_then_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MODELATLAS_DB", str(tmp_path / "x.duckdb"))
    assert settings.default_db_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("MODELATLAS_DB")
    assert settings.default_db_path().name == "modelatlas.duckdb"
