"""OpenRLHF accepts what `steplens rl init --engine openrlhf` writes, on OpenRLHF's own code (0.11.2).

- The flags launch.sh passes (from its dry run, split as bash splits them) go through OpenRLHF's
  entry point `openrlhf/cli/train_ppo_ray.py` as installed: its own argparse parser and every
  validation after it, up to `train()`, whose first act is `ray.init` — patched to raise a sentinel
  there. The file's imports of the training stack (`openrlhf.trainer.*`: vLLM and DeepSpeed, CUDA
  builds that cannot be installed here) are left out when it is executed; they are used only inside
  `train()` after `ray.init`. Nothing else is stubbed. A misspelt flag fails the same parser.
- OpenRLHF's own remote-reward client (`SingleTurnAgentExecutor._fetch_rewards_via_http`, what each
  rollout calls after generation: one item per request, a new connection each, 5 tries 1 s apart,
  a lost reward on failure) fetches rewards from `steplens serve --model demo` started with the
  queue flags the run README gives, in OpenRLHF's traffic shape: rollout batch x samples per
  prompt = 64 x 16 = 1,024 requests at once. No request errors, no lost reward, and every reward
  equals the server's answer for the same rollout asked afterwards in batches (random weights:
  the values mean nothing, the plumbing and the load are checked).
"""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import json
import logging
import os
import re
import resource
import shlex
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from steplens_cli import cli

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"
PROMPTS = 64
SAMPLES = 16
RESPONSES = [
    "Step 1: Write the equation.\nStep 2: Solve it.\nStep 3: Check it.\n<answer>\\boxed{%d}</answer>",
    "Step 1: Guess.\nStep 2: Check.\nStep 3: Done.\n<answer>\\boxed{%d}</answer>",
    "Step 1: It is \\boxed{%d}.\n<answer>\\boxed{1}</answer>",
    "I think the answer is %d.",
]


def make_openrlhf_run(base: Path, prompts: int = PROMPTS) -> Path:
    """`steplens rl init --engine openrlhf` over `prompts` sum problems, in base/run (also used by
    bench/openrlhf_reward_burst_bench.py). The reward URL is replaced per run by STEPLENS_REWARD_URL."""
    data = base / "prompts.jsonl"
    data.write_text(
        "".join(
            json.dumps({"problem": f"What is {i} + {i + 1}?", "answer": str(2 * i + 1)}) + "\n" for i in range(prompts)
        )
    )
    run = base / "run"
    r = cli(
        "rl",
        "init",
        "--engine",
        "openrlhf",
        "--out",
        str(run),
        "--reward-url",
        "http://127.0.0.1:8080",
        "--data",
        str(data),
    )
    if r.returncode != 0:
        raise RuntimeError(r.stderr)
    return run


@pytest.fixture(scope="module")
def openrlhf_run(tmp_path_factory) -> Path:
    """A run folder for 64 prompts x 16 samples."""
    return make_openrlhf_run(tmp_path_factory.mktemp("openrlhf-run"))


def launch_flags(run: Path, reward_url: str) -> list[str]:
    env = dict(os.environ, DRY_RUN="1", NNODES="1", STEPLENS_REWARD_URL=reward_url)
    r = subprocess.run(["bash", str(run / "launch.sh")], cwd=run, env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    line = next(ln for ln in r.stdout.splitlines() if "openrlhf.cli.train_ppo_ray" in ln)
    words = shlex.split(line)
    assert words[:3] == ["python3", "-m", "openrlhf.cli.train_ppo_ray"], words[:3]
    return words[3:]


class ReachedRayInit(Exception):
    """OpenRLHF's entry point got to `ray.init` in `train()`: every argument check before it passed."""


def run_entry_point(flags: list[str], monkeypatch) -> tuple[object, dict]:
    """Executes the installed train_ppo_ray.py as `python -m` would, up to ray.init; returns (args, ray.init kwargs)."""
    import ray

    spec = importlib.util.find_spec("openrlhf.cli.train_ppo_ray")
    assert spec and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"), spec.origin)
    training_stack = [
        n for n in tree.body if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("openrlhf.trainer")
    ]
    assert len(training_stack) == 4, "train_ppo_ray.py's imports changed: check what is left out"
    tree.body = [n for n in tree.body if n not in training_stack]
    seen: dict = {}

    def fake_init(*a, **kw):
        seen.update(kw)
        raise ReachedRayInit()

    monkeypatch.setattr(ray, "init", fake_init)
    monkeypatch.setattr(ray, "is_initialized", lambda: False)
    monkeypatch.setattr(sys, "argv", [spec.origin, *flags])
    namespace = {"__name__": "__main__", "__file__": spec.origin}
    with pytest.raises(ReachedRayInit):
        exec(compile(tree, spec.origin, "exec"), namespace)
    return namespace["args"], seen


@pytest.mark.timeout(120)
def test_launch_flags_pass_openrlhfs_own_parser_up_to_ray_init(openrlhf_run, monkeypatch):
    url = "http://127.0.0.1:18080"
    flags = launch_flags(openrlhf_run, url)
    spec = json.loads((openrlhf_run / "steplens-rl.json").read_text(encoding="utf-8"))
    args, ray_init = run_entry_point(flags, monkeypatch)
    assert "runtime_env" in ray_init, "stopped at train()'s own ray.init"
    assert args.reward.remote_url == [f"{url}/get_reward"]
    assert args.rollout.n_samples_per_prompt == SAMPLES
    assert args.rollout.batch_size == spec["batchSize"] == PROMPTS
    assert args.train.batch_size == PROMPTS * SAMPLES
    assert args.algo.advantage.estimator == "group_norm"
    assert args.actor.adam.lr == pytest.approx(1e-6)
    assert args.algo.kl.use_loss and args.algo.kl.estimator == "k3" and args.algo.kl.init_coef == pytest.approx(0.001)
    assert (
        args.data.prompt_dataset == "prompts.jsonl"
        and args.data.input_key == "prompt"
        and args.data.label_key == "label"
    )
    assert args.data.apply_chat_template
    assert args.train.colocate_all
    # Both sleep modes on, paired as upstream's examples do (vLLM's survives the colocate check).
    assert args.ds.enable_sleep and args.vllm.enable_sleep
    assert args.actor.model_name_or_path == spec["model"]
    # The same parser refuses a misspelt flag: the check can fail.
    with pytest.raises(SystemExit) as refused:
        run_entry_point([*flags, "--rollout.n_samples_per_promt", "4"], monkeypatch)
    assert refused.value.code == 2


def serve_flags_from_readme(run: Path) -> list[str]:
    """The queue flags of the serve command the run README gives."""
    readme = (run / "README.md").read_text(encoding="utf-8")
    m = re.search(r"^steplens serve .*?(--max-waiting (\d+) --max-connections (\d+))$", readme, re.M)
    assert m, "the README's serve command carries the queue flags"
    return m.group(1).split()


def chatml(problem_prompt: str) -> str:
    return f"<|im_start|>user\n{problem_prompt}<|im_end|>\n<|im_start|>assistant\n"


def rollouts(run: Path) -> list[tuple[str, str, str]]:
    """(query, prompt, label) per rollout, as OpenRLHF builds them: every prompt x SAMPLES samples."""
    rows = [json.loads(ln) for ln in (run / "prompts.jsonl").read_text(encoding="utf-8").splitlines() if ln.strip()]
    out = []
    for i, row in enumerate(rows):
        prompt = chatml(row["prompt"])
        for k in range(SAMPLES):
            response = RESPONSES[k % len(RESPONSES)] % (2 * i + 1)
            out.append((prompt + response + "<|im_end|>", prompt, row["label"]))
    return out


@pytest.mark.timeout(600)
def test_openrlhfs_client_gets_every_reward_of_a_1024_rollout_burst(openrlhf_run, serve_factory):
    from openrlhf.utils.agent import SingleTurnAgentExecutor

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 4096:  # one socket per request, as OpenRLHF opens them
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 8192), hard))
    queue_flags = serve_flags_from_readme(openrlhf_run)
    assert queue_flags[1] == str(PROMPTS * SAMPLES), "the README sizes the queue from the run's burst"
    server = serve_factory("--model", "demo", "--quiet", *queue_flags)
    url = f"{server.url}/get_reward"
    items = rollouts(openrlhf_run)
    assert len(items) == 1024

    errors: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            if "error" in record.getMessage().lower():
                errors.append(record.getMessage())

    agent_log = logging.getLogger("openrlhf.utils.agent")
    handler = Collect()
    agent_log.addHandler(handler)
    try:
        executor = SingleTurnAgentExecutor([url])  # what RolloutRayActor builds from --reward.remote_url

        async def burst():
            # Each rollout's reward, all at once, exactly as SingleTurnAgentExecutor.execute fetches it.
            return await asyncio.gather(*(executor._fetch_rewards_via_http([q], [p], [lab]) for q, p, lab in items))

        t0 = time.perf_counter()
        answers = asyncio.run(burst())
        seconds = time.perf_counter() - t0
    finally:
        agent_log.removeHandler(handler)
    assert errors == [], f"{len(errors)} request errors (each a 503 or a dropped connection), e.g. {errors[:3]}"
    got = []
    for a in answers:
        assert len(a) == 1 and len(a[0]["rewards"]) == 1, a
        got.append(a[0]["rewards"][0])
    assert all(isinstance(r, (int, float)) for r in got), "no lost reward"

    # Independent truth: the server's answers for the same rollouts, asked again in batches of 256.
    truth: list[float] = []
    for start in range(0, len(items), 256):
        chunk = items[start : start + 256]
        body = json.dumps(
            {
                "query": [q for q, _, _ in chunk],
                "prompts": [p for _, p, _ in chunk],
                "labels": [lab for _, _, lab in chunk],
            }
        )
        req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            truth.extend(json.loads(r.read())["rewards"])
    # Batched on the engine's parallel sequences, llama.cpp's sums differ in the last digits (~1e-6).
    assert got == pytest.approx(truth, rel=1e-3, abs=1e-7)
    gated = sum(1 for r in got if r == 0)
    assert 0 < gated < len(got), "the burst holds rollouts the gate passes and rollouts it gates"
    health = json.loads(urllib.request.urlopen(server.url + "/health", timeout=10).read())
    assert health["requests"] >= 1024 + 4
    print(
        json.dumps(
            {"rollouts": len(items), "seconds": round(seconds, 3), "rewards_per_second": round(len(items) / seconds, 1)}
        ),
        file=sys.stderr,
    )
