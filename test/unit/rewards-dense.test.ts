/**
 * Dense per-step rewards: each step's span in the response against offsets located by hand (markers
 * the segmenter drops, an <answer> block joined to the last step, CRLF, a character outside the BMP
 * counted once as Python counts it), the gated single entry, and POST /v1/reward with "dense": true
 * on the real local engine (tiny generated model, RANDOM weights: plumbing, not judgement): every
 * entry's reward equals the item's stepRewards and the spans follow each other.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Engine } from "../../src/engines/engine";
import { DEFAULT_GATE_RULES } from "../../src/rewards/formatGate";
import { denseStepRewards, stepSpans } from "../../src/rewards/denseRewards";
import { StepLensServer } from "../../src/server/stepLensServer";
import { rewardOptionsFromConfig } from "../../src/rewards/rewardScorer";
import { DEFAULT_CONFIG } from "../../src/config";
import { postJson, serveTestEngine } from "./serve-fixture";
import { itemAt } from "../support/indexing";

const RESPONSE = "Step 1: 2x = 4.\nStep 2: x = 2.\n<answer>\\boxed{2}</answer>";

describe("step spans (hand-located offsets)", () => {
  it("markers dropped by the segmenter; the answer block joined to the last step", () => {
    // The gate's steps: "2x = 4.", "x = 2.\n<answer>\\boxed{2}</answer>".
    const steps = ["2x = 4.", "x = 2.\n<answer>\\boxed{2}</answer>"];
    const spans = stepSpans(RESPONSE, steps);
    assert.deepEqual(spans, [
      { start: 0, end: 15 }, // "Step 1: 2x = 4." ends at index 14
      { start: 16, end: RESPONSE.length },
    ]);
    assert.equal(RESPONSE.slice(0, 15), "Step 1: 2x = 4.");
  });

  it("the same text twice: each step is found after the one before; CRLF and blank lines are whitespace", () => {
    const text = "a = 1.\r\n\r\na = 1.\r\n\r\nSo \\boxed{1}.";
    assert.deepEqual(stepSpans(text, ["a = 1.", "a = 1.", "So \\boxed{1}."]), [
      { start: 0, end: 6 },
      { start: 10, end: 16 },
      { start: 20, end: text.length },
    ]);
  });

  it("a step that cannot be found ends where the previous ended; the last one at the end", () => {
    assert.deepEqual(stepSpans("alpha. beta.", ["alpha.", "zzzz", "qqqq"]), [
      { start: 0, end: 6 },
      { start: 6, end: 6 },
      { start: 7, end: 12 },
    ]);
  });

  it("offsets are code points: 𝑥 (outside the BMP) counts once, as Python's str does", () => {
    const text = "Let 𝑥 = 2.\n\nThen \\boxed{2}.";
    const d = denseStepRewards(text, { ...DEFAULT_GATE_RULES, stepCount: false }, { stepRewards: [0.25, 0.75], reward: 0.5 });
    // Python: len("Let 𝑥 = 2.") == 10, "Then" starts at 12, the whole string has 27 code points.
    assert.deepEqual(d, [
      { step: 0, start: 0, end: 10, reward: 0.25 },
      { step: 1, start: 12, end: 27, reward: 0.75 },
    ]);
    assert.equal([...text].length, 27);
  });

  it("a gated rollout: one entry with the gated reward over the whole response", () => {
    assert.deepEqual(denseStepRewards("no steps \\boxed{1} \\boxed{2}", DEFAULT_GATE_RULES, { stepRewards: [], reward: -1 }), [
      { step: null, start: 0, end: 28, reward: -1 },
    ]);
  });
});

describe("POST /v1/reward with dense: true (real local engine, tiny random-weight model)", () => {
  let engine: Engine;
  let server: StepLensServer;
  before(async () => {
    engine = await serveTestEngine({ sequences: 2 });
    server = await StepLensServer.start({ engine, port: 0, rewards: { ...rewardOptionsFromConfig(DEFAULT_CONFIG), scalarize: "steps" } });
  });
  after(async () => {
    await server?.close();
    await engine?.dispose();
  });

  const post = (body: unknown) => postJson(`${server.url}/v1/reward`, body, {}, { timeoutMs: 120_000 });

  it("each step's reward on its span; with scalarize steps the entries sum to the scalar reward", async () => {
    const good = "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: Check 2*2 = 4.\n<answer>\\boxed{2}</answer>";
    const gated = "\\boxed{1} and \\boxed{2}";
    const r = await post({
      items: [
        { prompt: "Solve 2x = 4.", response: good },
        { prompt: "Solve.", response: gated },
      ],
      dense: true,
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [a, b] = r.json.items;
    assert.equal(a.dense.length, 3);
    assert.deepEqual(
      a.dense.map((d: any) => d.reward),
      a.stepRewards,
    );
    assert.deepEqual(
      a.dense.map((d: any) => good.slice(d.start, d.end)),
      ["Step 1: 2x = 4.", "Step 2: x = 2.", "Step 3: Check 2*2 = 4.\n<answer>\\boxed{2}</answer>"],
    );
    const sum = a.dense.reduce((s: number, d: any) => s + d.reward, 0);
    assert.ok(Math.abs(sum - a.reward) < 1e-9, `${sum} vs ${a.reward}`);
    assert.deepEqual(b.dense, [{ step: null, start: 0, end: gated.length, reward: b.reward }]);
    // Without the flag nothing changes.
    const plain = await post({ items: [{ prompt: "Solve 2x = 4.", response: good }] });
    assert.equal(plain.json.items[0].dense, undefined);
    assert.equal((await post({ items: [], dense: "yes" })).status, 400);
  });
});

describe("POST /v1/reward dense with scalarize pav (real local engine, tiny random-weight model, π = μ)", () => {
  let engine: Engine;
  let server: StepLensServer;
  before(async () => {
    engine = await serveTestEngine({ sequences: 3 });
    const base = rewardOptionsFromConfig(DEFAULT_CONFIG);
    server = await StepLensServer.start({
      engine,
      port: 0,
      rewards: { ...base, scalarize: "pav", progress: { rollouts: 2, alpha: 0.5, maxTokens: 4, temperature: 0.7 } },
    });
  });
  after(async () => {
    await server?.close();
    await engine?.dispose();
  });

  it("each step's reward is r_h = Q^π_h + α·A^μ_h; the entries sum to n × the scalar (the mean)", async () => {
    const good = "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: Check 2*2 = 4.\n<answer>\\boxed{2}</answer>";
    const res = await fetch(`${server.url}/v1/reward`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ items: [{ prompt: "Solve 2x = 4.", response: good, reference: "2" }], dense: true }),
      signal: AbortSignal.timeout(120_000),
    });
    assert.equal(res.status, 200);
    const item = ((await res.json()) as any).items[0];
    assert.equal(item.scalarize, "pav");
    assert.equal(item.dense.length, 3);
    assert.deepEqual(
      item.dense.map((d: any) => d.reward),
      item.stepRewards,
    );
    // Q values are shares of 2 rollouts; with π = μ, r_h = Q_h + 0.5·(Q_h − Q_{h−1}) for h ≥ 2 from the reported Q's.
    const q: number[] = item.steps;
    for (let h = 1; h < 3; h++) {
      const qh = itemAt(q, h, `Q of step ${h + 1}`);
      const before = itemAt(q, h - 1, `Q of step ${h}`);
      assert.ok(Math.abs(item.stepRewards[h] - (qh + 0.5 * (qh - before))) < 1e-9, `step ${h + 1}`);
    }
    for (const d of item.dense) assert.ok(d.reward >= -0.5 && d.reward <= 1.5);
    const sum = item.dense.reduce((s: number, d: any) => s + d.reward, 0);
    assert.ok(Math.abs(sum - 3 * item.reward) < 1e-9, `${sum} vs 3 × ${item.reward}`);
  });
});
