// `steplens reward` on the generated tiny test model (RANDOM weights: the numbers are plumbing, not
// judgement): one JSON line per input line with the gate's reason codes, gated rows never reach the
// model, the same numbers as the server's /v1/reward, bad lines named, flags checked.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli, jsonLines } from "../support/cliIo";
import { StepLensServer } from "../../src/server/stepLensServer";
import type { Engine } from "../../src/engines/engine";
import { serveTestEngine, serveTestModel } from "./serve-fixture";
import { makeRewardCommand } from "../../src/cli/commands/reward";
import { memoryIo } from "../support/cliIo";
import { fakeEngine } from "../support/fakeEngine";

const GOOD = "Step 1: 2x + 3 = 7, so 2x = 4.\nStep 2: Divide by 2: x = 2.\nStep 3: Check: 2*2 + 3 = 7.\n<answer>\\boxed{2}</answer>";
const CASES = [
  { prompt: "Solve 2x + 3 = 7.", response: GOOD, reference: "2" },
  { prompt: "Solve 2x + 3 = 7.", response: GOOD.replace("x = 2.", "x = \\boxed{2}.") },
  { prompt: "Solve 2x + 3 = 7.", response: GOOD + "\nThanks!" },
  { prompt: "Solve 2x + 3 = 7.", response: GOOD + "\n\nProblem: 1+1?\nStep 1: 2.\n<answer>\\boxed{2}</answer>" },
  { prompt: "Solve 2x + 3 = 7.", response: Array.from({ length: 22 }, (_, i) => `Step ${i + 1}: x = 2.`).join("\n") + "\n<answer>\\boxed{2}</answer>" },
  { prompt: "Solve 2x + 3 = 7.", response: GOOD.replace("<answer>", "").replace("</answer>", "") },
];

let tmp: string;
let model: string;
let file: string;
let engine: Engine;
let server: StepLensServer;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-reward-"));
  model = await serveTestModel();
  file = path.join(tmp, "rollouts.jsonl");
  fs.writeFileSync(file, [...CASES.map((c) => JSON.stringify(c)), "{ not json", JSON.stringify({ prompt: "x", response: 3 })].join("\n") + "\n");
  engine = await serveTestEngine();
  server = await StepLensServer.start({ engine, port: 0 });
});

after(async () => {
  await server?.close();
  await engine?.dispose();
});

test("steplens reward --json: one line per input line, reason codes, gated rows get the gated reward, bad lines named (exit 1)", async () => {
  // --gate strict: SPARK's three rules plus StepLens's step-count and second-solution.
  const r = await cli(["reward", file, "--model", model, "--gpu", "off", "--json", "--gate", "strict"], { env: { STEPLENS_OFFLINE: "1" } });
  assert.equal(r.code, 1, "two unreadable lines");
  const lines = jsonLines(r.out);
  assert.equal(lines.length, 8);
  assert.deepEqual(
    lines.map((l) => l.line),
    [1, 2, 3, 4, 5, 6, 7, 8],
  );
  const [good, boxed, after, second, padded, noTag, badJson, badType] = lines;
  assert.equal(good.gate.passed, true);
  assert.ok(good.reward > 0 && good.reward <= 1);
  assert.equal(good.scalarize, "min", "--model alone: the scalar PRM's min");
  assert.equal(good.reward, Math.min(...good.steps));
  assert.equal(good.stepCount, 3);
  assert.equal(good.answer, "2");
  assert.equal(good.answerCorrect, true);
  assert.equal(good.demo, "demo: scores are meaningless");
  assert.deepEqual(boxed.gate.reasons, ["boxed-count"]);
  assert.deepEqual(after.gate.reasons, ["text-after-answer"]);
  assert.ok(second.gate.reasons.includes("second-solution"));
  assert.deepEqual(padded.gate.reasons, ["step-count"]);
  assert.deepEqual(noTag.gate.reasons, ["answer-tag-count"]);
  for (const g of [boxed, after, second, padded, noTag]) {
    assert.equal(g.reward, 0);
    assert.equal(g.outcome, null, "no model ran");
    assert.deepEqual(g.steps, []);
  }
  assert.match(badJson.error, /rollouts\.jsonl:7: .*JSON/);
  assert.match(badType.error, /rollouts\.jsonl:8: 'response' must be a string/);
});

test("the server's /v1/reward computes exactly what steplens reward prints", async () => {
  const r = await cli(["reward", file, "--model", model, "--gpu", "off", "--json", "--gated-reward=-1"], { env: { STEPLENS_OFFLINE: "1" } });
  const lines = jsonLines(r.out).filter((l) => !l.error);
  const res = await fetch(`${server.url}/v1/reward`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ items: CASES }),
  });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { object: string; items: Array<{ reward: number; steps: number[]; gate: { reasons: string[] } }> };
  assert.equal(body.object, "steplens.reward");
  for (let i = 0; i < CASES.length; i++) {
    assert.deepEqual(body.items[i]!.gate.reasons, lines[i].gate.reasons);
    assert.deepEqual(
      body.items[i]!.steps.map((s) => s.toFixed(6)),
      lines[i].steps.map((s: number) => s.toFixed(6)),
      `item ${i}: same step scores`,
    );
    if (lines[i].gate.passed) assert.equal(body.items[i]!.reward.toFixed(6), lines[i].reward.toFixed(6));
    else assert.equal(lines[i].reward, -1, "--gated-reward sets the gated reward");
  }
  const product = await fetch(`${server.url}/v1/reward`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ items: [CASES[0]], scalarize: "product" }),
  });
  const p = (await product.json()) as { scalarize: string; items: Array<{ reward: number; steps: number[] }> };
  assert.equal(p.scalarize, "product");
  assert.ok(Math.abs(p.items[0]!.reward - p.items[0]!.steps.reduce((a, b) => a * b, 1)) < 1e-12);
});

test("text output, --no-gate, the verifier's hybrid, and flag errors (exit 2)", async () => {
  const one = path.join(tmp, "one.jsonl");
  fs.writeFileSync(one, JSON.stringify(CASES[4]) + "\n");
  const text = await cli(["reward", one, "--model", model, "--gpu", "off", "--gate-on", "step-count"], { env: { STEPLENS_OFFLINE: "1" } });
  assert.equal(text.code, 0, text.err);
  assert.match(text.out, /^demo: scores are meaningless/);
  assert.match(text.out, /line 1: reward 0\.0000 {2}gate FAILED \(step-count: 22 steps \(allowed: 3 to 20\)\)/);
  // The default preset (spark) does not count steps: the padded rollout is judged.
  const spark = await cli(["reward", one, "--model", model, "--gpu", "off", "--json"], { env: { STEPLENS_OFFLINE: "1" } });
  assert.equal(JSON.parse(spark.out.trim()).gate.passed, true);
  const open = await cli(["reward", one, "--model", model, "--gpu", "off", "--json", "--gate", "strict", "--no-gate", "step-count"], {
    env: { STEPLENS_OFFLINE: "1" },
  });
  const o = JSON.parse(open.out.trim());
  assert.equal(o.gate.passed, true);
  assert.equal(o.stepCount, 22);
  const ver = await cli(["reward", one, "--model", model, "--gpu", "off", "--json", "--source", "verifier", "--max-steps", "30"], {
    env: { STEPLENS_OFFLINE: "1" },
  });
  const v = JSON.parse(ver.out.trim());
  assert.equal(v.scalarize, "hybrid");
  assert.equal(v.source, "verifier");
  assert.ok([0, 1].includes(v.outcome));
  assert.ok(Math.abs(v.reward - (0.4 * (v.steps.filter((s: number) => s === 1).length / v.steps.length) + 0.6 * v.outcome)) < 1e-12);
  for (const bad of [
    ["--scalarize", "max"],
    ["--no-gate", "nonsense"],
    ["--min-steps", "9", "--max-steps", "3"],
    ["--gated-reward", "x"],
  ]) {
    const r = await cli(["reward", one, "--model", model, ...bad], { env: { STEPLENS_OFFLINE: "1" } });
    assert.equal(r.code, 2, `${bad.join(" ")}: ${r.err}`);
  }
  assert.equal((await cli(["reward", path.join(tmp, "missing.jsonl"), "--model", model])).code, 2);
});

test("an injected engine is disposed and a gated file never calls it", async () => {
  const gatedOnly = path.join(tmp, "gated.jsonl");
  fs.writeFileSync(gatedOnly, JSON.stringify(CASES[1]) + "\n");
  const fake = fakeEngine();
  const io = memoryIo({ env: {} });
  const code = await makeRewardCommand({ engine: async () => fake }).run([gatedOnly, "--model", "x.gguf", "--json"], io);
  assert.equal(code, 0);
  assert.equal(fake.calls.length, 0, "no engine call of any kind");
  assert.ok(fake.disposed > 0, "the engine is disposed");
});

test("pav: the effective reward from prover rollouts after every step (the same model as prover)", async () => {
  const one = path.join(tmp, "pav.jsonl");
  fs.writeFileSync(one, JSON.stringify(CASES[0]) + "\n");
  const r = await cli(["reward", one, "--model", model, "--gpu", "off", "--json", "--scalarize", "pav", "--rollouts", "2"], { env: { STEPLENS_OFFLINE: "1" } });
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out.trim());
  assert.equal(d.scalarize, "pav");
  assert.equal(d.steps.length, 3, "Q after each step");
  for (const q of d.steps) assert.ok([0, 0.5, 1].includes(q), `Q is a share of 2 rollouts: ${q}`);
  const mean = d.stepRewards.reduce((a: number, b: number) => a + b, 0) / d.stepRewards.length;
  assert.ok(Math.abs(d.reward - mean) < 1e-12);
  assert.ok(Math.abs(d.stepRewards[2] - (d.steps[2] + 0.5 * (d.steps[2] - d.steps[1]))) < 1e-12, "r = Q + α·(Q − Q_before), α = 0.5");
});
