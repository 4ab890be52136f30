// `steplens rl init|launch` and the generated reward.py, end to end on loopback: a real `steplens serve`
// (run through runCli) with the generated tiny test model (RANDOM weights: rewards are plumbing
// here, not judgement), the run folders for verl, OpenRLHF and TRL, `bash -n` and dry runs of
// launch.sh, and reward.py imported and called by this machine's python3 — both verl signatures, the
// TRL function, values in range, a gated response, a timeout, a server that is down.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { cli, memoryIo } from "../support/cliIo";
import { runCli } from "../../src/cli/main";
import { readParquetIndependently } from "../support/parquetReader";
import { postJson, serveTestModel } from "./serve-fixture";
import { waitForValue } from "../support/wait";

const GOOD = "Step 1: Let x be the number, so 2x + 3 = 7.\nStep 2: Subtract 3: 2x = 4.\nStep 3: Divide by 2: x = 2.\n<answer>\\boxed{2}</answer>";
const HACKED = GOOD + "\nStep 1: Another problem: 1 + 1 = 2.\n<answer>\\boxed{2}</answer>";

let tmp: string;
let url: string;
let stopServer: AbortController;
let served: Promise<number>;
let hang: net.Server;
const hangSockets = new Set<net.Socket>();
let hangUrl: string;
/** Connections the never-answering server accepted (one per reward.py attempt). */
let hangConnections = 0;
let closedUrl: string;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-rl-"));
  const model = await serveTestModel();
  stopServer = new AbortController();
  const io = memoryIo({ env: { STEPLENS_OFFLINE: "1" }, signal: stopServer.signal });
  served = runCli(["serve", "--model", model, "--prm", "math-shepherd", "--port", "0", "--gpu", "off", "--sequences", "2", "--quiet"], io);
  url = await waitForValue("serve to print its URL", () => /listening on (http:\/\/\S+)/.exec(io.out())?.[1], { timeoutMs: 60_000, intervalMs: 25 }).catch(
    (e: Error) => {
      throw new Error(`serve did not start: ${e.message}; its stderr: ${io.err()}`);
    },
  );
  // A server that accepts connections and never answers (for the timeout), and a closed port.
  hang = net.createServer((sock) => {
    hangConnections++;
    hangSockets.add(sock);
    sock.on("close", () => hangSockets.delete(sock));
  });
  await new Promise<void>((r) => hang.listen(0, "127.0.0.1", () => r()));
  hangUrl = `http://127.0.0.1:${(hang.address() as net.AddressInfo).port}`;
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", () => r()));
  closedUrl = `http://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((r) => probe.close(r));
  fs.writeFileSync(
    path.join(tmp, "prompts.jsonl"),
    [JSON.stringify({ problem: "Solve 2x + 3 = 7.", answer: "2" }), JSON.stringify({ prompt: "What is 3 + 4?" })].join("\n") + "\n",
  );
});

after(async () => {
  stopServer?.abort();
  assert.equal(await served, 0, "steplens serve stops cleanly");
  for (const sock of hangSockets) sock.destroy();
  await new Promise((r) => hang?.close(r));
});

function initRun(engine: string, extra: string[] = []) {
  const dir = path.join(tmp, `run-${engine}-${extra.length}`);
  return cli(["rl", "init", "--engine", engine, "--out", dir, "--reward-url", url, "--data", path.join(tmp, "prompts.jsonl"), ...extra]).then((r) => ({
    ...r,
    dir,
  }));
}

function noContinuationComments(script: string): void {
  const lines = script.split("\n");
  lines.forEach((l, i) => {
    assert.ok(!/\\\s*#/.test(l), `line ${i + 1}: a comment after a line continuation`);
    assert.ok(!/\\$/.test(l), `line ${i + 1}: a line continuation (commands are arrays, one argument per line)`);
  });
}

/** python3 -c script, asynchronously: the server under test runs in this process and must keep serving. */
function python(script: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<{ status: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn("python3", ["-c", script], { env: { PATH: process.env.PATH, ...env } });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, out, err });
    });
  });
}

test("rl init --engine verl writes launch.sh, reward.py, parquet prompts, README; bash -n and dry runs (one node, Ray head, Ray worker)", async () => {
  const r = await initRun("verl", ["--nodes", "2", "--gpus-per-node", "4"]);
  assert.equal(r.code, 0, r.err);
  for (const f of ["launch.sh", "reward.py", "README.md", "train.parquet", "problems.jsonl", "runtime_env.yaml", "steplens-rl.json"])
    assert.ok(fs.existsSync(path.join(r.dir, f)), f);
  const launch = fs.readFileSync(path.join(r.dir, "launch.sh"), "utf8");
  noContinuationComments(launch);
  assert.equal(spawnSync("bash", ["-n", path.join(r.dir, "launch.sh")]).status, 0, "bash -n");
  assert.ok(fs.statSync(path.join(r.dir, "launch.sh")).mode & 0o100, "executable");

  const table = readParquetIndependently(fs.readFileSync(path.join(r.dir, "train.parquet")));
  assert.equal(table.rows.length, 2);
  const row = table.rows[0] as { prompt: Array<{ role: string; content: string }>; reward_model: { ground_truth: string }; extra_info: { problem_id: string } };
  assert.match(row.prompt[0]!.content, /^Solve 2x \+ 3 = 7\.\n\n.*<answer>/s, "problem, then the instruction the gate expects");
  assert.equal(row.reward_model.ground_truth, "2");
  const problems = fs
    .readFileSync(path.join(r.dir, "problems.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.equal(problems.find((p) => p.problem_id === row.extra_info.problem_id)?.problem, "Solve 2x + 3 = 7.");

  const single = await cli(["rl", "launch", r.dir, "--dry-run"], { env: { ...process.env, NNODES: "1" } });
  assert.equal(single.code, 0, single.err);
  assert.match(single.out, /ok +reward server: http:\/\/127\.0\.0\.1:\d+ answers \(prm judge, scalarize auto, gate spark\)/);
  assert.match(single.out, /python3 -m verl\.trainer\.main_ppo algorithm\.adv_estimator=grpo /);
  for (const key of [
    "actor_rollout_ref.rollout.n=16",
    "actor_rollout_ref.actor.optim.lr=1e-6",
    "actor_rollout_ref.actor.kl_loss_coef=0.001",
    "actor_rollout_ref.actor.kl_loss_type=low_var_kl",
    "reward.reward_manager.name=naive",
    "reward.custom_reward_function.path=reward.py",
    "reward.custom_reward_function.name=compute_score",
    "trainer.n_gpus_per_node=4",
    "data.train_files=train.parquet",
  ]) {
    assert.ok(single.out.includes(key), `dry run has ${key}`);
  }
  if (!spawnSync("python3", ["-c", "import verl"]).status) assert.fail("verl is importable here; the MISSING check below assumes it is not");
  assert.match(single.out, /MISSING verl importable: .*\n {8}fix: pip install verl/);
  const legacy = await cli(["rl", "launch", r.dir, "--dry-run"], { env: { ...process.env, NNODES: "1", VERL_LEGACY_REWARD: "1" } });
  // The legacy mode is gone (no verl reward loop has the batch manager): launch.sh says so and stops.
  assert.equal(legacy.code, 1, legacy.out);
  assert.match(legacy.err, /VERL_LEGACY_REWARD is no longer supported/);

  const head = await cli(["rl", "launch", r.dir, "--dry-run"], { env: { ...process.env, NODE_RANK: "0" } });
  assert.match(head.out, /ray start --head --port=6379 --dashboard-host=0\.0\.0\.0 --dashboard-port=8265/);
  assert.match(
    head.out,
    /ray job submit --address=http:\/\/127\.0\.0\.1:8265 --runtime-env=runtime_env\.yaml --no-wait -- python3 -m verl\.trainer\.main_ppo .*trainer\.nnodes=2 /,
  );
  const worker = await cli(["rl", "launch", r.dir, "--dry-run"], { env: { ...process.env, NODE_RANK: "1", HEAD_ADDR: "10.0.0.1" } });
  assert.match(worker.out, /ray start --address=10\.0\.0\.1:6379 --block/);
  assert.doesNotMatch(worker.out, /main_ppo/);

  // A run written for another gate preset than the server runs: the check says so, with the --gate to start it with.
  const strict = await initRun("verl", ["--gate", "strict"]);
  assert.equal(strict.code, 0, strict.err);
  const mismatch = await cli(["rl", "launch", strict.dir, "--dry-run"]);
  assert.match(
    mismatch.out,
    /MISSING reward server: .* answers \(prm judge, scalarize auto, gate spark\), but this run was written for gate strict\n {8}fix: .*--gate strict/,
  );

  // Without --dry-run, missing prerequisites stop it before anything starts.
  const real = await cli(["rl", "launch", r.dir], { env: { ...process.env, NNODES: "1" } });
  assert.equal(real.code, 1);
  assert.match(real.err, /prerequisite\(s\) missing \(fixes above\); nothing started/);
  assert.match(fs.readFileSync(path.join(r.dir, "README.md"), "utf8"), /verl 0\.9\.1 and 0\.7\.1 .*test\/python\/test_verl\.py/s);
});

test("rl init for OpenRLHF and TRL: scripts pass bash -n, dry runs show the reward wiring", async () => {
  const o = await initRun("openrlhf");
  assert.equal(o.code, 0, o.err);
  noContinuationComments(fs.readFileSync(path.join(o.dir, "launch.sh"), "utf8"));
  assert.equal(spawnSync("bash", ["-n", path.join(o.dir, "launch.sh")]).status, 0);
  const od = await cli(["rl", "launch", o.dir, "--dry-run"], { env: { ...process.env, GPUS_PER_NODE: "8" } });
  assert.equal(od.code, 0, od.err);
  assert.ok(od.out.includes(`--reward.remote_url ${url}/get_reward`), od.out);
  for (const a of [
    "--algo.advantage.estimator group_norm",
    "--rollout.n_samples_per_prompt 16",
    "--algo.kl.estimator k3",
    "--vllm.num_engines 4",
    "--data.input_key prompt",
  ])
    assert.ok(od.out.includes(a), a);
  const rows = fs
    .readFileSync(path.join(o.dir, "prompts.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(Object.keys(rows[0]), ["prompt", "label"]);
  assert.equal(rows[0].label, "2");

  const t = await initRun("trl");
  assert.equal(t.code, 0, t.err);
  assert.equal(spawnSync("bash", ["-n", path.join(t.dir, "launch.sh")]).status, 0);
  const td = await cli(["rl", "launch", t.dir, "--dry-run"], { env: { ...process.env, NNODES: "2", NODE_RANK: "1", HEAD_ADDR: "10.0.0.1" } });
  assert.match(
    td.out,
    /accelerate launch --mixed_precision bf16 --dynamo_backend no --num_machines 2 --num_processes 16 --machine_rank 1 --main_process_ip 10\.0\.0\.1 --main_process_port 29500 train_grpo\.py/,
  );
  const train = fs.readFileSync(path.join(t.dir, "train_grpo.py"), "utf8");
  // src/rl/python/train_grpo.py with this run's values in its settings block (SPARK's sizes on 8 GPUs).
  assert.match(train, /^NUM_GENERATIONS = 16$/m);
  assert.match(train, /^BETA = 0\.001$/m);
  // batch 256 -> the 2 prompts given; 2 x 16 completions over 8 GPUs = 4 per GPU, one micro-batch.
  assert.match(train, /^PER_DEVICE_TRAIN_BATCH_SIZE = 4$/m);
  assert.match(train, /^GRADIENT_ACCUMULATION_STEPS = 1$/m);
  assert.equal(
    spawnSync("python3", ["-c", `import ast,sys; ast.parse(open(sys.argv[1]).read())`, path.join(t.dir, "train_grpo.py")]).status,
    0,
    "train_grpo.py parses",
  );
});

test("rl init refuses bad input with exit 2 / a clear error", async () => {
  assert.equal((await cli(["rl", "init", "--engine", "ray", "--out", tmp, "--reward-url", url])).code, 2);
  const bad = await cli(["rl", "init", "--engine", "verl", "--out", path.join(tmp, "x"), "--reward-url", url, "--model", "a b; rm -rf /"]);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /cannot hold safely/);
  const notRun = await cli(["rl", "launch", tmp]);
  assert.equal(notRun.code, 1);
  assert.match(notRun.err, /not an RL run folder/);
});

test("reward.py under python3: both verl signatures, TRL's reward_func, values in range, a gated response", async () => {
  const r = await initRun("trl", ["--scalarize", "min"]);
  assert.equal(r.code, 0, r.err);
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(r.dir)})
import reward
good, hacked = ${JSON.stringify(GOOD)}, ${JSON.stringify(HACKED)}
one = reward.compute_score("steplens", good, "2", {"problem": "Solve 2x + 3 = 7."})
gated = reward.compute_score(data_source="steplens", solution_str=hacked, ground_truth="2", extra_info=None)
batch = reward.compute_score_batch(data_sources=["a", "b", "c"], solution_strs=[good, hacked, good], ground_truths=["2", "2", None], extra_infos=[{}, {}, None])
trl_chat = reward.reward_func(prompts=[[{"role": "user", "content": "Solve 2x + 3 = 7."}]], completions=[[{"role": "assistant", "content": good}]], completion_ids=[[1, 2]], problem=["Solve 2x + 3 = 7."], reference=["2"], trainer_state=None)
trl_text = reward.reward_func(["Solve 2x + 3 = 7."], [good, hacked][:1])
print(json.dumps({"one": one, "gated": gated, "batch": batch, "trl_chat": trl_chat, "trl_text": trl_text}))
`;
  const p = await python(script, { STEPLENS_REWARD_URL: url });
  assert.equal(p.status, 0, p.err);
  const out = JSON.parse(p.out.trim().split("\n").pop()!);
  for (const v of [out.one, ...out.batch, ...out.trl_chat, ...out.trl_text]) assert.ok(typeof v === "number" && v >= 0 && v <= 1, `in [0, 1]: ${v}`);
  assert.ok(out.one > 0, "a well-formed rollout gets the PRM's min step score (never exactly 0 from a softmax)");
  assert.equal(out.gated, 0, "the appended second solution is gated");
  assert.equal(out.batch.length, 3);
  assert.equal(out.batch[1], 0);
  assert.equal(out.batch[0], out.batch[2], "the same rollout gets the same reward");
  assert.equal(out.trl_chat[0], out.one, "TRL's conversational rows read the same as verl's");
});

test("reward.py: a timeout and a server that is down give one clear error (or zeros when asked)", async () => {
  const r = await initRun("verl");
  const call = `
import sys
sys.path.insert(0, ${JSON.stringify(r.dir)})
import reward
try:
    print("value", reward.compute_score("s", ${JSON.stringify(GOOD)}, "2", {}))
except reward.StepLensRewardError as e:
    print("error", e)
`;
  const connectionsBefore = hangConnections;
  // Two 0.5 s attempts: the 20 s limit on the child (killed then, status null) only catches a hang.
  const slow = await python(
    call,
    {
      STEPLENS_REWARD_URL: hangUrl,
      STEPLENS_REWARD_TIMEOUT: "0.5",
      STEPLENS_REWARD_RETRIES: "1",
      STEPLENS_REWARD_BACKOFF: "0.05",
    },
    20_000,
  );
  assert.equal(slow.status, 0, slow.err);
  assert.match(slow.out, /^error the StepLens reward server at http:\/\/127\.0\.0\.1:\d+\/v1\/reward is not reachable \(timed out after 0\.5s; 2 attempts\)/);
  assert.equal(hangConnections - connectionsBefore, 2, "one connection per attempt: the first and one retry, then it gave up");
  const down = await python(call, { STEPLENS_REWARD_URL: closedUrl, STEPLENS_REWARD_RETRIES: "2", STEPLENS_REWARD_BACKOFF: "0.01" });
  assert.match(down.out, /^error .*is not reachable \(.*refused.*; 3 attempts\)\. Start it with 'steplens serve --model <PRM> --prm <adapter>'/);
  const zero = await python(call, { STEPLENS_REWARD_URL: closedUrl, STEPLENS_REWARD_RETRIES: "0", STEPLENS_REWARD_ON_ERROR: "zero" });
  assert.match(zero.out, /^value 0\.0$/m);
});

test("one bad rollout in a batch costs only its own reward: too long for the context (server) or refused (reward.py)", async () => {
  // Longer than the test model's context (4096 tokens) but well-formed: it passes the gate, then cannot be judged.
  const long = `Step 1: ${"x = 2 and ".repeat(20_000)}\nStep 2: So x = 2.\nStep 3: Check: 2*2 = 4.\n<answer>\\boxed{2}</answer>`;
  const post = (route: string, body: unknown) => postJson(url + route, body);
  const items = [GOOD, long, GOOD].map((response) => ({ prompt: "Solve 2x + 3 = 7.", response }));
  const v1 = await post("/v1/reward", { items });
  assert.equal(v1.status, 200, JSON.stringify(v1.json).slice(0, 300));
  assert.deepEqual(
    v1.json.items.map((it: { gate: { reasons: string[] } }) => it.gate.reasons),
    [[], ["too-long"], []],
  );
  assert.equal(v1.json.items[1].reward, 0, "the gated reward");
  assert.match(v1.json.items[1].gate.details[0], /token|context/);
  assert.ok(v1.json.items[0].reward > 0 && v1.json.items[0].reward === v1.json.items[2].reward, "the others are judged");
  // The demo label: the test model has random weights.
  assert.equal(v1.json.demo, "demo: scores are meaningless");
  assert.equal(v1.json.items[0].demo, "demo: scores are meaningless");
  const gr = await post("/get_reward", { query: items.map((i) => `${i.prompt}\n${i.response}`), prompts: items.map((i) => i.prompt) });
  assert.equal(gr.status, 200);
  assert.deepEqual(gr.json.extra_logs.gate_too_long, [0, 1, 0]);
  assert.equal(gr.json.rewards[1], 0);
  assert.ok(gr.json.rewards[0] > 0);
  assert.equal(gr.json.demo, "demo: scores are meaningless");
  const score = await post("/v1/score", { problem: "2x = 4", steps: ["x = 2"] });
  assert.equal(score.json.demo, "demo: scores are meaningless");

  // reward.py: a batch the server refuses (one item is malformed) is split until the refused item
  // is alone; it gets STEPLENS_REWARD_ITEM_ERROR_REWARD (default 0) and a warning, the others their rewards.
  const r = await initRun("trl", ["--generations", "4"]);
  assert.equal(r.code, 0, r.err);
  const script = `
import json, sys
sys.path.insert(0, ${JSON.stringify(r.dir)})
import reward
good = ${JSON.stringify(GOOD)}
items = [{"prompt": "Solve 2x + 3 = 7.", "response": good}] * 2 + [{"prompt": "p", "response": 5}] + [{"prompt": "Solve 2x + 3 = 7.", "response": good}]
try:
    print(json.dumps(reward.rewards(items)))
except reward.StepLensRewardError as e:
    print("error", e)
`;
  const split = await python(script, { STEPLENS_REWARD_URL: url });
  assert.equal(split.status, 0, split.err);
  const values = JSON.parse(split.out.trim().split("\n").pop()!) as number[];
  assert.equal(values.length, 4);
  assert.equal(values[2], 0);
  assert.ok(values[0]! > 0 && values[0] === values[1] && values[1] === values[3], values.join());
  assert.match(split.err, /refused one rollout \(HTTP 400: items\[0\]\.response must be a string\.; response of 1 characters\); it gets 0/);
  const strict = await python(script, { STEPLENS_REWARD_URL: url, STEPLENS_REWARD_ITEM_ERROR_REWARD: "raise" });
  assert.match(strict.out, /^error the StepLens reward server refused one rollout \(HTTP 400/m);
  // A setup error (no such route: a wrong URL path) stops at once with what to check.
  const wrong = await python(script, { STEPLENS_REWARD_URL: `${url}/nope` });
  assert.match(wrong.out, /^error the StepLens reward server at .*\/nope\/v1\/reward refused the request \(HTTP 404\).*Check STEPLENS_REWARD_URL/m);
});
