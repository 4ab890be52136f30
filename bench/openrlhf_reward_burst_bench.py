"""Rewards/s served to OpenRLHF's own remote-reward client in its traffic shape (issue 17).

A run folder from `steplens rl init --engine openrlhf` for 64 prompts x 16 samples; the burst is its
1,024 rollouts, each fetched by OpenRLHF 0.11.2's `SingleTurnAgentExecutor._fetch_rewards_via_http`
(one item per request, a new connection each, 5 tries 1 s apart, the reward lost after that), all at
once, from `steplens serve --model demo` (a generated random-weight model: it measures the server,
queue and client plumbing, not a real PRM). Two servers in one run, alternating rounds:
- `sized`: the queue flags the run's README gives (`--max-waiting 1024 --max-connections 1088`);
- `defaults`: the server's defaults (256 waiting requests, 256 connections).

    .test-env/py/bin/python bench/openrlhf_reward_burst_bench.py   # writes bench/results/openrlhf-reward-burst.json
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "python"))

from conftest import ServeProcess  # noqa: E402
from test_openrlhf import make_openrlhf_run, rollouts, serve_flags_from_readme  # noqa: E402

ROUNDS = 2


def burst(url: str, items: list[tuple[str, str, str]]) -> dict:
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if "error" in record.getMessage().lower():
                errors.append(record.getMessage())

    log = logging.getLogger("openrlhf.utils.agent")
    handler = Collect()
    log.addHandler(handler)
    executor = SingleTurnAgentExecutor([url])

    async def one(q, p, lab):
        try:
            return await executor._fetch_rewards_via_http([q], [p], [lab])
        except RuntimeError:  # OpenRLHF's "Request error for 5 times": the rollout keeps no reward
            return None

    async def all_at_once():
        return await asyncio.gather(*(one(q, p, lab) for q, p, lab in items))

    try:
        t0 = time.perf_counter()
        answers = asyncio.run(all_at_once())
        seconds = time.perf_counter() - t0
    finally:
        log.removeHandler(handler)
    lost = sum(1 for a in answers if a is None)
    return {
        "seconds": round(seconds, 3),
        "rewards_per_second": round((len(items) - lost) / seconds, 1),
        "request_errors": len(errors),
        "lost_rewards": lost,
    }


def main() -> int:
    import openrlhf

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    with tempfile.TemporaryDirectory(prefix="steplens-openrlhf-bench-") as d:
        run = make_openrlhf_run(Path(d))
        items = rollouts(run)
        configs = {"sized": serve_flags_from_readme(run), "defaults": []}
        rounds: dict[str, list[dict]] = {k: [] for k in configs}
        for _ in range(ROUNDS):
            for name, flags in configs.items():
                server = ServeProcess(["--model", "demo", "--quiet", *flags])
                try:
                    rounds[name].append(burst(f"{server.url}/get_reward", items))
                finally:
                    server.stop()
                print(name, rounds[name][-1], file=sys.stderr)
    result = {
        "what": "rewards/s served to OpenRLHF's remote-reward client, 1,024 one-item requests at once"
        " (64 prompts x 16 samples)",
        "openrlhf": openrlhf.__version__ if hasattr(openrlhf, "__version__") else "0.11.2",
        "model": "demo (generated random weights)",
        "rollouts": len(items),
        "configs": {
            k: " ".join(v) or "(server defaults: --max-waiting 256 --max-connections 256)" for k, v in configs.items()
        },
        "rounds": rounds,
        "median_rewards_per_second": {
            k: statistics.median(r["rewards_per_second"] for r in v) for k, v in rounds.items()
        },
        "machine": {
            "cpus": os.cpu_count(),
            "load_average": [round(x, 1) for x in os.getloadavg()],
            "python": platform.python_version(),
        },
    }
    out = REPO / "bench" / "results" / "openrlhf-reward-burst.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result["median_rewards_per_second"]), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
