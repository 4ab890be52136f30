"""Dense per-step rewards into the real verl 0.9.1.

`steplens rl init --engine verl --dense` writes steplens_dense_reward.py; verl's own reward code
loads it from the run folder with the reward keys launch.sh passes (verl's Hydra config composed
with them, `RewardLoopWorker` loading the manager and scoring a real DataProto batch, the
manager's `assemble_rm_scores` building rm_scores as `RewardLoopManager.compute_rm_score` does)
against a running `steplens serve --model demo` (a generated random-weight model: the rewards
mean nothing, the plumbing is what is checked). Independent truths: the server's own dense answer
for the same text, and the step-final tokens from the tokenizer's offset mapping (not the
manager's prefix decoding). Then verl's GRPO advantage consumes the tensor.
"""

import json
import os
import shlex
import subprocess
import sys
import urllib.request

import pytest
from conftest import CLI, NODE, REPO, ServeProcess

GATED_REWARD = -1.0


@pytest.fixture
def serve():
    """A reward server of its own: scalarize steps (dense rewards sum to the scalar) and a non-zero gated reward."""
    if not CLI.exists():
        raise RuntimeError(f"{CLI} is missing: run `npm run build` first")
    server = ServeProcess(["--model", "demo", "--quiet", "--scalarize", "steps", "--gated-reward=%s" % GATED_REWARD])
    try:
        yield server.url
    finally:
        server.stop()


def _tokenizer(tmp_path):
    """A real byte-level BPE tokenizer (Hugging Face tokenizers), saved where verl loads it from."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        "Step 1: 2x = 4, so divide both sides by 2.",
        "Step 2: x = 2.",
        "<answer>\\boxed{2}</answer>",
        "Check: 2*2 = 4.",
    ] * 50
    tok.train_from_iterator(
        corpus,
        trainers.BpeTrainer(
            vocab_size=400, special_tokens=["<pad>", "<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
        ),
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    path = tmp_path / "tokenizer"
    fast.save_pretrained(str(path))
    return fast, str(path)


def _rl_init(tmp_path, url):
    run = tmp_path / "run"
    out = subprocess.run(
        [NODE, str(CLI), "rl", "init", "--engine", "verl", "--dense", "--out", str(run), "--reward-url", url],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    return run


def _reward_keys(run):
    """The reward.* overrides launch.sh passes to verl (the non-legacy branch), $RUN_DIR filled in."""
    text = (run / "launch.sh").read_text(encoding="utf-8")
    keys = []
    for line in text.splitlines():
        if "reward.reward_manager." not in line and "reward.custom_reward_function." not in line:
            continue
        for word in shlex.split(line):
            if word.startswith("reward.reward_manager.") or word.startswith("reward.custom_reward_function."):
                keys.append(word.replace("$RUN_DIR", str(run)))
    return keys


def _batch(tok, texts):
    import numpy as np
    import torch
    from verl import DataProto

    prompt = tok("Solve 2x = 4.")["input_ids"]
    encoded = [tok(t)["input_ids"] for t in texts]
    width = max(len(e) for e in encoded) + 3  # right padding after every response
    prompts = torch.tensor([prompt] * len(texts))
    responses = torch.full((len(texts), width), tok.pad_token_id)
    mask = torch.zeros((len(texts), len(prompt) + width), dtype=torch.long)
    for i, e in enumerate(encoded):
        responses[i, : len(e)] = torch.tensor(e)
        mask[i, : len(prompt) + len(e)] = 1
    return DataProto.from_dict(
        tensors={
            "prompts": prompts,
            "responses": responses,
            "attention_mask": mask,
            "input_ids": torch.cat([prompts, responses], dim=1),
        },
        non_tensors={
            "data_source": np.array(["steplens"] * len(texts), dtype=object),
            "reward_model": np.array([{"ground_truth": "2"}] * len(texts), dtype=object),
            "extra_info": np.array([{"question": "Solve 2x = 4."}] * len(texts), dtype=object),
        },
    )


def _dense_answer(url, text):
    body = json.dumps({"items": [{"prompt": "Solve 2x = 4.", "response": text}], "dense": True}).encode()
    req = urllib.request.Request(url + "/v1/reward", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["items"][0]


@pytest.mark.timeout(600)
def test_verl_reward_loop_puts_each_step_reward_on_its_final_token(tmp_path, serve, monkeypatch):
    import numpy as np
    import ray.cloudpickle
    import torch
    import verl
    from hydra import compose, initialize_config_dir
    from verl.experimental.reward_loop.reward_loop import RewardLoopWorker
    from verl.experimental.reward_loop.reward_manager import get_reward_manager_cls
    from verl.trainer.ppo.core_algos import compute_grpo_outcome_advantage
    from verl.trainer.ppo.reward import resolve_reward_manager_cls

    assert verl.__version__ == "0.9.1"
    monkeypatch.setenv("STEPLENS_REWARD_URL", serve)
    run = _rl_init(tmp_path, serve)
    assert (run / "steplens_dense_reward.py").exists() and (run / "reward.py").exists()
    keys = _reward_keys(run)
    assert "reward.reward_manager.source=importlib" in keys
    assert "reward.reward_manager.name=StepLensDenseRewardManager" in keys
    assert "reward.reward_manager.module.path=%s/steplens_dense_reward.py" % run in keys

    tok, tok_path = _tokenizer(tmp_path)
    config_dir = os.path.join(os.path.dirname(verl.__file__), "trainer", "config")
    with initialize_config_dir(config_dir=config_dir, version_base=None):
        cfg = compose(config_name="ppo_trainer", overrides=[*keys, "actor_rollout_ref.model.path=%s" % tok_path])

    good = (
        "Step 1: 2x = 4, so divide both sides by 2.\nStep 2: x = 2.\nStep 3: Check: 2*2 = 4.\n"
        "<answer>\\boxed{2}</answer>"
    )
    gated = "\\boxed{2} and \\boxed{3}"
    texts = [good, gated]
    for t in texts:
        assert tok.decode(tok(t)["input_ids"]) == t, "the test tokenizer round-trips"
    data = _batch(tok, texts)

    # verl's own reward code: the worker loads the manager from the run folder and scores the batch.
    worker = RewardLoopWorker(cfg)
    assert type(worker.reward_manager).__name__ == "StepLensDenseRewardManager"
    outputs = worker.loop.run_until_complete(worker.compute_score_batch(data))
    # What Ray does between the worker and RewardLoopManager (cloudpickle), then compute_rm_score's assembly.
    outputs = ray.cloudpickle.loads(ray.cloudpickle.dumps(outputs))
    manager_cls = resolve_reward_manager_cls(cfg)
    registered = get_reward_manager_cls("steplens_dense")
    assert registered.__name__ == "StepLensDenseRewardManager", "registered with verl's registry"
    assert registered.score_row.__code__.co_filename == str(run / "steplens_dense_reward.py")
    rm_scores = manager_cls.assemble_rm_scores(data, [o["reward_score"] for o in outputs])
    assert rm_scores.shape == data.batch["responses"].shape

    # Independent truth: the server's dense answer for the same text, and each step's final token
    # from the tokenizer's offset mapping.
    answer = _dense_answer(serve, good)
    assert len(answer["dense"]) == 3
    offsets = tok(good, return_offsets_mapping=True)["offset_mapping"]
    expected = {}
    for s in answer["dense"]:
        final = next(i for i, (a, b) in enumerate(offsets) if a < s["end"] <= b)
        expected[final] = expected.get(final, 0.0) + s["reward"]
    row = rm_scores[0]
    nonzero = {int(i): float(row[i]) for i in torch.nonzero(row).flatten()}
    assert set(nonzero) == {t for t, r in expected.items() if r != 0.0}
    for t, r in nonzero.items():
        assert abs(r - expected[t]) < 1e-6
    # Documented sum: with scalarize "steps" the row sums to the scalar reward.
    assert abs(float(row.sum()) - answer["reward"]) < 1e-6
    assert abs(sum(s["reward"] for s in answer["dense"]) - answer["reward"]) < 1e-6

    # The gated rollout: its one reward on its last valid token.
    valid = int(data.batch["attention_mask"][1, data.batch["prompts"].size(1) :].sum())
    gated_row = rm_scores[1]
    assert torch.nonzero(gated_row).flatten().tolist() == [valid - 1]
    assert float(gated_row[valid - 1]) == GATED_REWARD

    # verl's GRPO consumes the token-level tensor: per response, the sum of its token rewards.
    response_mask = data.batch["attention_mask"][:, data.batch["prompts"].size(1) :]
    advantages, _ = compute_grpo_outcome_advantage(
        token_level_rewards=rm_scores, response_mask=response_mask, index=np.array(["p", "p"], dtype=object)
    )
    totals = rm_scores.sum(-1)
    mean, std = totals.mean(), totals.std()
    assert abs(float(advantages[0, 0]) - float((totals[0] - mean) / (std + 1e-6))) < 1e-4
    assert outputs[0]["reward_extra_info"]["steplens_steps"] == 3
    print(json.dumps({"dense": answer["dense"], "nonzero": nonzero}), file=sys.stderr)
