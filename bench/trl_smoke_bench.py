"""The TRL smoke run's wall time (issue 17): `steplens rl launch` on a `rl init --engine trl --cpu`
folder, 2 prompts x 4 generations, 2 GRPO steps of a tiny random-weight Qwen2, rewards from a running
`steplens serve --model demo` (test/python/trl_smoke.py does the work; test_trl_smoke.py checks it).

    .test-env/py/bin/python bench/trl_smoke_bench.py      # writes bench/results/trl-smoke.json

Reported as parts of one run: the launch's wall time, the trainer's own train_runtime, and the rest
(the prerequisite checks, accelerate, importing torch/transformers/TRL, loading the model).
"""

from __future__ import annotations

import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "test" / "python"))

import trl_smoke  # noqa: E402


def main() -> int:
    import torch
    import transformers
    import trl

    with tempfile.TemporaryDirectory(prefix="steplens-trl-bench-") as d:
        tmp = Path(d)
        t0 = time.perf_counter()
        model = trl_smoke.make_tiny_model(tmp / "model")
        prompts = trl_smoke.write_prompts(tmp / "prompts.jsonl")
        made = time.perf_counter() - t0
        server = trl_smoke.Server(trl_smoke.SERVE_ARGS)
        try:
            init = trl_smoke.init_run(server.url, tmp / "run", model, prompts)
            if init.returncode:
                print(init.stdout + init.stderr, file=sys.stderr)
                return 1
            load_before = os.getloadavg()[0]
            launched, wall = trl_smoke.launch_run(
                tmp / "run", {"STEPLENS_REWARD_CLIENT_LOG": str(tmp / "client.jsonl")}
            )
            load_after = os.getloadavg()[0]
        finally:
            server.stop()
        if launched.returncode:
            print((launched.stdout + launched.stderr)[-4000:], file=sys.stderr)
            return 1
        log = [json.loads(line) for line in (tmp / "run" / "logs" / "train_log.jsonl").read_text().splitlines()]
        train_runtime = next(row["train_runtime"] for row in log if "train_runtime" in row)
        rewards = sum(1 for _ in (tmp / "client.jsonl").open())
    result = {
        "benchmark": "trl-smoke",
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": sys.platform,
            "loadAverage1m": {"before": round(load_before, 2), "after": round(load_after, 2)},
        },
        "versions": {"trl": trl.__version__, "transformers": transformers.__version__, "torch": torch.__version__},
        "run": "2 prompts x 4 generations, 2 GRPO steps, 24 tokens per completion, CPU, tiny random-weight Qwen2",
        "tinyModelSeconds": round(made, 2),
        "launchWallSeconds": round(wall, 2),
        "trainRuntimeSeconds": round(train_runtime, 2),
        "trainShareOfWall": round(train_runtime / wall, 3),
        "rewardsServed": rewards,
    }
    out = REPO / "bench" / "results" / "trl-smoke.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
