"""`steplens rl launch DIR --ray-address URL` on a real Ray cluster: one local Ray head for the module.

The head is started by the test on 127.0.0.1 (free ports, CPU only, 12 logical CPUs: verl's
TransferQueue places 9 one-CPU actors before it asks for GPUs) with its own temp dir, and torn down
by killing the processes whose command line names that dir, by pid (`ray stop` would stop every
Ray process of this user on the machine, other people's heads included). Every wait is bounded.

- The run's reward check as a Ray job: reward_check.py (reward.py against `steplens serve --model
  demo`) runs on the cluster, its log lines arrive on steplens's stdout, the rewards it printed
  equal the server's own answer, and the Jobs API reports the job SUCCEEDED.
- Ctrl-C: SIGINT to `steplens rl launch` stops the job on the cluster (the Jobs API reports it
  STOPPED) and steplens exits 130. The job is held by a reward server that accepts and never answers.
- verl's entry point as the job (launch.sh with the run folder as the job's working directory, on a
  tiny random-weight Qwen2 made here): it composes the config, loads the run's train.parquet, prints
  the resolved config with the run's reward function, and stops at verl's GPU check.
- `steplens synthesize --ray-address URL --shards 2` against `steplens serve --model demo`: two jobs
  SUCCEEDED, each shard folder holds the problems FNV-1a (computed here) assigns it, the merge holds
  each once; a failed shard job is named with its redo command; Ctrl-C stops both jobs (STOPPED).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = REPO / "dist" / "cli.js"
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(REPO / "src" / "rl" / "python"))
import reward_check  # noqa: E402  the check's own rollouts, for the independent answer


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ray_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"  # ray, python3: the venv's
    env.pop("RAY_ADDRESS", None)
    env.update(extra)
    return env


@contextlib.contextmanager
def silent_server(connections: int) -> Iterator[tuple[int, list[socket.socket]]]:
    """A server on 127.0.0.1 that accepts up to `connections` connections and never answers.

    Yields its port and the list of accepted connections (filled as they come); closes all on exit.
    """
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(connections)
    held: list[socket.socket] = []
    threading.Thread(target=lambda: [held.append(silent.accept()[0]) for _ in range(connections)], daemon=True).start()
    try:
        yield silent.getsockname()[1], held
    finally:
        silent.close()
        for c in held:
            c.close()


@contextlib.contextmanager
def collected_process(cmd: list[str], cwd: Path) -> Iterator[tuple[subprocess.Popen, list[str], list[str]]]:
    """Starts `cmd` (Ray's environment) with its stdout and stderr lines collected into two lists by threads.

    Yields (process, stdout lines, stderr lines); kills the process on exit if it still runs.
    """
    proc = subprocess.Popen(cmd, cwd=cwd, env=ray_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: list[str] = []
    err: list[str] = []
    threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True).start()
    threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True).start()
    try:
        yield proc, out, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def ctrl_c(proc: subprocess.Popen, timeout: float) -> int:
    """Sends SIGINT (Ctrl+C) to `proc` and returns its exit code (fails if it does not exit within `timeout` s)."""
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=timeout)


def processes_naming(tag: str) -> list[int]:
    """Processes of one Ray head: their command line names its temp folder, or (Ray's agents rename
    themselves to 'ray::DashboardAgent' and the like) one of their open files lies in it."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if tag in cmd or _has_open_file_under(entry, tag):
            found.append(int(entry))
    return found


def _has_open_file_under(pid: str, folder: str) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(folder):
                return True
        except OSError:
            continue
    return False


def wait_for(what: str, condition, timeout: float, every: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def get_json(url: str):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return json.loads(r.read())
    except OSError:
        return None


class RayHead:
    def __init__(self) -> None:
        self.temp_dir = tempfile.mkdtemp(prefix="slray-", dir="/tmp")  # short: Ray's socket paths have a length limit
        self.port = free_port()
        self.dashboard_port = free_port()
        self.dashboard = f"http://127.0.0.1:{self.dashboard_port}"
        args = [
            "ray", "start", "--head", "--port", str(self.port), "--node-ip-address", "127.0.0.1",
            "--dashboard-host", "127.0.0.1", "--dashboard-port", str(self.dashboard_port),
            "--num-cpus", "12", "--num-gpus", "0", "--temp-dir", self.temp_dir, "--disable-usage-stats",
        ]  # fmt: skip
        r = subprocess.run(args, env=ray_env(), capture_output=True, text=True, timeout=240)
        if r.returncode != 0:
            self.stop()
            raise RuntimeError(f"ray start failed:\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}")
        wait_for("the Ray dashboard's Jobs API", lambda: get_json(f"{self.dashboard}/api/jobs/") is not None, 120)

    def job(self, submission_id: str):
        return get_json(f"{self.dashboard}/api/jobs/{submission_id}")

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in processes_naming(self.temp_dir):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
            try:
                wait_for("the Ray head's processes to end", lambda: not processes_naming(self.temp_dir), 20)
                break
            except AssertionError:
                continue
        shutil.rmtree(self.temp_dir, ignore_errors=True)


@pytest.fixture(scope="module")
def ray_head():
    head = RayHead()
    try:
        yield head
    finally:
        head.stop()


def rl_init(tmp_path: Path, reward_url: str) -> Path:
    run = tmp_path / "run"
    r = subprocess.run(
        ["node", str(CLI), "rl", "init", "--engine", "verl", "--out", str(run), "--reward-url", reward_url,
         "--data", str(REPO / "examples" / "problems.jsonl"), "--gpus-per-node", "1"],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert (run / "reward_check.py").exists()
    return run


def submission_id(stderr: str) -> str:
    for word in stderr.split():
        if word.startswith("steplens-"):
            return word
    raise AssertionError(f"no submission id in: {stderr[-1000:]}")


@pytest.mark.timeout(420)
def test_reward_check_runs_as_a_ray_job_and_its_logs_arrive(ray_head, steplens_serve, tmp_path):
    run = rl_init(tmp_path, steplens_serve.url)
    r = subprocess.run(
        ["node", str(CLI), "rl", "launch", str(run), "--ray-address", ray_head.dashboard, "--reward-check"],
        cwd=REPO, env=ray_env(), capture_output=True, text=True, timeout=360,
    )  # fmt: skip
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    job = ray_head.job(submission_id(r.stderr))
    assert job["status"] == "SUCCEEDED" and job["entrypoint"] == "python3 reward_check.py"
    lines = {ln.split(": ", 2)[1].split(" rollout")[0]: ln for ln in r.stdout.splitlines() if " rollout: reward " in ln}
    assert set(lines) == {"formatted", "broken"}, r.stdout[-2000:]
    assert "gate passed" in lines["formatted"] and "gate failed (boxed-count" in lines["broken"]
    assert "steplens reward check: ok" in r.stdout
    # Independent truth: the server's answer for the same rollouts, asked here.
    body = json.dumps(
        {
            "items": [
                {"prompt": reward_check.PROBLEM, "response": t} for t in (reward_check.FORMATTED, reward_check.BROKEN)
            ]
        }
    )
    req = urllib.request.Request(
        steplens_serve.url + "/v1/reward", data=body.encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=60) as answer:
        truth = [i["reward"] for i in json.loads(answer.read())["items"]]
    for name, value in zip(("formatted", "broken"), truth):
        printed = float(lines[name].split(" rollout: reward ")[1].split(",")[0])
        assert printed == pytest.approx(value, rel=1e-6), (name, lines[name], value)


@pytest.mark.timeout(420)
def test_ctrl_c_stops_the_ray_job(ray_head, tmp_path):
    # A reward server that accepts connections and never answers holds the job in its first request.
    with silent_server(16) as (port, held):
        run = rl_init(tmp_path, f"http://127.0.0.1:{port}")
        cmd = ["node", str(CLI), "rl", "launch", str(run), "--ray-address", ray_head.dashboard, "--reward-check"]
        with collected_process(cmd, REPO) as (proc, out, err):
            wait_for(
                "the job's first log line on steplens's stdout",
                lambda: any(" asks http://127.0.0.1:" in ln for ln in out),
                240,
            )
            wait_for("the job to reach the silent server", lambda: held, 60)
            sid = submission_id("".join(err))
            assert ray_head.job(sid)["status"] == "RUNNING"
            code = ctrl_c(proc, 120)
    assert code == 130, ("".join(out)[-2000:], "".join(err)[-2000:])
    assert "stopping Ray job" in "".join(err)
    assert wait_for("Ray to report the job STOPPED", lambda: ray_head.job(sid)["status"] == "STOPPED", 60)


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    """A random-weight Qwen2 (2 layers, width 32) and a byte-level BPE tokenizer with a ChatML template, made here."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        json.loads(ln)["problem"]
        for ln in (REPO / "examples" / "problems.jsonl").read_text().splitlines()
        if ln.strip()
    ]
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<pad>", "<eos>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus * 20, trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")
    fast.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
    )
    path = tmp_path_factory.mktemp("tiny-qwen2")
    fast.save_pretrained(str(path))
    config = Qwen2Config(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=2,
        num_key_value_heads=1, max_position_embeddings=4096,
        pad_token_id=fast.pad_token_id, eos_token_id=fast.eos_token_id,
    )  # fmt: skip
    Qwen2ForCausalLM(config).save_pretrained(str(path))
    GenerationConfig(eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id).save_pretrained(str(path))
    return str(path)


@pytest.mark.timeout(600)
def test_verls_entry_point_runs_as_a_ray_job_up_to_its_gpu_check(ray_head, steplens_serve, tiny_model, tmp_path):
    run = rl_init(tmp_path, steplens_serve.url)
    r = subprocess.run(
        ["node", str(CLI), "rl", "launch", str(run), "--ray-address", ray_head.dashboard],
        cwd=REPO, env=ray_env(MODEL=tiny_model), capture_output=True, text=True, timeout=540,
    )  # fmt: skip
    logs = r.stdout
    assert r.returncode == 1, (logs[-3000:], r.stderr[-3000:])
    job = ray_head.job(submission_id(r.stderr))
    assert job["status"] == "FAILED" and job["entrypoint"] == "bash launch.sh"
    # Hydra composed launch.sh's overrides, verl validated them and its TaskRunner got the resolved config ...
    assert "'custom_reward_function': {'name': 'compute_score'," in logs and "'path': 'reward.py'}" in logs
    # ... loaded the run folder's train.parquet (6 prompts) from the job's working directory ...
    assert "dataset len: 6" in logs
    # ... and stopped where it asks for GPUs: as far as verl goes on CPU.
    assert "ValueError: Total available GPUs 0 is less than total desired GPUs 1" in logs
    assert logs.index("dataset len: 6") < logs.index("Total available GPUs 0")


def fnv1a(text: str) -> int:
    """FNV-1a (32-bit) over UTF-8, written here from its definition: the shard a problem id belongs to."""
    h = 0x811C9DC5
    for byte in text.encode("utf-8"):
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text().splitlines() if ln.strip()]


@pytest.mark.timeout(420)
def test_synthesize_shards_run_as_ray_jobs_and_merge(ray_head, steplens_serve, tmp_path):
    ids = ["p-alpha", "p-beta", "p-gamma", "p-delta", "p-epsilon"]
    by_shard = {i: {p for p in ids if fnv1a(p) % 2 == i} for i in (0, 1)}
    assert by_shard[0] and by_shard[1], by_shard  # both jobs get work
    problems = tmp_path / "problems.jsonl"
    lines = [json.dumps({"id": p, "problem": f"What is {n} + {n}?"}) for n, p in enumerate(ids)]
    problems.write_text("\n".join(lines) + "\n")
    out = tmp_path / "merged"
    r = subprocess.run(
        ["node", str(CLI), "synthesize", "--problems", str(problems), "--out", str(out),
         "--ray-address", ray_head.dashboard, "--shards", "2", "--endpoint", steplens_serve.url + "/v1",
         "--solutions", "1", "--verifications", "1", "--max-tokens", "8"],
        cwd=tmp_path, env=ray_env(), capture_output=True, text=True, timeout=360,
    )  # fmt: skip
    assert r.returncode == 0, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    # Two Ray jobs, one per shard, each ended SUCCEEDED in the Jobs API; their logs arrived prefixed by shard.
    sids = {}
    for line in r.stderr.splitlines():
        for i in (0, 1):
            head = f"[shard {i}/2] steplens: Ray job steplens-synthesize-{i}-of-2-"
            if line.startswith(head) and " submitted " in line:
                sids[i] = line.split("Ray job ")[1].split()[0]
    assert set(sids) == {0, 1}, r.stderr[-3000:]
    for i, sid in sids.items():
        job = ray_head.job(sid)
        assert job["status"] == "SUCCEEDED", job
        assert f"--shard {i}/2" in job["entrypoint"] and job["entrypoint"].startswith("node cli.js synthesize")
    # Each shard folder holds exactly the problems whose id hashes to it; the merge holds each problem once.
    shard_records = {}
    for i in (0, 1):
        folder = Path(f"{out}-shards") / f"{i}-of-2"
        sols = jsonl(folder / "solutions.jsonl")
        assert sorted(s["problemId"] for s in sols) == sorted(by_shard[i]), (i, sols)
        for name in ("solutions.jsonl", "verifications.jsonl", "labels.jsonl"):
            shard_records.setdefault(name, []).extend(jsonl(folder / name))
    merged_sols = jsonl(out / "solutions.jsonl")
    assert sorted(s["problemId"] for s in merged_sols) == sorted(ids)
    assert sorted(s["id"] for s in merged_sols) == sorted(f"{p}#s0" for p in ids)
    for name, records in shard_records.items():
        key = lambda rec: json.dumps(rec, sort_keys=True)  # noqa: E731
        assert sorted(map(key, jsonl(out / name))) == sorted(map(key, records)), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert sorted(m["shard"]["index"] for m in manifest["mergedFrom"]) == [0, 1]
    assert f"Merged 2 shards into {out}: 5 problems" in r.stdout


@pytest.mark.timeout(420)
def test_a_failed_synthesis_shard_job_is_named_with_its_redo_command(ray_head, steplens_serve, tmp_path):
    ids = ["p-alpha", "p-beta", "p-gamma", "p-delta", "p-epsilon"]
    problems = tmp_path / "problems.jsonl"
    problems.write_text(
        "".join(json.dumps({"id": p, "problem": f"What is {n} * 2?"}) + "\n" for n, p in enumerate(ids))
    )
    out = tmp_path / "merged"
    # Shard 1's folder holds a record file StepLens did not write: its job must refuse it and fail.
    blocked = Path(f"{out}-shards") / "1-of-2"
    blocked.mkdir(parents=True)
    (blocked / "solutions.jsonl").write_text('{"not": "ours"}\n')
    common = ["--endpoint", steplens_serve.url + "/v1", "--solutions", "1", "--verifications", "1", "--max-tokens", "8"]
    r = subprocess.run(
        ["node", str(CLI), "synthesize", "--problems", str(problems), "--out", str(out),
         "--ray-address", ray_head.dashboard, "--shards", "2", *common],
        cwd=tmp_path, env=ray_env(), capture_output=True, text=True, timeout=360,
    )  # fmt: skip
    assert r.returncode == 1, f"stdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    assert (blocked / "solutions.jsonl").read_text() == '{"not": "ours"}\n'  # left as it was
    assert not out.exists()  # nothing merged
    err = r.stderr.splitlines()
    failed = [ln for ln in err if ln.startswith("  shard ")]
    assert len(failed) == 1 and failed[0].startswith("  shard 1/2 (Ray job steplens-synthesize-1-of-2-"), err[-20:]
    sid = failed[0].split("Ray job ")[1].split(")")[0]
    assert ray_head.job(sid)["status"] == "FAILED"
    ok_sid = next(ln.split("Ray job ")[1].split()[0] for ln in err if ln.startswith("[shard 0/2] steplens: Ray job "))
    assert ray_head.job(ok_sid)["status"] == "SUCCEEDED"
    # The job's own error arrived in its streamed log, prefixed by its shard.
    logs = [ln for ln in r.stdout.splitlines() if ln.startswith("[shard 1/2] ")]
    assert any("no manifest.json" in ln for ln in logs), r.stdout[-3000:]
    # The printed redo command, run here once the blocker is gone, and the printed merge give every problem once.
    redo = err[err.index(failed[0]) + 1].split()
    merge = err[err.index("then merge:") + 1].split()
    assert (
        redo[:2] == ["steplens", "synthesize"]
        and "--resume" in redo
        and merge[:3] == ["steplens", "synthesize", "merge"]
    )
    shutil.rmtree(blocked)
    for words in (redo, merge):
        done = subprocess.run(["node", str(CLI), *words[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, (words, done.stderr[-2000:])
    assert sorted(s["problemId"] for s in jsonl(out / "solutions.jsonl")) == sorted(ids)


@pytest.mark.timeout(420)
def test_ctrl_c_stops_every_synthesis_shard_job(ray_head, tmp_path):
    # An endpoint that accepts connections and never answers holds both jobs in their first request.
    problems = tmp_path / "problems.jsonl"
    ids = ["p-alpha", "p-beta", "p-gamma", "p-delta", "p-epsilon"]  # both shards get some (asserted above)
    problems.write_text("".join(json.dumps({"id": p, "problem": "What is 1 + 1?"}) + "\n" for p in ids))
    with silent_server(32) as (port, held):
        cmd = ["node", str(CLI), "synthesize", "--problems", str(problems), "--out", str(tmp_path / "merged"),
               "--ray-address", ray_head.dashboard, "--shards", "2", "--endpoint", f"http://127.0.0.1:{port}/v1",
               "--api-model", "silent", "--solutions", "1", "--verifications", "1", "--max-tokens", "8"]  # fmt: skip
        with collected_process(cmd, tmp_path) as (proc, out, err):

            def sids() -> dict[int, str]:
                found = {}
                for ln in list(err):
                    for i in (0, 1):
                        if ln.startswith(f"[shard {i}/2] steplens: Ray job ") and " submitted " in ln:
                            found[i] = ln.split("Ray job ")[1].split()[0]
                return found

            wait_for("both shard jobs submitted", lambda: len(sids()) == 2, 240)
            jobs = sids()
            wait_for(
                "both shard jobs RUNNING",
                lambda: all((ray_head.job(s) or {}).get("status") == "RUNNING" for s in jobs.values()),
                120,
            )
            wait_for("the jobs to reach the silent endpoint", lambda: held, 120)
            code = ctrl_c(proc, 150)
    assert code == 130, ("".join(out)[-2000:], "".join(err)[-2000:])
    for i in (0, 1):
        assert any(ln.startswith(f"[shard {i}/2] ") and "stopping Ray job" in ln for ln in err), "".join(err)[-2000:]
    for sid in jobs.values():
        assert wait_for(f"Ray to report {sid} STOPPED", lambda sid=sid: ray_head.job(sid)["status"] == "STOPPED", 60)
    assert not (tmp_path / "merged").exists()
