"""The reward log from the trainer's side: the generated reward client (src/rl/python/reward_client.py)
sends TRL's trainer_state.global_step (a real transformers.TrainerState, the object GRPOTrainer hands
its reward functions as `trainer_state`) with each rollout, and `steplens serve --reward-log` writes
one line per rollout with that step, the client's name, the prompt and response, and the reward the
client got back. The judge is the demo model (random weights: plumbing, not judgement)."""

from __future__ import annotations

import importlib.util
import json
import socket
import time
from pathlib import Path

import pytest
from transformers import TrainerState

REPO = Path(__file__).resolve().parents[2]
GOOD = "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: check 2*2 = 4.\n<answer>\\boxed{2}</answer>"
GATED = "Step 1: x = \\boxed{2} or \\boxed{3}"


def load_client(monkeypatch: pytest.MonkeyPatch, url: str):
    monkeypatch.setenv("STEPLENS_REWARD_URL", url)
    spec = importlib.util.spec_from_file_location("steplens_reward_client", REPO / "src/rl/python/reward_client.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(180)
def test_trl_trainer_step_reaches_the_reward_log(tmp_path: Path, serve_factory, monkeypatch) -> None:
    log = tmp_path / "rewards.jsonl"
    server = serve_factory("--model", "demo", "--quiet", "--reward-log", str(log))
    deadline = time.monotonic() + 10
    while f"reward log: {log}" not in server.output:
        assert time.monotonic() < deadline, f"the log path is printed at start; output: {server.output}"
        time.sleep(0.05)
    client = load_client(monkeypatch, server.url)
    state = TrainerState()
    state.global_step = 7
    prompts = [[{"role": "user", "content": "Solve 2x = 4."}], [{"role": "user", "content": "Solve 2x = 4."}]]
    completions = [[{"role": "assistant", "content": GOOD}], [{"role": "assistant", "content": GATED}]]
    rewards = client.reward_func(prompts, completions, trainer_state=state)
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 2
    assert [x["trainerStep"] for x in lines] == [7, 7]
    assert [x["prompt"] for x in lines] == ["Solve 2x = 4.", "Solve 2x = 4."]
    assert [x["response"] for x in lines] == [GOOD, GATED]
    assert [x["reward"] for x in lines] == rewards, "the log holds the rewards the trainer got"
    assert lines[0]["client"].startswith(f"client:{socket.gethostname()}-")
    assert lines[1]["gate"]["passed"] is False and "boxed-count" in lines[1]["gate"]["codes"]

    # Without a trainer state (verl's reward calls carry no step) the step is null.
    client.reward_func(prompts[:1], completions[:1])
    last = json.loads(log.read_text(encoding="utf-8").splitlines()[-1])
    assert last["trainerStep"] is None
