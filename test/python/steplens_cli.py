"""The `steplens` CLI for the Python tests: `node dist/cli.js ...` run from the repository root, and
`steplens serve` as a process (ServeProcess: conftest's fixtures and trl_smoke.py's server).

A helper module, not a test file (pytest collects only test_*.py); the tests import it by name
(pytest puts this folder on sys.path).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"
NODE = os.environ.get("STEPLENS_TEST_NODE", "node")
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `node dist/cli.js *args` in the repository root, output captured; fails when the CLI is not built."""
    if not CLI.exists():
        raise RuntimeError(f"{CLI} is missing: run `node src/build/build.mjs` first")
    return subprocess.run(["node", str(CLI), *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)


class ServeProcess:
    """A running `steplens serve` on a free loopback port; `url` is its base URL, `output` what it printed so far.

    Ready once it printed its URL, or with `ready_line` once a line holding that text came after the URL
    (trl_smoke.py waits for the banner's last line). stop() sends SIGINT, then SIGKILL after a bound.
    """

    def __init__(self, args: list[str], start_timeout: float = 120.0, ready_line: str | None = None) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(CLI), "serve", "--port", "0", "--host", "127.0.0.1", *args],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._ready = threading.Event()
        self._ready_line = ready_line
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
            if self.url and (self._ready_line is None or self._ready_line in line):
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
