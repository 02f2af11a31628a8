"""Parameters and columns shared by several query declarations (declared once)."""

from __future__ import annotations

from modelatlas.queries._params import Param
from modelatlas.queries._registry import Column

SINCE = Param("since", "date", help="First date (YYYY-MM-DD, or YYYY-MM / YYYY: its start).",
              bound="start")
UNTIL = Param("until", "date", help="Last date (YYYY-MM-DD, or YYYY-MM / YYYY: its end).",
              bound="end")
FREQ = Param("freq", default="month", choices=("month", "snapshot"),
             help="One row per calendar month, or per snapshot.")
ATTRIBUTION = Param("attribution", default="direct", choices=("direct", "root"),
                    help="Credit the uploader (direct) or the developer of the root model.")
BY = ("region", "country", "org", "family", "kind")


def limit(default: int, *, web_default: int | None = None, what: str = "rows") -> Param:
    """``--limit``: 0 means all on the CLI and in Python; the web always pages (1..10,000)."""
    return Param("limit", "int", default=default, minimum=0,
                 help=f"At most N {what} (0: all).",
                 web_default=web_default if web_default is not None else (default or 100),
                 web_minimum=1, web_maximum=10_000)


def model_id(help: str = "Hub model id, e.g. Qwen/Qwen2.5-7B-Instruct.") -> Param:
    """A positional Hub model id (the last path segments on the web)."""
    return Param("model_id", positional=True, required=True, help=help, max_length=200)


PERIOD_COLUMNS = (
    Column("period_start", "date", "First day of the period."),
    Column("period_end", "date", "Last day of the period."),
)
