"""The offline demo runs the whole pipeline and labels its output SIMULATED."""

from __future__ import annotations

from pathlib import Path

from modelatlas.demo import run_demo
from modelatlas.store import open_store
from tests.clirunner import run_cli


def test_demo_end_to_end(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_demo(tmp_path / "demo", models=3_000, snapshots=4, seed=1, echo=lines.append)
    assert any("SIMULATED" in line for line in lines)
    assert result.report_html is not None and result.report_html.exists()
    html = result.report_html.read_text(encoding="utf-8")
    assert "SIMULATED" in html
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html  # opens offline
    with open_store(result.db) as st:
        assert st.scalar("SELECT count(*) FROM snapshots WHERE simulated") == 4
        assert st.scalar("SELECT count(*) FROM roots") >= 3_000
    # Running it again starts from a clean store (same counts, not doubled).
    again = run_demo(tmp_path / "demo", models=3_000, snapshots=4, seed=1, echo=lines.append)
    with open_store(again.db) as st:
        assert st.scalar("SELECT count(*) FROM models") == 3_000


def test_demo_cli(tmp_path: Path) -> None:
    res = run_cli("demo", "--out", str(tmp_path / "d"), "--models", "1000", "--snapshots", "2")
    assert res.code == 0
    assert "SIMULATED" in res.out and "index.html" in res.out
