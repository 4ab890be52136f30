// The format gate's reward-hacking cases (each with its reason code), well-formed responses that
// pass, the cut at </answer>, and the scalarisation modes. Pure functions: no model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { applyFormatGate, DEFAULT_GATE_RULES, findSecondSolution, NO_GATE_RULES } from "../../src/rewards/formatGate";
import { hybridReward, pavReward, scalarize, tangoStepRewards } from "../../src/rewards/scalarize";
import { checkRewardOptions, rewardOptionsFromConfig } from "../../src/rewards/rewardScorer";
import { DEFAULT_CONFIG } from "../../src/config";

const GOOD = "Step 1: Let the number be x, so 2x + 3 = 7.\nStep 2: Subtract 3: 2x = 4.\nStep 3: Divide by 2: x = 2.\n<answer>\\boxed{2}</answer>";
const PARAGRAPHS = "We need 2x + 3 = 7.\n\nSubtracting 3 gives 2x = 4.\n\nDividing by 2 gives x = 2.\n\n<answer>The answer is \\boxed{2}.</answer>\n\n";

test("well-formed responses pass the gate", () => {
  for (const r of [GOOD, PARAGRAPHS, GOOD + "\n   \n", "**Step 1:** a = 1.\n\n**Step 2:** b = 2.\n\n**Step 3:** a + b = 3.\n\n<answer>\\boxed{3}</answer>"]) {
    const g = applyFormatGate(r);
    assert.deepEqual(g.reasons, [], `${JSON.stringify(r)}: ${g.details.join("; ")}`);
    assert.equal(g.passed, true);
    assert.ok(g.steps.length >= 3);
  }
  const g = applyFormatGate(GOOD);
  assert.equal(g.steps.length, 3);
  assert.match(g.steps[2]!, /x = 2\.\n<answer>\\boxed\{2\}<\/answer>$/, "the answer block joins the last step the judge sees");
  assert.equal(g.answer, "\\boxed{2}");
});

test("two boxed answers: boxed-count", () => {
  const g = applyFormatGate(GOOD.replace("x = 2.", "x = \\boxed{2}."));
  assert.deepEqual(g.reasons, ["boxed-count"]);
  assert.match(g.details[0]!, /2 \\boxed/);
});

test("no boxed answer at all: boxed-count", () => {
  assert.deepEqual(applyFormatGate(GOOD.replace("\\boxed{2}", "2")).reasons, ["boxed-count"]);
});

test("text after </answer>: text-after-answer, and the judge sees the rollout cut at </answer>", () => {
  const g = applyFormatGate(GOOD + "\nI hope this helps!");
  assert.deepEqual(g.reasons, ["text-after-answer"]);
  assert.ok(g.cut.endsWith("</answer>"));
  assert.ok(!g.steps.join("\n").includes("hope"));
});

test("a pasted second solution: second-solution (and the other rules it breaks)", () => {
  const pasted = GOOD + "\n\nProblem: What is 3 + 4?\nStep 1: 3 + 4 = 7.\nStep 2: So 7.\nStep 3: Done.\n<answer>\\boxed{7}</answer>";
  const g = applyFormatGate(pasted);
  assert.ok(g.reasons.includes("second-solution"), g.reasons.join());
  assert.ok(g.reasons.includes("text-after-answer") && g.reasons.includes("answer-tag-count") && g.reasons.includes("boxed-count"));
  // inside the answer block's reasoning: a restart of the numbering, nothing else wrong
  const inner =
    "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: The final answer is 2.\nStep 1: Now another problem: 5 - 1 = 4.\nStep 2: So 4.\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(inner).reasons, ["second-solution"]);
  assert.match(findSecondSolution(inner.split("<answer>")[0]!)!.why, /starts over/);
  // a second problem statement without step markers
  const restated = "First, 2x = 4.\n\nSo x = 2.\n\nCheck: 2*2 = 4.\n\nQuestion: What is 9 - 3?\n\nIt is 6.\n\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(restated).reasons, ["second-solution"]);
  // new steps after the final answer was stated
  const restart =
    "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: check 2*2 = 4.\nThe final answer is 2.\nStep 4: Let us also solve x + 1 = 5: x = 4.\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(restart).reasons, ["second-solution"]);
});

test("step padding beyond the bound: step-count; too few steps too", () => {
  const padded = Array.from({ length: 25 }, (_, i) => `Step ${i + 1}: x = 2 still holds.`).join("\n") + "\n<answer>\\boxed{2}</answer>";
  const g = applyFormatGate(padded);
  assert.deepEqual(g.reasons, ["step-count"]);
  assert.match(g.details[0]!, /25 steps \(allowed: 3 to 20\)/);
  assert.deepEqual(applyFormatGate("Step 1: x = 2.\n<answer>\\boxed{2}</answer>").reasons, ["step-count"]);
  assert.deepEqual(applyFormatGate(padded, { ...DEFAULT_GATE_RULES, maxSteps: 30 }).reasons, [], "the bound is a setting");
});

test("a missing <answer> tag: answer-tag-count; two of them too", () => {
  assert.deepEqual(applyFormatGate(GOOD.replace("<answer>", "").replace("</answer>", "")).reasons, ["answer-tag-count"]);
  const two = GOOD.replace("<answer>\\boxed{2}</answer>", "<answer>x = 2</answer>\n<answer>\\boxed{2}</answer>");
  assert.ok(applyFormatGate(two).reasons.includes("answer-tag-count"));
});

test("each rule is a setting: all off passes anything", () => {
  const g = applyFormatGate("just text \\boxed{1} \\boxed{2} </answer> more", NO_GATE_RULES);
  assert.equal(g.passed, true);
  assert.ok(g.cut.endsWith("</answer>"));
});

test("scalarisation: outcome, SPARK's hybrid, min, product, Tango steps, PAV", () => {
  const prm = { kind: "prm" as const, values: [0.9, 0.5, 0.8], outcome: 1, threshold: 0.6 };
  assert.equal(scalarize(prm, "min").reward, 0.5);
  assert.ok(Math.abs(scalarize(prm, "product").reward - 0.36) < 1e-12);
  assert.equal(scalarize(prm, "outcome").reward, 1);
  assert.ok(Math.abs(scalarize(prm, "hybrid").reward - (0.4 * (2 / 3) + 0.6)) < 1e-12);
  const steps = scalarize(prm, "steps");
  assert.ok(Math.abs(steps.reward - (0.9 + 0.5 + 0.8) / 3) < 1e-12, "a PRM's step rewards are score/n and sum to the mean");
  const ver = { kind: "verifier" as const, values: [1, 0, 1, 1], verdictGiven: [true, true, true, true], outcome: 0, threshold: 0.5 };
  assert.equal(scalarize(ver, "hybrid").reward, hybridReward(3, 4, 0));
  assert.equal(hybridReward(3, 4, 0), 0.30000000000000004);
  assert.deepEqual(scalarize(ver, "steps").stepRewards, [0.25, -0.25, 0.25, 0.25]);
  assert.equal(scalarize(ver, "steps").reward, 0.5);
  assert.deepEqual(tangoStepRewards([1, 0, 1], [true, false, true]), [0, 0, 0], "zeroed when the verdict count differs");
  const pav = pavReward(0.2, [0.4, 0.4, 1], 0.5);
  assert.deepEqual(pav.stepRewards, [0.5, 0.4, 1.3]);
});

test("reward options: defaults pass the check; inverted step bounds are refused", () => {
  assert.doesNotThrow(() => checkRewardOptions(rewardOptionsFromConfig(DEFAULT_CONFIG)));
  const bad = rewardOptionsFromConfig(DEFAULT_CONFIG);
  bad.gate = { ...bad.gate, minSteps: 9, maxSteps: 3 };
  assert.throws(() => checkRewardOptions(bad), /inverted/);
});
