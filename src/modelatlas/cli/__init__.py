"""The ``modelatlas`` command line: thin, it parses, calls the library, renders.

Query commands come from the query registry (:mod:`modelatlas.cli.queries`);
the other commands are declared in ``modelatlas.cli.commands`` modules as
``COMMANDS`` and found automatically, so adding a command never touches this
file. Expected failures (``ModelAtlasError``) become one line on stderr and
exit 1; usage errors from any parser exit 2; ``check --fail-on`` exits 3;
only bugs keep a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

from modelatlas import __version__
from modelatlas.cli import commands
from modelatlas.cli.context import state
from modelatlas.cli.spec import Command, HelpRequested, Parser, add_param, add_version
from modelatlas.errors import ModelAtlasError

DESCRIPTION = ("Measure the open-weight AI ecosystem and check models before you build on "
               "them.")
EPILOG = ("Exit codes: 0 success, 1 failure (one line on stderr), 2 usage error, 3 a check "
          "verdict that reaches --fail-on. Docs: README.md and docs/.")


def all_commands(only: str | None = None) -> list[Command]:
    """Registry query commands plus every ``COMMANDS`` of the command modules (only the
    query commands when ``only`` names a query: the other modules need not load)."""
    from modelatlas.cli import queries

    found = queries.commands()
    if only is not None and any(c.path[0] == only for c in found):
        return found
    for info in sorted(pkgutil.iter_modules(commands.__path__), key=lambda i: i.name):
        if not info.name.startswith("_"):
            module = importlib.import_module(f"{commands.__name__}.{info.name}")
            found.extend(getattr(module, "COMMANDS", ()))
    return found


#: Options of the top-level parser that take a value (to find the command word).
_GLOBAL_VALUED = ("--db", "--orgs", "--engine", "--spark-master")


def command_word(args: Sequence[str]) -> str | None:
    """The first word of ``args`` that is not a global option or its value: the
    command (or group) a user asked for."""
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in _GLOBAL_VALUED:
            skip = True
        elif not a.startswith("-"):
            return a
        elif a.startswith(("--help", "-h", "--version")):
            return None
    return None


def build_parser(only: str | None = None) -> tuple[Parser, dict[tuple[str, ...], Command]]:
    """The whole parser, or (``only``: a known command word) the top level with that
    command's subparsers alone: a query reads one command, and building ~40
    subparsers with their options was a tenth of a light query's time."""
    parser = Parser(prog="modelatlas", description=DESCRIPTION, epilog=EPILOG)
    add_version(parser, f"modelatlas {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help="DuckDB store path (else $MODELATLAS_DB, else the user data dir).")
    parser.add_argument("--orgs", metavar="FILE",
                        help="YAML/CSV file extending or overriding the org catalog.")
    parser.add_argument("--engine", metavar="ENGINE",
                        help="Query engine: duckdb (the store file) or spark (Apache Spark "
                             "over a table folder, see `export`; docs/scale.md). Default: "
                             "$MODELATLAS_ENGINE, else duckdb.")
    parser.add_argument("--spark-master", metavar="URL", dest="spark_master",
                        help="With --engine spark: local[N], spark://host:7077, yarn, k8s://..."
                             " or sc://host:15002 (Spark Connect). Default: "
                             "$MODELATLAS_SPARK_MASTER, else $SPARK_REMOTE, else local[*].")
    top = parser.add_subparsers(dest="_cmd", metavar="COMMAND", parser_class=Parser)
    groups: dict[str, argparse._SubParsersAction[Parser]] = {}
    table: dict[tuple[str, ...], Command] = {}
    cmds = all_commands(only)
    if only is not None and any(c.path[0] == only for c in cmds):
        cmds = [c for c in cmds if c.path[0] == only]
    group_help = {c.path[0]: c.group_help for c in cmds if len(c.path) > 1 and c.group_help}
    for cmd in sorted(cmds, key=lambda c: c.path):
        if len(cmd.path) == 1:
            sub = top.add_parser(cmd.path[0], help=cmd.help, description=cmd.description
                                 or cmd.help)
        else:
            head = cmd.path[0]
            if head not in groups:
                gp = top.add_parser(head, help=group_help.get(head, ""),
                                    description=group_help.get(head, ""))
                gp.set_defaults(_group=gp)
                groups[head] = gp.add_subparsers(dest="_sub", metavar="COMMAND",
                                                 parser_class=Parser)
            sub = groups[head].add_parser(cmd.path[1], help=cmd.help,
                                          description=cmd.description or cmd.help)
        for p in cmd.params:
            add_param(sub, p)
        sub.set_defaults(_path=cmd.path)
        table[cmd.path] = cmd
    return parser, table


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: parse, run, map expected errors to exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        parser, table = build_parser(command_word(args))
        if not args:
            raise HelpRequested(parser.format_help())
        ns = parser.parse_args(args)
        path = getattr(ns, "_path", None)
        if path is None:  # a group without its subcommand ("modelatlas ingest")
            group = getattr(ns, "_group", None)
            raise HelpRequested((group or parser).format_help())
        state.db = ns.db
        # --engine / --spark-master (issue 14): which engine reads and writes.
        from modelatlas.atlas import engine_name

        state.engine = engine_name(ns.engine)
        state.spark_master = ns.spark_master
        state.command = path
        from modelatlas.cli.context import check_engine

        check_engine()
        if ns.orgs:
            os.environ["MODELATLAS_ORGS"] = ns.orgs
        cmd = table[path]
        from modelatlas.cli.spec import parse_values

        code = cmd.run(parse_values(cmd.params, ns))
        return int(code or 0)
    except HelpRequested as h:
        sys.stdout.write(h.text)
        return 0
    except ModelAtlasError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1


def _one_line(text: str) -> str:
    from modelatlas.cli.output import plain

    return plain(" ".join(text.split()))[:2000]


def run() -> None:
    sys.exit(main())
