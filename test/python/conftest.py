"""Shared fixtures of the Python half of the suite.

`steplens_serve` starts the real reward server (`node dist/cli.js serve`) on a free loopback port
with the demo model (random weights: its scores are meaningless, they test plumbing) and yields its
base URL; the server is stopped (SIGINT, then SIGKILL after a bound) when the tests are done.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"
NODE = os.environ.get("STEPLENS_TEST_NODE", "node")
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class ServeProcess:
    """A running `steplens serve`; `url` is its base URL, `output` what it printed so far."""

    def __init__(self, args: list[str], start_timeout: float = 120.0) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(CLI), "serve", "--port", "0", "--host", "127.0.0.1", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self.url = ""
        threading.Thread(target=self._pump, daemon=True).start()
        if not self._ready.wait(start_timeout) or not self.url:
            self.stop()
            raise RuntimeError(
                f"steplens serve did not print its URL within {start_timeout:.0f} s:\n" + "".join(self.lines)
            )

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            m = LISTENING.search(line)
            if m and not self.url:
                self.url = m.group(1)
                self._ready.set()
        self._ready.set()  # the process ended: wake the waiter

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


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
