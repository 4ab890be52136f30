"""verl accepts what `steplens rl init --engine verl` writes, on verl's own code.

- The overrides launch.sh passes (taken from its dry run, as bash would pass them) compose against
  verl's own Hydra config with `python -m verl.trainer.main_ppo --cfg job` for the pinned verl
  (0.9.1, in the venv) and the oldest claimed (0.7.1, `--target` install in .test-env/verl-0.7.1);
  an unknown key makes the same command fail (the check can fail).
- verl 0.7.0 really rejects the `reward.*` keys (composed against its own config), and launch.sh
  says so and stops before starting anything.
- verl's RewardLoopWorker loads reward.py with verl's own custom-reward loader and scores a real
  DataProto with its naive reward manager, against the running `steplens serve --model demo`
  (random weights: the values mean nothing, the plumbing is checked). The rows come from a parquet
  written by `steplens export --format verl-parquet` and by `rl init`; the independent truth is the
  server's own /v1/reward answer for the problem text read from the source dataset.
verl's entry point on CPU up to its GPU check runs in test_ray.py (one Ray head for all Ray tests).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from steplens_cli import cli

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"
VENV_BIN = Path(sys.executable).parent
PINNED = "0.9.1"
OLDEST = "0.7.1"
PROBE = Path(__file__).with_name("verl_reward_probe.py")
GSM8K = REPO / "examples" / "processbench" / "gsm8k.json"

FORMATTED = (
    "Step 1: Seven times seventy is 490.\nStep 2: 40 less than that is 490 - 40 = 450.\n"
    "Step 3: So the bakery has 450 loaves.\n<answer>\\boxed{450}</answer>"
)
GATED = "Step 1: It is \\boxed{450}.\nStep 2: Or \\boxed{460}.\n<answer>\\boxed{450}</answer>"


def verl_pythonpath(version: str) -> str:
    """PYTHONPATH that makes `import verl` give `version` (the venv holds the pinned one)."""
    if version == PINNED:
        return ""
    target = REPO / ".test-env" / f"verl-{version}"
    if not (target / "verl").is_dir():
        raise RuntimeError(
            f"{target} is missing: test/runner/setup-test-env.sh installs verl {version} there"
            " (pip install --no-deps --target)"
        )
    return str(target)


def env_for(version: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # python3 in launch.sh is the venv's
    env["PYTHONPATH"] = verl_pythonpath(version)
    env.pop("VERL_LEGACY_REWARD", None)
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def tokenizer_dir(tmp_path_factory) -> str:
    """A real byte-level BPE tokenizer (Hugging Face tokenizers) saved where verl loads the model's."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [FORMATTED, GATED, GSM8K.read_text(encoding="utf-8")[:4000]] * 20
    trainer = trainers.BpeTrainer(
        vocab_size=500, special_tokens=["<pad>", "<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    for text in (FORMATTED, GATED):
        assert fast.decode(fast(text)["input_ids"]) == text, "the test tokenizer round-trips the responses"
    path = tmp_path_factory.mktemp("verl-tokenizer")
    fast.save_pretrained(str(path))
    return str(path)


@pytest.fixture(scope="module")
def verl_run(tmp_path_factory, steplens_serve) -> Path:
    run = tmp_path_factory.mktemp("verl-run") / "run"
    r = cli(
        "rl",
        "init",
        "--engine",
        "verl",
        "--out",
        str(run),
        "--reward-url",
        steplens_serve.url,
        "--data",
        str(REPO / "examples" / "problems.jsonl"),
        "--gpus-per-node",
        "1",
    )
    assert r.returncode == 0, r.stderr
    return run


def launch_overrides(run: Path, model: str, version: str = PINNED) -> list[str]:
    """The main_ppo arguments launch.sh passes, from its dry run, split as bash splits them."""
    r = subprocess.run(
        ["bash", str(run / "launch.sh")],
        cwd=run,
        env=env_for(version, DRY_RUN="1", NNODES="1", MODEL=model),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "verl.trainer.main_ppo" in ln)
    words = shlex.split(line)
    assert words[:3] == ["python3", "-m", "verl.trainer.main_ppo"], words[:3]
    return words[3:]


def cfg_job(run: Path, overrides: list[str], version: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "verl.trainer.main_ppo", "--cfg", "job", *overrides],
        cwd=run,
        env=env_for(version),
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.timeout(600)
@pytest.mark.parametrize("version", [PINNED, OLDEST])
def test_launch_overrides_compose_against_verls_own_config(verl_run, tokenizer_dir, version):
    overrides = launch_overrides(verl_run, tokenizer_dir, version)
    r = cfg_job(verl_run, overrides, version)
    assert r.returncode == 0, r.stderr[-3000:]
    cfg = yaml.safe_load(r.stdout)
    assert cfg["reward"]["reward_manager"]["name"] == "naive"
    assert cfg["reward"]["custom_reward_function"]["path"] == "reward.py"
    assert cfg["reward"]["custom_reward_function"]["name"] == "compute_score"
    assert cfg["algorithm"]["adv_estimator"] == "grpo"
    assert cfg["actor_rollout_ref"]["rollout"]["n"] == 16
    assert cfg["actor_rollout_ref"]["actor"]["kl_loss_type"] == "low_var_kl"
    assert cfg["actor_rollout_ref"]["model"]["path"] == tokenizer_dir
    assert cfg["data"]["train_files"] == "train.parquet"
    assert cfg["trainer"]["n_gpus_per_node"] == 1 and cfg["trainer"]["nnodes"] == 1
    spec = json.loads((verl_run / "steplens-rl.json").read_text(encoding="utf-8"))
    assert cfg["data"]["train_batch_size"] == spec["batchSize"] == 6, "the batch is clamped to the 6 prompts given"
    if version == PINNED:
        # The same command refuses a key verl's config does not have: composing is a real check.
        bad = cfg_job(verl_run, [*overrides, "reward.no_such_key=1"], version)
        assert bad.returncode != 0 and "no_such_key" in bad.stderr, bad.stderr[-2000:]


@pytest.mark.timeout(300)
def test_verl_070_rejects_the_reward_block_and_launch_sh_says_so(verl_run, tokenizer_dir):
    from hydra import compose, initialize_config_dir
    from hydra.errors import ConfigCompositionException
    from omegaconf.errors import ConfigKeyError

    overrides = launch_overrides(verl_run, tokenizer_dir)
    config_070 = Path(verl_pythonpath("0.7.0")) / "verl" / "trainer" / "config"
    with initialize_config_dir(config_dir=str(config_070), version_base=None):
        with pytest.raises((ConfigCompositionException, ConfigKeyError)) as refused:
            compose(config_name="ppo_trainer", overrides=overrides)
    assert "reward" in str(refused.value)
    r = subprocess.run(
        ["bash", str(verl_run / "launch.sh")],
        cwd=verl_run,
        env=env_for("0.7.0", NNODES="1", MODEL=tokenizer_dir),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "verl 0.7.0 has no reward.* config" in r.stderr and "pip install 'verl>=0.7.1'" in r.stderr
    legacy = subprocess.run(
        ["bash", str(verl_run / "launch.sh")],
        cwd=verl_run,
        env=env_for(PINNED, NNODES="1", DRY_RUN="1", VERL_LEGACY_REWARD="1"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert legacy.returncode == 2 and "VERL_LEGACY_REWARD is no longer supported" in legacy.stderr


def server_rewards(url: str, items: list[dict]) -> list[dict]:
    body = json.dumps({"items": items}).encode()
    req = urllib.request.Request(url + "/v1/reward", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())["items"]


@pytest.fixture(scope="module")
def export_parquet(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("verl-export") / "gsm8k.parquet"
    r = cli("export", str(GSM8K), "--format", "verl-parquet", "--out", str(out))
    assert r.returncode == 0, r.stderr
    return out


@pytest.mark.timeout(600)
@pytest.mark.parametrize(("version", "source"), [(PINNED, "export"), (PINNED, "rl-init"), (OLDEST, "rl-init")])
def test_verls_reward_loop_calls_reward_py_against_the_server(
    verl_run, tokenizer_dir, export_parquet, steplens_serve, tmp_path, version, source
):
    parquet = export_parquet if source == "export" else verl_run / "train.parquet"
    if source == "export":
        expected_problems = [r["problem"] for r in json.loads(GSM8K.read_text(encoding="utf-8"))]
    else:
        expected_problems = [
            json.loads(ln)["problem"]
            for ln in (REPO / "examples" / "problems.jsonl").read_text(encoding="utf-8").splitlines()
            if ln.strip()
        ]
    responses = [FORMATTED, GATED, FORMATTED, GATED]
    (tmp_path / "overrides.json").write_text(json.dumps(launch_overrides(verl_run, tokenizer_dir, version)))
    (tmp_path / "responses.json").write_text(json.dumps(responses))
    r = subprocess.run(
        [
            sys.executable,
            str(PROBE),
            str(tmp_path / "overrides.json"),
            str(parquet),
            str(tmp_path / "responses.json"),
            tokenizer_dir,
            str(verl_run),
        ],
        env=env_for(version, STEPLENS_REWARD_URL=steplens_serve.url),
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert r.returncode == 0, r.stderr[-4000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert got["verl"] == version
    assert got["manager"] == "NaiveRewardManager"
    assert os.path.realpath(got["loaded_from"]) == os.path.realpath(verl_run / "reward.py"), (
        "verl's loader took the run folder's reward.py"
    )
    assert got["function"] == "compute_score"
    # The problem text verl hands the reward function (extra_info.problem) is the dataset's own.
    assert got["problems"] == [expected_problems[i % len(expected_problems)] for i in range(len(responses))]
    # Independent truth: the server's answer for (that problem, that response), asked directly.
    truth = server_rewards(
        steplens_serve.url, [{"prompt": p, "response": t} for p, t in zip(got["problems"], responses)]
    )
    assert got["scores"] == pytest.approx([t["reward"] for t in truth], abs=1e-9)
    assert [t["gate"]["passed"] for t in truth] == [True, False, True, False]
    assert "boxed-count" in truth[1]["gate"]["reasons"]
    # The problem text matters to the judge: asked without it, the same response scores differently.
    blind = server_rewards(steplens_serve.url, [{"prompt": "", "response": FORMATTED}])[0]["reward"]
    assert any(abs(blind - s) > 1e-9 for s in (got["scores"][0], got["scores"][2]))
