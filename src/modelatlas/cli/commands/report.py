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
        res = build_report(atlas, Path(v["out"]), since=v["since"], until=v["until"],
                           population=v["population"], regions=v["regions"])
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
             Param("population", max_length=40,
                   help="Population the download sections read (default: the most complete "
                        "one with data in the range; `populations` lists them)."),
             Param("regions", default="default", choices=("default", "atom"),
                   help="Region scheme: default (country-based) or atom (ATOM's table)."),
             Param("as_json", "bool", default=False, flag="--json",
                   help="Print the written paths as JSON.")),
            report),
)
