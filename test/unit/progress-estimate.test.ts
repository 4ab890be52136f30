/**
 * PAV progress arithmetic on hand-worked cases: Wilson and Newcombe intervals against textbook
 * values, Q / advantage / effective reward from scripted rollouts, reference vs majority grading,
 * the "loses progress" rule, and the uncached fallback for engines without prefixRollouts.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fakeEngine } from "../support/fakeEngine";
import { boundaryPrompt } from "../../src/engines/prefixRollouts";
import { estimateProgress, progressSteps, stepLosesProgress } from "../../src/progress/estimateProgress";
import { advantageInterval, differenceInterval, losesProgress, wilsonInterval, zFor } from "../../src/progress/intervals";
import { referenceAnswerOf } from "../../src/progress/referenceAnswer";
import { pavReward } from "../../src/rewards/scalarize";
import { pavScorer } from "../../src/search/scorers";
import { itemAt } from "../support/indexing";

const close = (a: number, b: number, eps = 1e-4) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);
const closePair = (a: [number, number], b: [number, number], eps = 1e-4) => {
  close(a[0], b[0], eps);
  close(a[1], b[1], eps);
};

describe("progress statistics (hand-worked and textbook values)", () => {
  it("z quantiles", () => {
    close(zFor(0.95), 1.959964, 1e-5);
    close(zFor(0.9), 1.644854, 1e-5);
    close(zFor(0.99), 2.575829, 1e-5);
    assert.throws(() => zFor(1));
  });

  it("Wilson intervals: 0/10 and 5/10 at 95%, exact ends at 0 and M, no trials", () => {
    closePair(wilsonInterval(0, 10, 0.95), [0, 0.277533]);
    closePair(wilsonInterval(5, 10, 0.95), [0.236593, 0.763407]);
    closePair(wilsonInterval(4, 4), [0.596521, 1]);
    closePair(wilsonInterval(2, 4), [0.1824, 0.8176]);
    assert.deepEqual(wilsonInterval(0, 0), [0, 1]);
    assert.throws(() => wilsonInterval(5, 4));
  });

  it("Newcombe's difference interval: his example 56/70 − 48/80 = 0.2 has 95% interval 0.0524 to 0.3339", () => {
    closePair(differenceInterval(56, 70, 48, 80, 0.95), [0.052431, 0.333873]);
  });

  it("a step loses progress only when the whole interval of its advantage is below 0", () => {
    // 4/4 → 1/4: A = −0.75, 90% interval −0.942 to −0.186.
    closePair(advantageInterval(4, 1, 4), [-0.942093, -0.186175]);
    assert.equal(losesProgress(4, 1, 4), true);
    // 5/8 → 2/8 (Q 0.62 → 0.25): the interval still reaches above 0 with 8 rollouts …
    assert.equal(losesProgress(5, 2, 8), false);
    // … and lies below 0 with 32 (20/32 → 8/32).
    assert.equal(losesProgress(20, 8, 32), true);
    assert.equal(losesProgress(2, 4, 4), false);
  });

  it("Q, advantage and effective reward from correct counts (M = 4, α = 0.5)", () => {
    const steps = progressSteps([2, 4, 1], 4, 0.5);
    assert.equal(steps.length, 2);
    assert.deepEqual(
      steps.map((s) => [s.index, s.qBefore, s.q, s.advantage, s.effective]),
      [
        [0, 0.5, 1, 0.5, 1.25],
        [1, 1, 0.25, -0.75, -0.125],
      ],
    );
    const [first, second] = steps;
    assert.ok(first && second, "two progress steps");
    closePair(first.interval, [0.596521, 1]);
    closePair(second.interval, [0.057907, 0.643832]);
    assert.equal(stepLosesProgress(first, 4), false);
    assert.equal(stepLosesProgress(second, 4), true);
  });

  it("the reference of a trace: front matter or dataset gold fields", () => {
    assert.equal(referenceAnswerOf({ meta: { reference: " 4 " } }), "4");
    assert.equal(referenceAnswerOf({ meta: { groundTruthAnswer: "\\frac12" } }), "\\frac12");
    assert.equal(referenceAnswerOf({ meta: { gold: 7 } }), "7");
    assert.equal(referenceAnswerOf({ meta: { generator: "x" } }), null);
    assert.equal(referenceAnswerOf({}), null);
  });
});

/** Answers per boundary, scripted: rollouts[k][i] ends with \boxed{answers[k][i]} (or no box for null). */
function scriptedProver(answers: (string | null)[][], withPrefixRollouts = true) {
  /** Per role other than the prover: its own scripted answers and model name (π ≠ μ). */
  const others = new Map<string, { model: string; answers: (string | null)[][] }>();
  const answersOf = (role: string) => others.get(role)?.answers ?? answers;
  const text = (a: string | null) => (a === null ? "I give up." : `So x = ${a}, i.e. \\boxed{${a}}.`);
  const engine = fakeEngine({
    info: () => ({ models: { prover: "scripted", ...Object.fromEntries([...others].map(([r, o]) => [r, o.model])) } }),
    continuations: (req) => {
      const prefix = typeof req.prefix === "string" ? req.prefix : req.prefix.at(-1)!.content;
      const k = prefix === "" ? 0 : prefix.split("\n\n").filter(Boolean).length;
      return itemAt(answersOf(req.role), k, `the scripted answers after ${k} steps`).map(text);
    },
    boundaryContinuations: withPrefixRollouts ? (req) => answersOf(req.role).map((row) => row.map(text)) : undefined,
    prefixTokens: () => 100,
    tokens: () => 5,
  });
  return Object.assign(engine, { others });
}

describe("estimateProgress (scripted prover)", () => {
  const problem = "Solve 2x + 3 = 11.";
  const steps = ["Subtract 3: 2x = 8.", "Divide by 3: x = 8/3."];

  it("with a reference: Q is the share of rollouts whose answer equals it (answersEqual: 4 = 4.0 = 8/2)", async () => {
    const engine = scriptedProver([
      ["4", "5", "4.0", null],
      ["4", "8/2", "4", "\\frac{8}{2}"],
      ["8/3", "4", "2.67", null],
    ]);
    const r = await estimateProgress(engine, { problem, steps, rollouts: 4, alpha: 0.5, reference: "4", seed: 3, maxTokens: 64, temperature: 0.9 });
    assert.deepEqual(
      r.steps.map((s) => [s.qBefore, s.q, s.advantage, s.effective]),
      [
        [0.5, 1, 0.5, 1.25],
        [1, 0.25, -0.75, -0.125],
      ],
    );
    assert.deepEqual(r.answer, { value: "4", source: "reference", share: 7 / 12 });
    assert.equal(r.rollouts, 4);
    assert.equal(r.prefixTokensEvaluated, 100);
    assert.equal(r.rolloutTokens, 60);
    const req = itemAt(engine.requests.prefixRollouts, 0, "the prefix-rollouts request");
    assert.equal(req.role, "prover");
    assert.equal(req.n, 4);
    assert.equal(req.seed, 3);
    assert.equal(req.maxTokens, 64);
    assert.equal(req.temperature, 0.9);
    assert.equal(req.segments.length, 2, "one segment per step");
    assert.ok(typeof req.head !== "string" && req.head[0]?.content.includes(problem));
  });

  it("reference-free: the majority answer over ALL rollouts of the trace, with its share", async () => {
    const engine = scriptedProver([
      ["8/3", "4", "5", null],
      ["8/3", "4", "4", "5"],
      ["8/3", "2.6666666667", "\\frac{8}{3}", "8/3"],
    ]);
    const r = await estimateProgress(engine, { problem, steps, rollouts: 4, alpha: 0 });
    // 8/3 appears 6 times (8/3 = \frac{8}{3}; 2.6666666667 is within tolerance), 4 three times.
    assert.equal(r.answer.source, "majority");
    assert.equal(r.answer.value, "8/3");
    assert.ok(r.answer.share >= 5 / 12 && r.answer.share <= 6 / 12, `share ${r.answer.share}`);
    const [first, second] = r.steps;
    assert.ok(first && second, "two progress steps");
    assert.equal(first.qBefore, 0.25);
    assert.equal(first.q, 0.25);
    assert.ok(second.q >= 0.75);
    assert.equal(first.effective, first.q, "α = 0: r = Q");
  });

  it("no answer anywhere: majority value null, every Q 0", async () => {
    const engine = scriptedProver([
      [null, null],
      [null, null],
      [null, null],
    ]);
    const r = await estimateProgress(engine, { problem, steps, rollouts: 2, alpha: 0.5 });
    assert.deepEqual(r.answer, { value: null, source: "majority", share: 0 });
    assert.ok(r.steps.every((s) => s.q === 0 && s.qBefore === 0 && s.advantage === 0));
  });

  it("an engine without prefixRollouts goes through the uncached fallback (one rollouts request per prefix)", async () => {
    const engine = scriptedProver(
      [
        ["4", "4"],
        ["4", "5"],
        ["5", "5"],
      ],
      false,
    );
    const r = await estimateProgress(engine, { problem, steps, rollouts: 2, alpha: 0.5, reference: "4" });
    assert.equal(engine.requests.rollouts.length, 3);
    assert.deepEqual(
      r.steps.map((s) => [s.qBefore, s.q]),
      [
        [1, 0.5],
        [0.5, 0],
      ],
    );
    // Each prefix's tokens are counted once per rollout: 2 × (head + head+s1 + head+s1+s2) > the trace.
    assert.ok(r.prefixTokensEvaluated > 2 * r.traceTokens);
  });

  it("bad inputs are refused; the boundary prompt continues the assistant turn", async () => {
    const engine = scriptedProver([["4"]]);
    await assert.rejects(estimateProgress(engine, { problem, steps: [], rollouts: 0, alpha: 0.5 }));
    const p = boundaryPrompt(
      [
        { role: "user", content: "q" },
        { role: "assistant", content: "" },
      ],
      ["a\n\n", "b\n\n"],
      1,
    );
    assert.deepEqual(p, [
      { role: "user", content: "q" },
      { role: "assistant", content: "a\n\n" },
    ]);
    assert.equal(boundaryPrompt("Q:", ["a", "b"], 2), "Q:ab");
  });
});

describe("two policies: Q^π + α·A^μ (hand-computed)", () => {
  const problem = "Solve 2x + 3 = 11.";
  const steps = ["Subtract 3: 2x = 8.", "Divide by 3: x = 8/3."];

  it("progressSteps: effective = Q^π_h + α·(Q^μ_h − Q^μ_{h−1}), with a Wilson interval on every Q", () => {
    // Prover μ: 1/4, 3/4, 2/4 correct at boundaries 0, 1, 2; base policy π: 1/4 and 0/4 after steps 1, 2.
    const s = progressSteps([1, 3, 2], 4, 0.5, [0, 1, 0]);
    assert.deepEqual(
      s.map((x) => [x.qBefore, x.q, x.advantage, x.qBase, x.effective]),
      [
        [0.25, 0.75, 0.5, 0.25, 0.25 + 0.5 * 0.5], // 0.5
        [0.75, 0.5, -0.25, 0, 0 - 0.5 * 0.25], // −0.125
      ],
    );
    const [first, second] = s;
    assert.ok(first && second, "two progress steps");
    closePair(first.qBaseInterval, wilsonInterval(1, 4));
    closePair(first.intervalBefore, wilsonInterval(1, 4));
    closePair(first.interval, wilsonInterval(3, 4));
    closePair(second.qBaseInterval, [0, 0.40348]); // Wilson 0/4 at 90%: upper z²/(M+z²) = 2.7055/6.7055
    assert.throws(() => progressSteps([1, 3], 4, 0.5, [0]), /boundaries/);
  });

  it("π = μ (no base counts): Q^π is the prover's Q and the effective reward reduces to Q + α·A", () => {
    const s = progressSteps([2, 4, 1], 4, 0.5);
    assert.deepEqual(
      s.map((x) => [x.qBase, x.effective]),
      [
        [1, 1.25],
        [0.25, -0.125],
      ],
    );
  });

  it("a prover that always succeeds: Q^μ = 1 everywhere, A^μ = 0, so the effective reward is Q^π alone", () => {
    const s = progressSteps([4, 4, 4], 4, 0.7, [0, 3, 1]);
    assert.deepEqual(
      s.map((x) => [x.q, x.advantage, x.effective]),
      [
        [1, 0, 0.75],
        [1, 0, 0.25],
      ],
    );
  });

  it("estimateProgress with two models: base-policy rollouts from step 1 on, the same prefix, graded against the same answer", async () => {
    const engine = scriptedProver([
      ["4", "5", "4.0", null],
      ["4", "8/2", "4", "\\frac{8}{2}"],
      ["8/3", "4", "2.67", null],
    ]);
    engine.others.set("generator", {
      model: "policy.gguf",
      answers: [
        ["never", "used", "at", "boundary0"],
        ["5", "5", "4", null],
        ["4", "4", "4", "5"],
      ],
    });
    const r = await estimateProgress(engine, { problem, steps, rollouts: 4, alpha: 0.5, reference: "4", seed: 3 });
    assert.equal(r.samePolicy, false);
    assert.deepEqual([r.policy.model, r.proverModel], ["policy.gguf", "scripted"]);
    // μ: 2/4, 4/4, 1/4 → A = +0.5, −0.75; π after steps: 1/4, 3/4.
    assert.deepEqual(
      r.steps.map((s) => [s.qBefore, s.q, s.advantage, s.qBase, s.effective]),
      [
        [0.5, 1, 0.5, 0.25, 0.25 + 0.5 * 0.5],
        [1, 0.25, -0.75, 0.75, 0.75 - 0.5 * 0.75],
      ],
    );
    assert.deepEqual(
      engine.requests.prefixRollouts.map((q) => [q.role, q.firstBoundary, q.seed, q.n, q.segments.length]),
      [
        ["prover", 0, 3, 4, 2],
        ["generator", 1, 3, 4, 2],
      ],
    );
    assert.deepEqual(
      itemAt(engine.requests.prefixRollouts, 0, "the prover's prefix rollouts").head,
      itemAt(engine.requests.prefixRollouts, 1, "the base policy's prefix rollouts").head,
      "the same prefix for both policies",
    );
    // The share of all graded rollouts (12 prover + 8 base) that reach 4: 7 + 4.
    assert.equal(r.answer.share, 11 / 20);
    assert.equal(r.policy.rolloutTokens, 5 * 8, "no base rollouts before step 1");
    assert.equal(r.rolloutTokens, 5 * 12);
  });

  it("the same model in both roles: one set of rollouts, samePolicy true, Q^π = Q^μ", async () => {
    const engine = scriptedProver([
      ["4", "5"],
      ["4", "4"],
      ["5", "5"],
    ]);
    engine.others.set("generator", { model: "scripted", answers: [] });
    const r = await estimateProgress(engine, { problem, steps, rollouts: 2, alpha: 0.5, reference: "4" });
    assert.equal(r.samePolicy, true);
    assert.equal(engine.requests.prefixRollouts.length, 1);
    assert.deepEqual(
      r.steps.map((s) => [s.qBase, s.effective]),
      [
        [1, 1 + 0.5 * 0.5],
        [0, 0 - 0.5 * 1],
      ],
    );
    assert.deepEqual([r.policy.prefixTokensEvaluated, r.policy.rolloutTokens], [0, 0]);
  });

  it("reference-free with two models: the majority answer over both policies' rollouts", async () => {
    const engine = scriptedProver([["7"], ["7"], ["7"]]);
    engine.others.set("generator", { model: "p", answers: [[], ["9"], ["9"]] });
    const r = await estimateProgress(engine, { problem, steps, rollouts: 1, alpha: 1 });
    assert.deepEqual([r.answer.value, r.answer.share], ["7", 3 / 5]);
    assert.deepEqual(
      r.steps.map((s) => [s.q, s.qBase, s.effective]),
      [
        [1, 0, 0],
        [1, 0, 0],
      ],
    );
  });

  it("the uncached fallback skips the boundaries before firstBoundary", async () => {
    const engine = scriptedProver(
      [
        ["4", "4"],
        ["4", "5"],
        ["5", "5"],
      ],
      false,
    );
    engine.others.set("generator", {
      model: "p",
      answers: [
        ["x", "x"],
        ["4", "4"],
        ["4", "5"],
      ],
    });
    const r = await estimateProgress(engine, { problem, steps, rollouts: 2, alpha: 0.5, reference: "4" });
    assert.deepEqual(
      engine.requests.rollouts.map((c) => c.role),
      ["prover", "prover", "prover", "generator", "generator"],
    );
    assert.deepEqual(
      r.steps.map((s) => [s.q, s.qBase, s.effective]),
      [
        [0.5, 1, 1 - 0.25],
        [0, 0.5, 0.5 - 0.25],
      ],
    );
  });
});

describe("the same definition in the pav scalarisation and the pav search scorer", () => {
  it("pavReward: mean over steps of Q^π_h + α·(Q^μ_h − Q^μ_{h−1}); without Q^π it is π = μ", () => {
    const two = pavReward(0.25, [0.75, 0.5], 0.5, [0.25, 0]);
    assert.deepEqual(two.stepRewards, [0.5, -0.125]);
    assert.equal(two.reward, 0.1875);
    assert.deepEqual(pavReward(0.2, [0.4, 0.4, 1], 0.5).stepRewards, [0.5, 0.4, 1.3]);
    // A prover that always succeeds: no advantage anywhere, the reward is the mean Q^π.
    const sure = pavReward(1, [1, 1, 1], 0.7, [0.75, 0.25, 0.5]);
    assert.deepEqual(sure.stepRewards, [0.75, 0.25, 0.5]);
    assert.equal(sure.reward, 0.5);
    assert.throws(() => pavReward(0, [1, 1], 0.5, [1]));
  });

  it("pavScorer: a partial solution's step score is r of its last step (beam pruning), its solution score the lowest r", async () => {
    // Reference-free: the majority answer is 4 (4 of 6 prover rollouts, 2 of 4 base rollouts).
    const engine = scriptedProver([
      ["4", "5"],
      ["4", "4"],
      ["5", "4"],
    ]);
    engine.others.set("generator", {
      model: "policy.gguf",
      answers: [[], ["5", "5"], ["4", "4"]],
    });
    const scorer = pavScorer(engine, { rollouts: 2, alpha: 0.5 });
    const { scores, tokens } = await scorer.score("Solve 2x + 3 = 11.", [{ steps: ["2x = 8.", "x = 4."], answer: "4", done: true, key: "k" }]);
    // Q^μ: 0.5, 1, 0.5 → A^μ = +0.5, −0.5; Q^π: 0, 1 → r = 0 + 0.25 = 0.25, 1 − 0.25 = 0.75.
    assert.deepEqual(scores, [{ last: 0.75, solution: 0.25 }]);
    assert.deepEqual(tokens, { evaluated: 200, generated: 5 * 6 + 5 * 4 }, "both policies' tokens are counted");
  });
});
