"""Typed parameters: declared once, parsed the same way from the CLI, HTTP and Python.

A :class:`Param` knows its type, default, choices and bounds, and turns a raw
value (a command-line string, an HTTP query value, or a Python object) into
the typed value a query receives. Every failure is a :class:`UsageError` that
names the option as the user typed it (``--by``), so the CLI exits 2 with one
line and the web answers 400/422 with the same sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from modelatlas.dates import Bound, parse_date
from modelatlas.errors import UsageError

ParamType = Literal["str", "int", "float", "bool", "date"]

#: Longest string any parameter accepts (model ids on the Hub are at most 96
#: characters per part; anything far longer is hostile or a mistake).
MAX_TEXT = 512


@dataclass(frozen=True)
class Param:
    """One parameter of a query or command.

    ``name`` is the Python and HTTP name (snake_case); the CLI spells it
    ``--name-with-dashes`` unless ``flag`` says otherwise, or takes it as an
    argument when ``positional``. ``web=False`` keeps it off the HTTP API (for
    example ``--online``: a web request never makes the server fetch).
    """

    name: str
    type: ParamType = "str"
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()
    positional: bool = False
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    bound: Bound | None = None
    max_length: int = MAX_TEXT
    web: bool = True
    flag: str | None = None
    short: str | None = None
    #: CLI only: a positional that takes one or more values (a list of parsed values).
    many: bool = False
    #: On the web a parameter may be tighter than on the CLI: ``limit=0`` means
    #: "all rows" for a script, but a web client always gets a bounded page.
    web_default: Any = None
    web_minimum: float | None = None
    web_maximum: float | None = None

    @property
    def option(self) -> str:
        """How the user names it on the command line (for messages)."""
        if self.positional:
            return self.name.upper()
        return self.flag or "--" + self.name.replace("_", "-")

    def parse(self, raw: Any, *, web: bool = False) -> Any:
        """The typed value of ``raw`` (None -> the default), or a UsageError.

        ``web=True`` applies the web bounds and default (``web_*``)."""
        if self.many and isinstance(raw, list | tuple):
            return [Param(self.name, self.type, help=self.help, max_length=self.max_length,
                          flag=self.flag, positional=self.positional).parse(v, web=web)
                    for v in raw]
        if raw is None:
            if self.required:
                raise UsageError(f"{self.option} is required")
            if web and self.web_default is not None:
                return self.web_default
            return self.default
        if self.type == "bool":
            return _parse_bool(raw, self.option)
        if self.type == "date":
            return parse_date(raw, self.option, bound=self.bound)
        if self.type in ("int", "float"):
            value = self._number(raw)
            if web:
                if self.web_minimum is not None and value < self.web_minimum:
                    raise UsageError(f"{self.name} must be >= {_num(self.web_minimum)}")
                if self.web_maximum is not None and value > self.web_maximum:
                    raise UsageError(f"{self.name} must be <= {_num(self.web_maximum)}")
            return value
        text = str(raw)
        if len(text) > self.max_length:
            raise UsageError(f"{self.option} is longer than {self.max_length} characters")
        if "\x00" in text:
            raise UsageError(f"{self.option} contains a NUL character")
        if self.choices and text not in self.choices:
            raise UsageError(f"{self.option} must be one of {'|'.join(self.choices)}"
                             f" (got {text[:40]!r})")
        return text

    def _number(self, raw: Any) -> int | float:
        conv: type[int] | type[float] = int if self.type == "int" else float
        if isinstance(raw, bool):
            raise UsageError(f"{self.option} must be a number")
        try:
            value = conv(raw) if not isinstance(raw, str) else conv(raw.strip())
        except (TypeError, ValueError, OverflowError):
            what = "a whole number" if conv is int else "a number"
            raise UsageError(f"{self.option} must be {what}, not {str(raw)[:40]!r}") from None
        if conv is float and value != value:  # NaN
            raise UsageError(f"{self.option} must be a number")
        if self.minimum is not None and value < self.minimum:
            raise UsageError(f"{self.option} must be >= {_num(self.minimum)}")
        if self.maximum is not None and value > self.maximum:
            raise UsageError(f"{self.option} must be <= {_num(self.maximum)}")
        return value

    def describe(self) -> dict[str, Any]:
        """JSON description (``GET /api/queries``, docs)."""
        d: dict[str, Any] = {"name": self.name, "type": self.type, "option": self.option,
                             "default": _jsonable(self.default), "help": self.help,
                             "required": self.required, "positional": self.positional}
        if self.choices:
            d["choices"] = list(self.choices)
        if self.minimum is not None:
            d["minimum"] = self.minimum
        if self.maximum is not None:
            d["maximum"] = self.maximum
        if self.bound:
            d["bound"] = self.bound
        if self.web_default is not None:
            d["web_default"] = self.web_default
        if self.web_minimum is not None:
            d["web_minimum"] = self.web_minimum
        if self.web_maximum is not None:
            d["web_maximum"] = self.web_maximum
        return d


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else str(v)


def _jsonable(v: Any) -> Any:
    return v.isoformat() if isinstance(v, dt.date) else v


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _parse_bool(raw: Any, option: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"{option} must be true or false, not {text[:20]!r}")


def parse_all(params: tuple[Param, ...], raw: Mapping[str, Any], *, web: bool = False
              ) -> dict[str, Any]:
    """Parse every parameter from ``raw`` (missing ones take defaults); an unknown
    key is a usage error naming it (and, on the web, a CLI-only parameter is unknown)."""
    known = {p.name for p in params if p.web or not web}
    unknown = sorted(k for k in raw if k not in known)
    if unknown:
        allowed = ", ".join(sorted(known)) or "none"
        raise UsageError(f"unknown parameter {unknown[0][:40]!r} (allowed: {allowed})")
    return {p.name: p.parse(raw.get(p.name), web=web) for p in params if p.web or not web}
