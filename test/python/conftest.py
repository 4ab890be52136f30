"""Shared fixtures of the Python half of the suite.

`steplens_serve` starts the real reward server (`node dist/cli.js serve`) on a free loopback port
with the demo model (random weights: its scores are meaningless, they test plumbing) and yields its
base URL; the server is stopped (SIGINT, then SIGKILL after a bound) when the tests are done.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from steplens_cli import CLI, NODE, REPO, ServeProcess

# The server process and the paths live in steplens_cli.py (trl_smoke.py, a script, uses them too);
# test files import them from here as before.
__all__ = ["CLI", "NODE", "REPO", "ServeProcess"]


def _require_build() -> None:
    if not CLI.exists():
        raise RuntimeError(f"{CLI} is missing: run `npm run build` first")


@pytest.fixture(scope="session")
def steplens_serve() -> Iterator[ServeProcess]:
    """One reward server with the demo model for the whole session (quiet: no per-request lines)."""
    _require_build()
    server = ServeProcess(["--model", "demo", "--quiet"])
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def serve_factory() -> Iterator:
    """Starts servers with the given extra flags; each is stopped after the test."""
    _require_build()
    started: list[ServeProcess] = []

    def start(*args: str, start_timeout: float = 120.0) -> ServeProcess:
        server = ServeProcess(list(args), start_timeout)
        started.append(server)
        return server

    try:
        yield start
    finally:
        for server in started:
            server.stop()
