"""Run the CLI in-process and capture stdout, stderr and the exit code."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from modelatlas.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str) -> Result:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # pragma: no cover - typer may exit directly
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())
