"""The Python StepLens generates for TRL, as it lies in src/rl/python (the run folder gets it with the
run's values in its settings block): reward_client.py against a running `steplens serve` (the demo
model: random weights, plumbing only), and train_grpo.py's arguments against the installed TRL's
GRPOConfig.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "src" / "rl" / "python"
GOOD = "Step 1: 2x + 3 = 7.\nStep 2: 2x = 4.\nStep 3: x = 2.\n<answer>\\boxed{2}</answer>"
TRAILING = GOOD + "\nAnd one more thing."


@pytest.fixture()
def run_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """reward.py and train_grpo.py as rl init names them, importable; the modules are fresh per test."""
    shutil.copy(SOURCES / "reward_client.py", tmp_path / "reward.py")
    shutil.copy(SOURCES / "train_grpo.py", tmp_path / "train_grpo.py")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("reward", "train_grpo"):
        sys.modules.pop(name, None)
    return tmp_path


@pytest.mark.timeout(180)
def test_reward_func_gives_the_servers_rewards(
    steplens_serve, run_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STEPLENS_REWARD_URL", steplens_serve.url)
    log = run_folder / "client.jsonl"
    monkeypatch.setenv("STEPLENS_REWARD_CLIENT_LOG", str(log))
    reward = importlib.import_module("reward")
    prompts = [[{"role": "user", "content": "Solve 2x + 3 = 7."}]] * 2
    completions = [[{"role": "assistant", "content": GOOD}], [{"role": "assistant", "content": TRAILING}]]
    got = reward.reward_func(
        prompts=prompts, completions=completions, problem=["Solve 2x + 3 = 7."] * 2, reference=["2", "2"]
    )
    # The truth: the server's own answer for the same items.
    body = json.dumps({"items": [{"prompt": "Solve 2x + 3 = 7.", "response": r} for r in (GOOD, TRAILING)]}).encode()
    req = urllib.request.Request(
        steplens_serve.url + "/v1/reward", data=body, headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        truth = json.loads(r.read())
    assert got == [item["reward"] for item in truth["items"]]
    assert truth["items"][1]["gate"]["reasons"] == ["text-after-answer"], "the spark preset gates trailing text"
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [row["gate"]["reasons"] for row in rows] == [[], ["text-after-answer"]]
    assert all(row["demo"] == "demo: scores are meaningless" for row in rows)


@pytest.mark.timeout(180)
def test_train_grpo_arguments_are_the_installed_trls(run_folder: Path) -> None:
    from trl import GRPOConfig

    train = importlib.import_module("train_grpo")
    kwargs = train.config_kwargs(on_gpu=False)
    # TRL 1.16 has no max_prompt_length (prompts are not truncated by the trainer): the only name left out.
    assert "max_prompt_length" not in kwargs
    config = GRPOConfig(**kwargs)
    assert config.num_generations == train.NUM_GENERATIONS
    assert config.per_device_train_batch_size == train.PER_DEVICE_TRAIN_BATCH_SIZE
    assert config.gradient_accumulation_steps == train.GRADIENT_ACCUMULATION_STEPS
    assert config.beta == train.BETA and config.learning_rate == train.LEARNING_RATE
    assert config.use_cpu is True and config.bf16 is False
    # One optimizer step's completions: micro-batch x accumulation = prompts x generations (256 x 16 / 8 GPUs).
    assert config.per_device_train_batch_size * config.gradient_accumulation_steps * 8 == 256 * config.num_generations
