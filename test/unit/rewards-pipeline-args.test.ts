// The editor's reward-server and RL task arguments and the status bar's reading of /health (no VS Code).
import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, type StepLensConfig } from "../../src/config";
import { rewardServeArgs, rewardServerState, rewardServerText, rlInitArgs, rlLaunchArgs } from "../../src/pipelines/rewardPipelineArgs";
import { PIPELINE_NAMES } from "../../src/pipelines/pipelineTable";
import { parseOptions } from "../../src/cli/options";
import { REWARD_OPTIONS, rewardConfigFromFlags } from "../../src/cli/rewardFlags";

test("reward server args follow the settings and parse back into the same reward options", () => {
  const c: StepLensConfig = structuredClone(DEFAULT_CONFIG);
  assert.match(String(rewardServeArgs(c)), /choose a PRM model/);
  c.models.prm = "/m/prm.gguf";
  c.rewards.gatePreset = "strict";
  c.rewards.gateStepCount = "off";
  c.rewards.gateSecondSolution = "off";
  c.rewards.gateTextAfterAnswer = "on";
  c.rewards.gatedReward = -0.5;
  c.rewards.scalarize = "product";
  const args = rewardServeArgs(c) as string[];
  assert.deepEqual(args.slice(0, 6), ["--model", "/m/prm.gguf", "--prm", "math-shepherd", "--port", "8080"]);
  assert.ok(args.includes("--no-gate") && args[args.indexOf("--no-gate") + 1] === "step-count,second-solution");
  assert.equal(args[args.indexOf("--gate") + 1], "strict");
  assert.equal(args[args.indexOf("--gate-on") + 1], "text-after-answer");
  // What `steplens serve` makes of them: the same options the settings describe.
  const { values } = parseOptions(
    args.filter((_, i) => i >= 4),
    { ...REWARD_OPTIONS, port: { type: "int", help: "" } },
  );
  const back = structuredClone(DEFAULT_CONFIG);
  const opts = rewardConfigFromFlags(values, back);
  assert.equal(opts.scalarize, "product");
  assert.equal(opts.gatedReward, -0.5);
  assert.equal(opts.gate.stepCount, false);
  assert.equal(opts.gate.secondSolution, false);
  assert.equal(opts.gate.boxedCount, true);
  c.engine.kind = "openai";
  assert.match(String(rewardServeArgs(c)), /runs local models/);
});

test("rl task args, and serve / rl are pipelines of the task table", () => {
  assert.deepEqual(rlInitArgs({ engine: "verl", out: "rl-runs/verl", rewardUrl: "http://127.0.0.1:8080", data: "p.jsonl", nodes: 2 }), [
    "init",
    "--engine",
    "verl",
    "--out",
    "rl-runs/verl",
    "--reward-url",
    "http://127.0.0.1:8080",
    "--data",
    "p.jsonl",
    "--nodes",
    "2",
  ]);
  assert.deepEqual(rlLaunchArgs("rl-runs/verl", true), ["launch", "rl-runs/verl", "--dry-run"]);
  // The TRL smoke run's sizes, as the editor passes them, parse back in `steplens rl init`.
  const smoke = rlInitArgs({
    engine: "trl",
    out: "r",
    rewardUrl: "http://127.0.0.1:1",
    cpu: true,
    generations: 4,
    batch: 2,
    maxSteps: 2,
    maxResponseLength: 24,
  });
  assert.deepEqual(smoke.slice(7), ["--cpu", "--generations", "4", "--batch", "2", "--max-steps", "2", "--max-response-length", "24"]);
  assert.ok(PIPELINE_NAMES.includes("serve") && PIPELINE_NAMES.includes("rl"));
});

test("status bar: /health → listening with requests/s and queue; no answer → starting or stopped", () => {
  const s = rewardServerState({ status: "ok", requestsPerSecond: 2.34, queueDepth: 3, rewards: { scalarize: "auto" } }, true);
  assert.deepEqual(s, { kind: "listening", requestsPerSecond: 2.34, queueDepth: 3, scalarize: "auto" });
  assert.equal(rewardServerText(s, 8080), "$(radio-tower) Reward server :8080 · 2.3 req/s · 3 queued");
  assert.equal(rewardServerText(rewardServerState(null, true), 8080), "$(loading~spin) Reward server: starting on :8080");
  assert.equal(rewardServerText(rewardServerState({ error: {} }, false), 8080), "$(debug-disconnect) Reward server: stopped");
});
