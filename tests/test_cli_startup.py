"""The CLI starts light: building the parser (every command module) must not import
the web stack or pandas, which cost seconds per call (issue 17: CLI within 1.5x of a
raw DuckDB query). Checked in a fresh interpreter so other tests' imports do not count."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from modelatlas.cli import build_parser
build_parser()
print(json.dumps(sorted(m for m in ("fastapi", "starlette", "pandas", "altair", "pyspark")
                        if m in sys.modules)))
"""


def test_parser_imports_no_heavy_module() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                         check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
