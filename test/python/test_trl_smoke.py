"""TRL really trains on a run folder written by `steplens rl init`, with rewards from a running
`steplens serve` through the generated reward.py (issue 17).

A tiny causal LM with RANDOM weights is made on the spot (test/python/trl_smoke.py: a Qwen2 config,
2 layers, width 32, a tokenizer trained here; no hub). 2 prompts x 4 generations, 2 GRPO steps on
the CPU, started by `steplens rl launch` (its checks, then launch.sh: accelerate launch
train_grpo.py). The server judges with the demo model (random weights): the rewards test the
plumbing, not judgement. What is checked, against the server and the trainer's own records:
  - the trainer completed its 2 steps (its trainer_state.json and its log lines in the run folder);
  - every reward the trainer got equals what the server answers for the same completion, gate
    reasons included (reward.py's side log replayed against /v1/reward), and carries the demo label;
  - the reward the trainer logged for each step is the mean of that step's 8 server rewards.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import trl_smoke


def post(url: str, path: str, payload: dict) -> dict:
    req = urllib.request.Request(
        url + path, data=json.dumps(payload).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.timeout(1200)
def test_rl_launch_trains_trl_with_steplens_rewards(tmp_path: Path) -> None:
    model = trl_smoke.make_tiny_model(tmp_path / "model")
    prompts = trl_smoke.write_prompts(tmp_path / "prompts.jsonl")
    server = trl_smoke.Server(trl_smoke.SERVE_ARGS)
    try:
        assert "demo: scores are meaningless" in server.output, server.output
        run = tmp_path / "run"
        init = trl_smoke.init_run(server.url, run, model, prompts)
        assert init.returncode == 0, init.stdout + init.stderr
        assert "clamped" not in init.stderr and "→" not in init.stderr, f"the smoke sizes fit as given: {init.stderr}"
        spec = json.loads((run / "steplens-rl.json").read_text())
        assert (spec["rollouts"], spec["batchSize"], spec["maxSteps"], spec["device"]) == (4, 2, 2, "cpu")
        assert (spec["perDeviceBatch"], spec["gradientAccumulation"]) == (4, 2), (
            "8 completions a step: 4 per micro-batch, 2 micro-batches"
        )

        client_log = tmp_path / "client_log.jsonl"
        launched, seconds = trl_smoke.launch_run(run, {"STEPLENS_REWARD_CLIENT_LOG": str(client_log)})
        out = launched.stdout + launched.stderr
        assert launched.returncode == 0, out[-6000:]
        assert "ok      trl importable" in out and "ok      reward server" in out, out[:2000]
        assert "train_grpo.py: finished 2 steps" in out, out[-4000:]

        # The trainer's own records, in the run folder.
        state = json.loads((run / "checkpoints" / "trainer_state.json").read_text())
        assert state["global_step"] == 2 and state["max_steps"] == 2
        steps = [row for row in jsonl(run / "logs" / "train_log.jsonl") if "reward" in row]
        assert [row["step"] for row in steps] == [1, 2], steps
        assert [row["reward"] for row in steps] == [h["reward"] for h in state["log_history"] if "reward" in h]

        # What the trainer got from reward.py: 2 steps x 2 prompts x 4 generations, in call order.
        got = jsonl(client_log)
        assert len(got) == 16, len(got)
        assert all(g.get("demo") == "demo: scores are meaningless" for g in got)
        for step, row in zip((0, 1), steps):
            batch = got[8 * step : 8 * step + 8]
            mean = sum(g["reward"] for g in batch) / 8
            assert row["reward"] == pytest.approx(mean, abs=1e-5), (
                step + 1,
                row["reward"],
                [g["reward"] for g in batch],
            )
            assert row["rewards/reward_func/mean"] == pytest.approx(mean, abs=1e-5)

        # The server, asked again about the same completions, answers the same rewards and reasons.
        again = post(
            server.url, "/v1/reward", {"items": [{"prompt": g["prompt"], "response": g["response"]} for g in got]}
        )
        assert again.get("demo") == "demo: scores are meaningless"
        for g, a in zip(got, again["items"]):
            # Gated rewards are exact; a judged one is the PRM's score, which llama.cpp may round
            # differently when the same text shares a batch with other sequences: 1e-4 allows that,
            # and no other rollout's reward (they differ by far more).
            assert a["reward"] == pytest.approx(g["reward"], abs=1e-4), (g["response"], a, g)
            assert a["gate"]["reasons"] == g["gate"]["reasons"], (g["response"], a["gate"], g["gate"])
            assert a.get("demo") == "demo: scores are meaningless"
        gated = [g for g in got if g["gate"]["reasons"]]
        # Gated: boxed-count (the only rule on), or step-count when a rollout has no step to judge.
        assert any(g["gate"]["reasons"] == ["boxed-count"] for g in gated), gated
        allowed = {"boxed-count", "step-count"}
        assert all(g["reward"] == -1 and set(g["gate"]["reasons"]) <= allowed for g in gated), gated
        judged = [g for g in got if not g["gate"]["reasons"]]
        assert all(0 <= g["reward"] <= 1 for g in judged)
        print(f"TRL smoke run: {seconds:.1f} s wall, {len(gated)} gated / {len(judged)} judged rollouts")
    finally:
        server.stop()
