"""The `steplens` CLI for the Python tests: `node dist/cli.js ...` run from the repository root.

A helper module, not a test file (pytest collects only test_*.py); the tests import it by name
(pytest puts this folder on sys.path).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `node dist/cli.js *args` in the repository root, output captured; fails when the CLI is not built."""
    if not CLI.exists():
        raise RuntimeError(f"{CLI} is missing: run `node src/build/build.mjs` first")
    return subprocess.run(["node", str(CLI), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
