"""Strings from data reach the terminal inert: no Rich markup, no control characters."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelatlas.cli.output import cell, plain, safe_text
from modelatlas.pipeline import ingest_files
from modelatlas.store import open_store
from tests.clirunner import run_cli

ESC = "\x1b"
HOSTILE = [
    {"id": "evil/link", "author": "[/]", "downloads": 5,
     "tags": [f"license:{ESC}[31mred{ESC}[0m", "[link=https://evil.example]click[/link]"]},
    {"id": "evil/bidi", "author": "evil", "downloads": 3,
     "tags": ["license:mit", "\u202egnp.exe"], "pipeline_tag": f"{ESC}]8;;https://x{ESC}\\"},
]


@pytest.fixture
def db(tmp_path: Path) -> str:
    f = tmp_path / "evil-2026-01-31.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in HOSTILE) + "\n", encoding="utf-8")
    path = tmp_path / "evil.duckdb"
    with open_store(path) as st:
        ingest_files(st, [f])
    return str(path)


@pytest.mark.parametrize("argv", [
    ["models"], ["models", "--limit", "0"], ["orgs"], ["licenses", "--usage"],
    ["licenses", "--unmapped"], ["check", "evil/link"], ["check", "evil/bidi"],
    ["lineage", "evil/link"],
])
def test_tables_print_data_inert(db: str, argv: list[str]) -> None:
    res = run_cli("--db", db, *argv)
    assert res.code in (0, 3), res.err
    assert ESC not in res.out and "\u202e" not in res.out
    assert "Traceback" not in res.err


def test_markup_is_shown_as_text(db: str) -> None:
    res = run_cli("--db", db, "models")
    assert res.code == 0, res.err
    assert "[/]" in res.out        # the org name, as itself (it used to crash Rich)


def test_helpers() -> None:
    assert plain(f"a{ESC}[31mb") == "a\ufffd[31mb"
    assert safe_text("[link=https://x]y[/link]").startswith("\\[link=")
    assert cell(0.1234, "share") == "12.3%"
    assert cell(1234567.0) == "1,234,567" and cell(12) == "12" and cell(1.5) == "1.50"
