"""``modelatlas report``: the self-contained HTML report, Markdown and data files."""

from __future__ import annotations

from pathlib import Path

from modelatlas.cli import context
from modelatlas.cli.output import print_json
from modelatlas.cli.spec import Command, Values
from modelatlas.queries import Param


def report(v: Values) -> None:
    """Write index.html (opens offline), report.md and every table as CSV and Parquet."""
    from modelatlas.report import build_report

    with context.atlas() as atlas:
        res = build_report(atlas, Path(v["out"]), since=v["since"], until=v["until"])
    if v["as_json"]:
        print_json({"html": str(res.html), "markdown": str(res.markdown),
                    "files": [str(p) for p in res.files]})
    else:
        print(f"wrote {res.html} and {res.markdown} ({len(res.files)} data files)")


COMMANDS = (
    Command(("report",), "Write index.html (opens offline), report.md and every table as CSV "
            "and Parquet.",
            (Param("out", default="modelatlas-report", max_length=4096, help="Output folder."),
             Param("since", "date", bound="start", help="First date (YYYY-MM[-DD])."),
             Param("until", "date", bound="end", help="Last date (YYYY-MM[-DD])."),
             Param("as_json", "bool", default=False, flag="--json",
                   help="Print the written paths as JSON.")),
            report),
)
