"""The TRL smoke run, reusable: a tiny causal LM made on the spot, a TRL run folder written by
`steplens rl init --engine trl --cpu`, and `steplens rl launch` training it against a running
`steplens serve`. Used by test_trl_smoke.py, bench/trl_smoke_bench.py and anyone who needs a live
trainer (the reward log, the run dashboard).

The model has RANDOM weights (a Qwen2 config, 2 layers, width 32) and a byte-level BPE tokenizer
trained here on a few lines of math text: nothing comes from the Hugging Face hub (HF_HUB_OFFLINE=1).
Its completions are noise; the run tests the plumbing (generation, the reward client, the server,
GRPO's update, the logs), never judgement.

    python3 test/python/trl_smoke.py make-model DIR     # the tiny model only
    python3 test/python/trl_smoke.py run DIR            # model, server, run folder, training
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from steplens_cli import CLI, NODE, REPO, ServeProcess  # this folder: sys.path[0] when run as a script

VENV_BIN = Path(sys.executable).parent

# Words the random policy can emit: the gate's tags are single tokens, so some completions carry them.
TAG_TOKENS = ["<answer>", "</answer>", "\\boxed{2}", "Step 1:", "Step 2:", "Step 3:"]
CORPUS = [
    "Step 1: Let x be the number, so 2x + 3 = 7.",
    "Step 2: Subtract 3 from both sides: 2x = 4.",
    "Step 3: Divide by 2: x = 2.",
    "The final answer is 2. <answer>\\boxed{2}</answer>",
    "What is 3 + 4? The sum of three and four is seven.",
    "A triangle has angles that add up to 180 degrees.",
]
PROMPTS = [
    {"problem": "Solve 2x + 3 = 7 for x.", "answer": "2"},
    {"problem": "What is 3 + 4?", "answer": "7"},
]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}<|end|>{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def make_tiny_model(out: Path, seed: int = 0) -> Path:
    """A random-weight Qwen2 causal LM (2 layers, width 32) and its tokenizer, saved under `out`."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out.mkdir(parents=True, exist_ok=True)
    specials = ["<|pad|>", "<|end|>", "<|user|>", "<|assistant|>", "<|system|>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=300, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(CORPUS, trainer=trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<|pad|>", eos_token="<|end|>")
    fast.add_tokens(TAG_TOKENS)
    fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(out)

    torch.manual_seed(seed)
    config = Qwen2Config(
        vocab_size=len(fast),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=2,
        num_key_value_heads=2,
        max_position_embeddings=512,
        tie_word_embeddings=True,
        pad_token_id=fast.pad_token_id,
        eos_token_id=fast.eos_token_id,
        bos_token_id=fast.eos_token_id,
    )
    Qwen2ForCausalLM(config).save_pretrained(out)
    return out


def write_prompts(path: Path) -> Path:
    path.write_text("".join(json.dumps(p) + "\n" for p in PROMPTS), encoding="utf-8")
    return path


class Server(ServeProcess):
    """`node dist/cli.js serve` on a free loopback port, ready once its banner is out; stop() ends it."""

    def __init__(self, args: list[str], start_timeout: float = 120.0) -> None:
        if not CLI.exists():
            raise RuntimeError(f"{CLI} is missing: run `node src/build/build.mjs` first")
        super().__init__(args, start_timeout, ready_line="Ctrl-C stops")  # the banner's last line


# The smoke run's reward server: the demo model (random weights), the spark preset with only its
# boxed-count rule, and -1 for a gated rollout: the policy's noise holds the "\boxed{2}" token now
# and then, so its rollouts get a mix of gated rewards (-1, reason boxed-count) and judged ones.
SERVE_ARGS = [
    "--model",
    "demo",
    "--quiet",
    "--gate",
    "spark",
    "--no-gate",
    "answer-tag-count,text-after-answer",
    "--gated-reward=-1",
]


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of `steplens rl …`: this venv's python3 and accelerate first on PATH, no hub."""
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(
        {
            "HF_HUB_OFFLINE": "1",
            "HF_DATASETS_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "TOKENIZERS_PARALLELISM": "false",
        }
    )
    env.update({"OMP_NUM_THREADS": "1", "STEPLENS_OFFLINE": "1"})
    env.update(extra or {})
    return env


def init_run(
    url: str, run_dir: Path, model_dir: Path, prompts: Path, max_steps: int = 2
) -> subprocess.CompletedProcess:
    """`steplens rl init --engine trl --cpu` with the smoke sizes: 2 prompts x 4 generations, `max_steps` steps."""
    args = ["rl", "init", "--engine", "trl", "--cpu", "--out", str(run_dir), "--reward-url", url]
    args += ["--data", str(prompts), "--model", str(model_dir), "--generations", "4", "--batch", "2"]
    args += ["--max-steps", str(max_steps), "--max-response-length", "24"]
    return subprocess.run([NODE, str(CLI), *args], cwd=REPO, env=cli_env(), capture_output=True, text=True, timeout=120)


def launch_run(
    run_dir: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> tuple[subprocess.CompletedProcess, float]:
    """`steplens rl launch RUN_DIR`: the checks, then launch.sh (accelerate launch train_grpo.py); wall seconds."""
    t0 = time.perf_counter()
    r = subprocess.run(
        [NODE, str(CLI), "rl", "launch", str(run_dir)],
        cwd=REPO,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return r, time.perf_counter() - t0


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("make-model", "run"):
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[1]).resolve()
    if argv[0] == "make-model":
        print(make_tiny_model(out))
        return 0
    model = make_tiny_model(out / "model")
    prompts = write_prompts(out / "prompts.jsonl")
    server = Server(SERVE_ARGS)
    try:
        r = init_run(server.url, out / "run", model, prompts)
        sys.stdout.write(r.stdout + r.stderr)
        if r.returncode:
            return r.returncode
        launched, seconds = launch_run(out / "run", {"STEPLENS_REWARD_CLIENT_LOG": str(out / "client_log.jsonl")})
        sys.stdout.write(launched.stdout + launched.stderr)
        print(f"steplens rl launch: exit {launched.returncode} after {seconds:.1f} s (reward server {server.url})")
        return launched.returncode
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
