// `steplens rl init` / `rl launch` never destroy or run what they should not (issue 18), and write
// sizes that can run (issue 17): a user's files are never replaced without --force (hashes of what
// rl init wrote live in steplens-rl.json), a refusal part-way writes nothing, a dry run executes
// nothing from the run folder and the import checks never import a module planted there, a damaged
// steplens-rl.json is named with what is wrong, and impossible sizes are derived anew with a word on
// stderr. No server: the reward-server check simply reports MISSING.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { deriveRunSizes } from "../../src/rl/runSizes";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-rl-safety-"));
const prompts = path.join(tmp, "prompts.jsonl");
fs.writeFileSync(prompts, [JSON.stringify({ problem: "Solve 2x + 3 = 7.", answer: "2" }), JSON.stringify({ prompt: "What is 3 + 4?" })].join("\n") + "\n");
const URL_ = "http://127.0.0.1:9"; // nothing listens there: the launch checks report the server MISSING

function init(dir: string, extra: string[] = [], engine = "trl") {
  return cli(["rl", "init", "--engine", engine, "--out", dir, "--reward-url", URL_, "--data", prompts, ...extra]);
}

function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir).sort()) {
    const p = path.join(dir, f);
    out[f] = fs.statSync(p).isFile() ? fs.readFileSync(p, "utf8") : "<dir>";
  }
  return out;
}

test("rl init into a project folder refuses to replace the user's files, names them, and writes nothing", async () => {
  const proj = path.join(tmp, "proj");
  fs.mkdirSync(proj);
  fs.writeFileSync(path.join(proj, "README.md"), "# my project\n");
  fs.writeFileSync(path.join(proj, "reward.py"), "def mine(): pass\n");
  const before = listing(proj);
  const r = await init(proj);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /refusing to write the run folder .*: reward\.py; README\.md\./);
  assert.match(r.err, /--force/);
  assert.deepEqual(listing(proj), before, "nothing written, nothing replaced");
  // A folder that holds other things only: still not a place for a run.
  const other = path.join(tmp, "other");
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, "notes.txt"), "x");
  const o = await init(other);
  assert.equal(o.code, 1);
  assert.match(o.err, /the folder is not empty and not a StepLens run folder \(it holds notes\.txt\)/);
  assert.deepEqual(Object.keys(listing(other)), ["notes.txt"]);
  // --force writes.
  const forced = await init(proj, ["--force"]);
  assert.equal(forced.code, 0, forced.err);
  assert.notEqual(fs.readFileSync(path.join(proj, "reward.py"), "utf8"), "def mine(): pass\n");
});

test("rl init rewrites its own unchanged run folder; a file changed since is refused by name; --force overrides", async () => {
  const run = path.join(tmp, "run");
  assert.equal((await init(run)).code, 0);
  const spec = JSON.parse(fs.readFileSync(path.join(run, "steplens-rl.json"), "utf8"));
  const written = fs.readdirSync(run).filter((f) => f !== "steplens-rl.json");
  assert.ok(written.includes("train_grpo.py") && written.includes("reward.py"));
  assert.deepEqual(Object.keys(spec.files).sort(), written.sort(), "a hash for every file rl init wrote");
  for (const [name, hash] of Object.entries(spec.files))
    assert.equal(
      hash,
      (await import("node:crypto"))
        .createHash("sha256")
        .update(fs.readFileSync(path.join(run, name)))
        .digest("hex"),
      name,
    );
  fs.mkdirSync(path.join(run, "checkpoints")); // what a trainer leaves there is not in the way
  const again = await init(run, ["--generations", "8"]);
  assert.equal(again.code, 0, again.err);
  assert.match(fs.readFileSync(path.join(run, "train_grpo.py"), "utf8"), /^NUM_GENERATIONS = 8$/m);
  fs.appendFileSync(path.join(run, "reward.py"), "# my tweak\n");
  const refused = await init(run);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /reward\.py \(changed since steplens rl init wrote it\)/);
  assert.match(fs.readFileSync(path.join(run, "reward.py"), "utf8"), /# my tweak\n$/, "the user's change is kept");
  assert.equal((await init(run, ["--force"])).code, 0);
  assert.doesNotMatch(fs.readFileSync(path.join(run, "reward.py"), "utf8"), /my tweak/);
});

test("a failure part-way leaves nothing half-written: every file is written aside and renamed only once all are", async () => {
  const run = path.join(tmp, "partial");
  fs.mkdirSync(run);
  fs.mkdirSync(path.join(run, "train_grpo.py")); // the last file cannot be written (a folder is in its place)
  const r = await init(run, ["--force"]);
  assert.equal(r.code, 1, r.out);
  assert.match(r.err, /train_grpo\.py/);
  assert.deepEqual(Object.keys(listing(run)), ["train_grpo.py"], "no reward.py, launch.sh, prompts.jsonl … and no temporary files");
});

test("rl launch --dry-run runs nothing from the run folder: not its launch.sh, not a planted verl.py", async () => {
  const run = path.join(tmp, "dry");
  assert.equal((await init(run, [], "verl")).code, 0);
  const ran = path.join(tmp, "launch-ran");
  const imported = path.join(tmp, "verl-imported");
  fs.appendFileSync(path.join(run, "launch.sh"), `touch ${ran}\n`);
  fs.writeFileSync(path.join(run, "verl.py"), `open(${JSON.stringify(imported)}, "w").write("planted")\n`);
  fs.writeFileSync(path.join(run, "trl.py"), `open(${JSON.stringify(imported)}, "w").write("planted")\n`);
  const cwd = process.cwd();
  process.chdir(run); // as a user who cds into the run folder: python3 -c would put it first on sys.path
  let r: Awaited<ReturnType<typeof cli>>;
  try {
    r = await cli(["rl", "launch", ".", "--dry-run"], { env: { ...process.env, PYTHONPATH: "." } });
  } finally {
    process.chdir(cwd);
  }
  assert.equal(r.code, 0, r.err);
  assert.ok(!fs.existsSync(ran), "the folder's launch.sh did not run");
  assert.ok(!fs.existsSync(imported), "the planted verl.py was not imported by the check");
  assert.match(r.out, /python3 -m verl\.trainer\.main_ppo /, "the commands are still shown");
  assert.match(r.out, /WARNING: launch\.sh differs from what steplens rl init wrote, from line \d+: "touch /);
  assert.match(r.out, /MISSING verl importable/);
});

test("a damaged steplens-rl.json is named with what is wrong", async () => {
  const run = path.join(tmp, "damaged");
  assert.equal((await init(run)).code, 0);
  const file = path.join(run, "steplens-rl.json");
  const good = JSON.parse(fs.readFileSync(file, "utf8"));
  const cases: Array<[unknown, RegExp]> = [
    [{ ...good, rewardUrl: "not a url" }, /steplens-rl\.json: steplens-rl\.json "rewardUrl" "not a url" is not an http\(s\) URL/],
    [{ ...good, dataFiles: 5 }, /steplens-rl\.json "dataFiles" must be a list of file names inside the run folder, got 5/],
    [{ ...good, dataFiles: ["../../etc/passwd"] }, /"dataFiles" must be a list of file names inside the run folder/],
    [{ ...good, nodes: "2" }, /steplens-rl\.json "nodes" must be a number, got "2"/],
    [{ ...good, engine: "ray" }, /"engine" is "ray"; it must be one of verl, openrlhf, trl/],
    [[1, 2], /must hold a JSON object of run settings/],
  ];
  for (const [value, want] of cases) {
    fs.writeFileSync(file, JSON.stringify(value));
    const r = await cli(["rl", "launch", run, "--dry-run"]);
    assert.equal(r.code, 1, `${JSON.stringify(value).slice(0, 60)}: ${r.out}`);
    assert.match(r.err, want);
    assert.doesNotMatch(r.err, /Invalid URL|is not a function|TypeError/);
  }
  fs.writeFileSync(file, '{\n  "engine": "trl",\n  "rewardUrl": \n}');
  const broken = await cli(["rl", "launch", run]);
  assert.equal(broken.code, 1);
  assert.match(broken.err, /steplens-rl\.json: steplens-rl\.json is not valid JSON \(/);
});

test("sizes that cannot run are derived anew, each said on stderr", async () => {
  // Hand-computed: 2 prompts, 16 rollouts, 1 node x 1 GPU: TP 2 -> 1, batch 256 -> 2.
  const s = deriveRunSizes({ engine: "verl", nodes: 1, gpusPerNode: 1, rollouts: 16, batchSize: 256, tensorParallel: 2, prompts: 2 });
  assert.deepEqual([s.tensorParallel, s.batchSize], [1, 2]);
  assert.equal(s.clamped.length, 2);
  // 3 prompts x 2 rollouts = 6 completions over 4 GPUs does not split: 2 prompts x 2 = 4 does.
  assert.equal(deriveRunSizes({ engine: "openrlhf", nodes: 1, gpusPerNode: 4, rollouts: 2, batchSize: 3, tensorParallel: 2, prompts: 10 }).batchSize, 2);
  // TP 4 on 6 GPUs per node does not divide them: 3 does.
  assert.equal(deriveRunSizes({ engine: "verl", nodes: 1, gpusPerNode: 6, rollouts: 16, batchSize: 6, tensorParallel: 4, prompts: 0 }).tensorParallel, 3);
  // SPARK's sizes on 8 GPUs fit as they are; TRL: 256 x 16 / 8 = 512 completions per GPU = 32 micro-batches of 16.
  const spark = deriveRunSizes({ engine: "trl", nodes: 1, gpusPerNode: 8, rollouts: 16, batchSize: 256, tensorParallel: 2, prompts: 0 });
  assert.deepEqual([spark.batchSize, spark.perDeviceBatch, spark.gradientAccumulation, spark.clamped.length], [256, 16, 32, 0]);
  assert.throws(
    () => deriveRunSizes({ engine: "verl", nodes: 2, gpusPerNode: 8, rollouts: 2, batchSize: 2, tensorParallel: 1, prompts: 2 }),
    /2 prompt\(s\) × 2 rollouts = 4 completions per step cannot be split evenly over 16 GPU\(s\)/,
  );

  const run = path.join(tmp, "sizes");
  const r = await init(run, ["--gpus-per-node", "1"], "verl");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /steplens rl init: rollout tensor parallel 2 → 1: it must divide the 1 GPU\(s\) of a node\./);
  assert.match(r.err, /steplens rl init: batch 256 → 2 prompts per step: the prompt data holds 2\./);
  const spec = JSON.parse(fs.readFileSync(path.join(run, "steplens-rl.json"), "utf8"));
  assert.deepEqual([spec.tensorParallel, spec.batchSize], [1, 2]);
  const launch = fs.readFileSync(path.join(run, "launch.sh"), "utf8");
  assert.match(launch, /actor_rollout_ref\.rollout\.tensor_model_parallel_size=1\n/);
  assert.match(launch, /data\.train_batch_size=2\n/);
  assert.match(fs.readFileSync(path.join(run, "README.md"), "utf8"), /batch 256 → 2 prompts per step/);
  const impossible = await init(path.join(tmp, "impossible"), ["--nodes", "2", "--gpus-per-node", "8", "--generations", "2"], "openrlhf");
  assert.equal(impossible.code, 1);
  assert.match(impossible.err, /cannot be split evenly over 16 GPU\(s\).*prompts × rollouts must be a multiple of 16/s);
  assert.ok(!fs.existsSync(path.join(tmp, "impossible")), "nothing written");
});
