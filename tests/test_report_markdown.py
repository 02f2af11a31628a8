"""report.md carries what index.html carries, section by section: titles, leads,
facts, notes, empty-section reasons and every table cell."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from modelatlas.atlas import Atlas
from modelatlas.pipeline import ingest_files
from modelatlas.report import build_report
from modelatlas.store import open_store
from modelatlas.synth import SynthConfig, write_snapshots

Sections = dict[str, dict[str, Any]]


class _Page(HTMLParser):
    """Sections of index.html: title, lead, facts, notes, empty text, table rows."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: Sections = {}
        self.cur: dict[str, Any] | None = None
        self.stack: list[tuple[str, str]] = []
        self.text: list[str] = []
        self.row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        cls = dict(attrs).get("class") or ""
        if tag == "section":
            self.cur = {"lead": [], "facts": [], "notes": [], "empty": [], "rows": []}
        self.stack.append((tag, cls))
        if tag in ("h2", "p", "li", "td", "th"):
            self.text = []
        if tag == "tr":
            self.row = []

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            return
        _, cls = self.stack.pop()
        parent = self.stack[-1][1] if self.stack else ""
        text = "".join(self.text).strip()
        if self.cur is None:
            return
        if tag == "h2":
            self.cur["title"] = text
        elif tag == "p" and cls in ("lead", "empty"):
            self.cur[cls].append(text)
        elif tag == "li" and parent in ("facts", "notes"):
            self.cur[parent].append(text)
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(text)
        elif tag == "tr" and self.row is not None:
            self.cur["rows"].append(self.row)
            self.row = None
        elif tag == "section":
            self.sections[self.cur["title"]] = self.cur
            self.cur = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _unmd(text: str) -> str:
    text = re.sub(r"\\(.)", r"\1", text)
    return html.unescape(text)


def _markdown(md: str) -> Sections:
    out: Sections = {}
    for block in md.split("\n## ")[1:]:
        lines = block.splitlines()
        title = _unmd(lines[0].strip())
        if title == "Data files":
            continue
        sec: dict[str, Any] = {"lead": [], "facts": [], "notes": [], "empty": [], "rows": []}
        for line in lines[1:]:
            if line.startswith("> "):
                sec["facts"].append(_unmd(line[2:]))
            elif line.startswith("- "):
                sec["notes"].append(_unmd(line[2:]))
            elif line.startswith("|") and not line.startswith("|---"):
                cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
                sec["rows"].append([_unmd(c.strip()) for c in cells])
            elif line.startswith("_") and line.endswith("_"):
                inner = _unmd(line.strip("_"))
                if not inner.startswith("Chart in index.html") and "more rows" not in inner:
                    sec["empty"].append(inner)
            elif line.strip() and not line.startswith("|"):
                sec["lead"].append(_unmd(line.strip()))
        out[title] = sec
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report-md")
    files = write_snapshots(SynthConfig(models=300, snapshots=5, seed=7), tmp / "sim")
    db = tmp / "atlas.duckdb"
    with open_store(db) as st:
        ingest_files(st, files)
    with Atlas.open(db) as atlas:
        build_report(atlas, tmp / "out")
        # a store range with nothing in it: every section explains why it is empty
        build_report(atlas, tmp / "empty", since="2001-01", until="2001-02")
    return tmp


@pytest.mark.parametrize("folder", ["out", "empty"])
def test_markdown_matches_html_section_by_section(built: Path, folder: str) -> None:
    page = _Page()
    page.feed((built / folder / "index.html").read_text(encoding="utf-8"))
    md = _markdown((built / folder / "report.md").read_text(encoding="utf-8"))
    assert list(md) == list(page.sections), "same sections in the same order"
    assert len(md) >= 9
    for title, h in page.sections.items():
        m = md[title]
        for key in ("lead", "facts", "notes", "empty"):
            assert m[key] == h[key], (title, key)
        assert m["rows"] == h["rows"], title
    text = (built / folder / "index.html").read_text(encoding="utf-8")
    head = re.search(r'<p class="headline">([^<]*)</p>', text)
    assert head is not None
    if folder == "out":    # a quotable headline: month, population, attribution, coverage
        assert re.match(r"In \w+ \d{4}, among the .* \(population \u201chub\u201d, a full "
                        r"listing; [\d,]+ models.*\(root attribution; the developer&#x27;s "
                        r"region is known for [\d.]+% of these downloads\)", head.group(1))
        assert f"**{html.unescape(head.group(1))}**" in (
            built / folder / "report.md").read_text(encoding="utf-8").replace("\\", "")
    else:
        assert head.group(1).startswith("No headline")
    if folder == "empty":   # RAM and openness read models and ratings, not the range
        full = [t for t, s in page.sections.items() if not s["empty"]]
        assert full == ["What this report reads", "Relative Adoption Metric leaders (30 days)",
                        "How open is open? Hub models by region of origin"]
