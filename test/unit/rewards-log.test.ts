// The reward log (src/rewards/rewardLog.ts): one whole JSON line per rewarded rollout from both
// server routes and `steplens reward`, with the trainer step the client sent; a file that is not a
// reward log is refused untouched; a torn last line is cut before appending; rotation by size never
// overwrites a file and loses no line; the log reads back as a dataset (segment, export).
// The judge is the fake engine whose step score is written in the step text ("q=0.7"), so the
// expected step values and rewards are read off the test's own strings.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RewardLog, type RewardLogLine, rotatedName } from "../../src/rewards/rewardLog";
import { rewardOptionsFromConfig, scoreReward } from "../../src/rewards/rewardScorer";
import { DEFAULT_CONFIG } from "../../src/config";
import { StepLensServer } from "../../src/server/stepLensServer";
import { makeRewardCommand } from "../../src/cli/commands/reward";
import { runCli } from "../../src/cli/main";
import { rewardServeArgs } from "../../src/pipelines/rewardPipelineArgs";
import { cli, memoryIo, jsonLines } from "../support/cliIo";
import { fakeEngine } from "../support/fakeEngine";
import { postJson } from "./serve-fixture";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-reward-log-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const qScore = (step: string) => Number(/q=([\d.]+)/.exec(step)?.[1] ?? 0.5);
/** Passes SPARK's gate: three steps, one \boxed{} inside one <answer>. */
const GOOD = "Step 1: 2x = 4 q=0.9\nStep 2: x = 2 q=0.6\nStep 3: check 2*2 = 4 q=0.8\n<answer>\\boxed{2}</answer>";
/** Fails boxed-count (two \boxed{}) and answer-tag-count (no <answer>). */
const GATED = "Step 1: x = 2 \\boxed{2}\nStep 2: or \\boxed{3}\nStep 3: done";

function lines(file: string): RewardLogLine[] {
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), `${path.basename(file)} ends with a whole line`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as RewardLogLine);
}

const opts = rewardOptionsFromConfig(DEFAULT_CONFIG);

test("a rewarded rollout becomes one line: prompt, response, the judge's steps and values, gate, reward, model, trainer step", async () => {
  const file = path.join(dir, "one", "rewards.jsonl");
  const log = new RewardLog(file, { model: "prm.gguf" });
  const engine = fakeEngine({ stepScore: qScore });
  const good = await scoreReward(engine, { prompt: "Solve 2x = 4.", response: GOOD }, opts);
  const gated = await scoreReward(engine, { prompt: "Solve 2x = 4.", response: GATED }, opts);
  log.append({ client: "client:trl", route: "/v1/reward", item: { prompt: "Solve 2x = 4.", response: GOOD, reference: "2" }, detail: good, trainerStep: 7 });
  log.append({ client: "cli", route: "steplens reward", item: { prompt: "Solve 2x = 4.", response: GATED }, detail: gated, trainerStep: null });
  log.close();
  const [a, b] = lines(file);
  assert.ok(a && b, "two log records");
  assert.equal(a.log, "steplens-reward-log");
  assert.equal(a.prompt, "Solve 2x = 4.");
  assert.equal(a.response, GOOD);
  assert.equal(a.reference, "2");
  assert.equal(a.trainerStep, 7);
  assert.equal(a.client, "client:trl");
  assert.equal(a.model, "prm.gguf");
  assert.equal(a.steps.length, 3);
  assert.match(a.steps[2]!, /check 2\*2 = 4 q=0\.8/);
  assert.deepEqual(a.stepValues, [0.9, 0.6, 0.8]);
  assert.equal(a.scalarize, "min");
  assert.equal(a.reward, 0.6, "min of the three step values");
  assert.deepEqual(a.gate, { passed: true, codes: [], details: [] });
  assert.ok(!Number.isNaN(Date.parse(a.time)));
  assert.equal(b.gate.passed, false);
  assert.deepEqual(b.gate.codes, ["boxed-count", "answer-tag-count"]);
  assert.equal(b.gate.details.length, 2);
  assert.deepEqual(b.stepValues, [], "no model ran for a gated rollout");
  assert.equal(b.reward, 0);
  assert.equal(b.trainerStep, null);
  assert.notEqual(a.id, b.id);
  assert.equal(engine.calls.filter((c) => c.kind === "scoreSteps").length, 1, "the judge ran once, for the rollout that passed");
});

test("a file that is not a reward log is refused and left byte for byte as it was", () => {
  const file = path.join(dir, "data.jsonl");
  const original = '{"problem": "p", "steps": ["a"]}\n';
  fs.writeFileSync(file, original);
  assert.throws(() => new RewardLog(file, { model: "m" }), /not a StepLens reward log: refusing to append/);
  assert.equal(fs.readFileSync(file, "utf8"), original);
  const link = path.join(dir, "link.jsonl");
  fs.symlinkSync(path.join(dir, "elsewhere.jsonl"), link);
  assert.throws(() => new RewardLog(link, { model: "m" }), /symbolic link/);
  assert.ok(!fs.existsSync(path.join(dir, "elsewhere.jsonl")), "nothing was written through the link");
});

test("a torn last line (a crash mid-write) is cut before appending; ids stay unique across restarts", async () => {
  const file = path.join(dir, "torn.jsonl");
  const engine = fakeEngine({ stepScore: qScore });
  const d = await scoreReward(engine, { prompt: "p", response: GOOD }, opts);
  const first = new RewardLog(file, { model: "m" });
  for (let i = 0; i < 3; i++) first.append({ client: "cli", route: "r", item: { prompt: "p", response: GOOD }, detail: d, trainerStep: i });
  first.close();
  fs.appendFileSync(file, '{"log": "steplens-reward-log", "id": "half'); // cut short
  const second = new RewardLog(file, { model: "m" });
  second.append({ client: "cli", route: "r", item: { prompt: "p", response: GOOD }, detail: d, trainerStep: 3 });
  second.close();
  const all = lines(file);
  assert.deepEqual(
    all.map((l) => l.trainerStep),
    [0, 1, 2, 3],
  );
  assert.equal(new Set(all.map((l) => l.id)).size, 4);
});

test("rotation by size: full files become NAME.<n>.jsonl, an existing NAME.1.jsonl is never replaced, no line is lost", async () => {
  const rotDir = path.join(dir, "rot");
  fs.mkdirSync(rotDir);
  const file = path.join(rotDir, "rewards.jsonl");
  const foreign = path.join(rotDir, "rewards.1.jsonl");
  fs.writeFileSync(foreign, "not mine\n");
  const engine = fakeEngine({ stepScore: qScore });
  const d = await scoreReward(engine, { prompt: "p", response: GOOD }, opts);
  const log = new RewardLog(file, { model: "m", maxBytes: 4096 });
  const n = 40;
  for (let i = 0; i < n; i++) log.append({ client: "cli", route: "r", item: { prompt: `p${i}`, response: GOOD }, detail: d, trainerStep: i });
  log.close();
  assert.equal(fs.readFileSync(foreign, "utf8"), "not mine\n");
  assert.ok(log.rotated.length >= 2, `rotated ${log.rotated.length} times`);
  assert.equal(log.rotated[0], rotatedName(file, 2));
  const files = [...log.rotated, file];
  const steps: number[] = [];
  for (const f of files) {
    const ls = lines(f);
    assert.ok(fs.statSync(f).size < 4096 + 2048, `${path.basename(f)} stays near the limit`);
    steps.push(...ls.map((l) => l.trainerStep!));
  }
  assert.deepEqual(
    steps,
    Array.from({ length: n }, (_, i) => i),
  );
});

test("the server logs both reward routes with the client and trainer_step; a bad trainer_step is a 400", async () => {
  const file = path.join(dir, "serve.jsonl");
  const engine = fakeEngine({ stepScore: qScore });
  const log = new RewardLog(file, { model: "judge.gguf" });
  const server = await StepLensServer.start({ engine, port: 0, rewardLog: log });
  try {
    const post = (route: string, body: unknown, headers: Record<string, string> = {}) => postJson(server.url + route, body, headers, { timeoutMs: 10_000 });
    const r1 = await post(
      "/v1/reward",
      {
        trainer_step: 12,
        items: [
          { prompt: "Solve 2x = 4.", response: GOOD },
          { prompt: "Solve 2x = 4.", response: GATED, trainer_step: 13 },
        ],
      },
      { "X-StepLens-Client": "trl-run" },
    );
    assert.equal(r1.status, 200);
    assert.deepEqual(
      r1.json.items.map((i: any) => i.reward),
      [0.6, 0],
    );
    const r2 = await post("/get_reward", { query: [`Solve 3x = 9.\n${GOOD}`], prompts: ["Solve 3x = 9.\n"] });
    assert.equal(r2.status, 200);
    const bad = await post("/v1/reward", { trainer_step: -1, items: [{ prompt: "p", response: GOOD }] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /trainer_step/);
  } finally {
    await server.close();
    log.close();
  }
  const [a, b, c, ...rest] = lines(file);
  assert.equal(rest.length, 0, "the refused request logged nothing");
  assert.equal(a!.client, "client:trl-run");
  assert.equal(a!.route, "/v1/reward");
  assert.equal(a!.trainerStep, 12);
  assert.deepEqual(a!.stepValues, [0.9, 0.6, 0.8]);
  assert.equal(b!.trainerStep, 13, "an item's own trainer_step wins");
  assert.deepEqual(b!.gate.codes, ["boxed-count", "answer-tag-count"]);
  assert.equal(c!.route, "/get_reward");
  assert.equal(c!.trainerStep, null);
  assert.equal(c!.prompt.trim(), "Solve 3x = 9.");
  assert.equal(c!.reward, 0.6);
  assert.equal(c!.model, "judge.gguf");
});

test("steplens reward --reward-log logs every line with its trainer_step; the log reads back with segment and export", async () => {
  const input = path.join(dir, "rollouts.jsonl");
  fs.writeFileSync(
    input,
    [
      JSON.stringify({ prompt: "Solve 2x = 4.", response: GOOD, trainer_step: 1 }),
      JSON.stringify({ prompt: "Solve 5x = 10.", response: GOOD.replace(/q=0\.6/, "q=0.3"), trainer_step: 2 }),
      JSON.stringify({ prompt: "Solve 2x = 4.", response: GATED }),
    ].join("\n") + "\n",
  );
  const logFile = path.join(dir, "cli-rewards.jsonl");
  const command = makeRewardCommand({ engine: async () => fakeEngine({ stepScore: qScore }) });
  const io = memoryIo();
  const code = await command.run([input, "--model", "x.gguf", "--reward-log", logFile], io);
  assert.equal(code, 0, io.err());
  assert.match(io.out(), new RegExp(`reward log: ${logFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  const logged = lines(logFile);
  assert.deepEqual(
    logged.map((l) => [l.trainerStep, l.reward]),
    [
      [1, 0.6],
      [2, 0.3],
      [null, 0],
    ],
  );

  // segment reads it as a dataset: the steps are the ones the judge saw.
  const seg = await cli(["segment", logFile, "--json"]);
  assert.equal(seg.code, 0, seg.err);
  const traces = jsonLines(seg.out);
  assert.equal(traces.length, 3);
  assert.equal(traces[0].problem, "Solve 2x = 4.");
  assert.deepEqual(
    traces[0].steps.map((s: any) => (typeof s === "string" ? s : s.text)),
    logged[0]!.steps,
  );

  // export writes the rollouts' problems as RL data (formats that need step labels need labels the log does not hold).
  const out = path.join(dir, "export.jsonl");
  const ex = await cli(["export", logFile, "--format", "verl-jsonl", "--out", out]);
  assert.equal(ex.code, 0, ex.err + ex.out);
  const exported = fs.readFileSync(out, "utf8").trim().split("\n");
  assert.deepEqual(
    exported.map((l) => JSON.parse(l).extra_info.problem),
    ["Solve 2x = 4.", "Solve 5x = 10."],
    "one RL row per distinct prompt of the log",
  );
});

test("--reward-log-max-mb without --reward-log is a usage error", async () => {
  const io = memoryIo();
  const code = await runCli(["reward", "x.jsonl", "--model", "m.gguf", "--reward-log-max-mb", "5"], io);
  assert.equal(code, 2, io.err());
});

test("the editor's reward server gets --reward-log from steplens.rewards.logFile (none when empty); serve --help documents it", async () => {
  const config = structuredClone(DEFAULT_CONFIG);
  config.models.prm = "/models/prm.gguf";
  const without = rewardServeArgs(config) as string[];
  assert.ok(!without.includes("--reward-log"));
  config.rewards.logFile = "rl-runs/rewards.jsonl";
  config.rewards.logMaxMb = 64;
  const args = rewardServeArgs(config) as string[];
  const at = args.indexOf("--reward-log");
  assert.deepEqual(args.slice(at, at + 4), ["--reward-log", "rl-runs/rewards.jsonl", "--reward-log-max-mb", "64"]);
  const help = await cli(["serve", "--help"]);
  assert.match(help.out, /--reward-log FILE/);
  assert.match(help.out, /--reward-log-max-mb N/);
});
