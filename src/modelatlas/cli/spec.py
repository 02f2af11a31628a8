"""Declaring commands and building the argument parser from declarations.

A :class:`Command` is a path (``("ingest", "file")``), a help text, typed
:class:`~modelatlas.queries.Param` s and a function taking the parsed values.
Query commands are generated from the query registry; the other commands
(ingest, import, check, report, serve, synth, demo) are declared in
``modelatlas.cli.commands`` modules as ``COMMANDS``. The parser never exits
or prints on its own: a usage error becomes :class:`UsageError` (one line,
exit 2) and ``--help`` a :class:`HelpRequested` carrying the text.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn

from modelatlas.errors import UsageError
from modelatlas.queries import Param

Values = Mapping[str, Any]


class HelpRequested(Exception):
    """``-h``/``--help``/``--version``: the text to print on stdout, exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


@dataclass(frozen=True)
class Command:
    """One CLI command: ``run`` gets the typed values; it returns an exit code or None."""

    path: tuple[str, ...]
    help: str
    params: tuple[Param, ...]
    run: Callable[[Values], int | None]
    group_help: str = ""
    description: str = ""


class Parser(argparse.ArgumentParser):
    """argparse without its own exits and prints."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if status:
            raise UsageError((message or f"{self.prog}: failed").strip())
        raise HelpRequested(message or "")

    def print_help(self, file: Any = None) -> None:
        raise HelpRequested(self.format_help())

    def print_usage(self, file: Any = None) -> None:
        raise HelpRequested(self.format_usage())


class _Version(argparse.Action):
    def __init__(self, option_strings: Sequence[str], dest: str, version: str,
                 help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, help=help)
        self.version = version

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        raise HelpRequested(self.version + "\n")


def add_version(parser: argparse.ArgumentParser, version: str) -> None:
    parser.add_argument("--version", action=_Version, version=version,
                        help="Print the version and exit.")


def _help_text(p: Param) -> str:
    text = p.help
    if p.choices:
        text += f" One of {'|'.join(p.choices)}."
    if p.default not in (None, False, ()) and not p.positional:
        text += f" Default: {p.default}."
    return text.replace("%", "%%")


def add_param(parser: argparse.ArgumentParser, p: Param) -> None:
    """One declared parameter as an argparse argument (values stay raw strings;
    :meth:`Param.parse` types them, so the CLI and the web agree)."""
    if p.positional:
        nargs = "+" if p.many else (None if p.required else "?")
        parser.add_argument(p.name, metavar=p.name.upper(), nargs=nargs, help=_help_text(p),
                            default=None)
        return
    flags = [p.option] + ([p.short] if p.short else [])
    if p.type == "bool":
        parser.add_argument(*flags, dest=p.name, action="store_const", const=True,
                            default=None, help=_help_text(p))
        return
    metavar = "DATE" if p.type == "date" else ("N" if p.type in ("int", "float") else
                                                p.name.upper())
    parser.add_argument(*flags, dest=p.name, default=None, metavar=metavar,
                        required=p.required, help=_help_text(p))


def parse_values(params: Sequence[Param], ns: argparse.Namespace) -> dict[str, Any]:
    """Typed values of the declared parameters from a parsed namespace."""
    return {p.name: p.parse(getattr(ns, p.name, None)) for p in params}
