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


@pytest.mark.timeout(600)
def test_trl_smoke_run_logs_every_rollout_with_its_trainer_step(tmp_path: Path) -> None:
    """The real TRL smoke run (test/python/trl_smoke.py: GRPOTrainer, CPU, 2 steps of 8 completions)
    against `steplens serve --reward-log`: 16 lines, 8 at global_step 0 and 8 at global_step 1, each
    step's logged rewards averaging to the reward TRL itself logged for that step."""
    import trl_smoke

    model = trl_smoke.make_tiny_model(tmp_path / "model")
    prompts = trl_smoke.write_prompts(tmp_path / "prompts.jsonl")
    log = tmp_path / "rewards.jsonl"
    server = trl_smoke.Server([*trl_smoke.SERVE_ARGS, "--reward-log", str(log)])
    try:
        run = tmp_path / "run"
        init = trl_smoke.init_run(server.url, run, model, prompts)
        assert init.returncode == 0, init.stdout + init.stderr
        launched, _ = trl_smoke.launch_run(run, {})
        out = launched.stdout + launched.stderr
        assert launched.returncode == 0 and "train_grpo.py: finished 2 steps" in out, out[-4000:]
    finally:
        server.stop()
    lines = [json.loads(x) for x in log.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 16, len(lines)
    assert [x["trainerStep"] for x in lines] == [0] * 8 + [1] * 8
    assert {x["prompt"] for x in lines} == {p["problem"] for p in trl_smoke.PROMPTS}
    assert len({x["client"] for x in lines}) == 1 and lines[0]["client"].startswith("client:")
    trl_rows = [
        json.loads(x) for x in (run / "logs" / "train_log.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()
    ]
    trl_rewards = [row["reward"] for row in trl_rows if "reward" in row]
    for step, trl_mean in enumerate(trl_rewards):
        logged = [x["reward"] for x in lines if x["trainerStep"] == step]
        assert trl_mean == pytest.approx(sum(logged) / len(logged), abs=1e-5), (step, trl_mean, logged)
