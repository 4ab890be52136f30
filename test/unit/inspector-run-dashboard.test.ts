// The run dashboard's SVG markup (src/inspector/runDashboardSvg.ts) and a rollout's document text
// (src/inspector/rolloutText.ts): every point is clickable with its index, text from the log (reason
// codes, file name) is escaped, a rollout's text is plain (control characters replaced) with each
// step's lines and the gate line where the editor puts hovers and diagnostics.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RunDashboardModel } from "../../src/datasets/rewardLogDashboard";
import { runDashboardMarkup } from "../../src/inspector/runDashboardSvg";
import { rolloutText, stepHoverText } from "../../src/inspector/rolloutText";
import type { RewardLogLine } from "../../src/rewards/rewardLog";

const HOSTILE = '<img src=x onerror="alert(1)">';

function model(): RunDashboardModel {
  const point = (x: number, mean: number) => ({
    x,
    xEnd: x,
    n: 4,
    mean,
    sd: 0.1,
    min: mean - 0.2,
    max: mean + 0.2,
    gated: 0.25,
    gatedBy: { [HOSTILE]: 0.25 },
    meanSteps: 5,
    meanResponseLength: 300 + x,
    filter: { trainerStep: { min: x, max: x } },
  });
  return {
    file: `/runs/${HOSTILE}.jsonl`,
    total: 12,
    xLabel: "trainer step",
    withoutStep: 0,
    points: [point(1, 0.3), point(2, 0.5), point(3, 0.6)],
    codes: [HOSTILE],
    positions: [{ position: 1, n: 9, mean: 0.6, p10: 0.2, p25: 0.4, p50: 0.6, p75: 0.8, p90: 0.9 }],
    version: 1,
  };
}

test("every point is clickable with its index; text from the log is escaped", () => {
  const html = runDashboardMarkup(model());
  // Reward, gated (one code), steps, length: 4 charts × 3 points.
  const indices = [...html.matchAll(/data-point="(\d+)"/g)].map((m) => Number(m[1]));
  assert.equal(indices.length, 12);
  assert.deepEqual([...new Set(indices)].sort(), [0, 1, 2]);
  assert.ok(!html.includes("<img"), "no markup from the log");
  assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"), "the code is shown as text");
  assert.equal((html.match(/<svg /g) ?? []).length, 5, "five charts");
  assert.match(html, /12 rollouts · 3 points on trainer step/);
});

test("an empty log says it is waiting, with the file name escaped", () => {
  const html = runDashboardMarkup({ ...model(), total: 0, points: [], positions: [], codes: [] });
  assert.match(html, /waiting for the trainer/);
  assert.ok(!html.includes("<img"));
});

test("a rollout's text: plain, each step's lines, the gate line", () => {
  const line: RewardLogLine = {
    log: "steplens-reward-log",
    v: 1,
    id: "r1-3",
    time: "2026-12-06T12:00:00.000Z",
    client: "client:trl",
    route: "/v1/reward",
    trainerStep: 4,
    model: "prm.gguf",
    prompt: "Solve 2x = 4.",
    response: "Step 1: 2x = 4\u0007.\nStep 2: two\nlines\n<answer>\\boxed{2}</answer> trailing",
    steps: ["2x = 4\u0007.", "two\nlines"],
    gate: { passed: false, codes: ["text-after-answer"], details: ["text after </answer>: 'trailing'"] },
    stepValues: [],
    stepRewards: [],
    reward: 0,
    scalarize: "min",
    source: "prm",
    outcome: null,
    answer: "2",
    answerCorrect: null,
    seconds: 0,
  };
  const r = rolloutText(line);
  const lines = r.text.split("\n");
  assert.ok(!r.text.includes("\u0007"), "control characters are replaced");
  assert.equal(lines[r.gateLine], "Gate: FAILED (text-after-answer)");
  assert.equal(r.steps.length, 2);
  assert.equal(lines[r.steps[0]!.startLine], "Step 1: 2x = 4 .");
  assert.deepEqual(
    [r.steps[1]!.startLine, r.steps[1]!.endLine].map((i) => lines[i]),
    ["Step 2: two", "lines"],
  );
  assert.match(r.text, /The whole response as sent \(the gate stopped it; no model ran\)/);
  assert.equal(stepHoverText(r.steps[0]!), "Step 1: not judged (the gate stopped the rollout).");
  assert.equal(
    stepHoverText({ index: 2, startLine: 0, endLine: 0, value: 0.25, stepReward: -0.75 }, 0.5),
    "Step 3: judge value 0.2500 (below 0.5) · step reward -0.7500",
  );
});
