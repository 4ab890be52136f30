// The format gate's reward-hacking cases (each with its reason code), well-formed responses that
// pass, the cut at </answer>, and the scalarisation modes. Pure functions: no model.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { applyFormatGate, DEFAULT_GATE_RULES, findSecondSolution, NO_GATE_RULES, PY_WS, pyStrip } from "../../src/rewards/formatGate";
import { hybridReward, pavReward, scalarize, tangoStepRewards } from "../../src/rewards/scalarize";
import { checkRewardOptions, rewardOptionsFromConfig } from "../../src/rewards/rewardScorer";
import { gateRulesOf, presetRules } from "../../src/rewards/gatePresets";
import { DEFAULT_CONFIG } from "../../src/config";

/** StepLens's own rules (step-count, second-solution) are on in the `strict` preset only. */
const STRICT = presetRules("strict");

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
  const g = applyFormatGate(pasted, STRICT);
  assert.ok(g.reasons.includes("second-solution"), g.reasons.join());
  assert.ok(g.reasons.includes("text-after-answer") && g.reasons.includes("answer-tag-count") && g.reasons.includes("boxed-count"));
  // inside the answer block's reasoning: a restart of the numbering, nothing else wrong
  const inner =
    "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: The final answer is 2.\nStep 1: Now another problem: 5 - 1 = 4.\nStep 2: So 4.\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(inner, STRICT).reasons, ["second-solution"]);
  assert.deepEqual(applyFormatGate(inner).reasons, [], "the spark preset (the default) does not look for second solutions");
  assert.match(findSecondSolution(inner.split("<answer>")[0]!)!.why, /starts over/);
  // a second problem statement without step markers
  const restated = "First, 2x = 4.\n\nSo x = 2.\n\nCheck: 2*2 = 4.\n\nQuestion: What is 9 - 3?\n\nIt is 6.\n\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(restated, STRICT).reasons, ["second-solution"]);
  // new steps after the final answer was stated
  const restart =
    "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: check 2*2 = 4.\nThe final answer is 2.\nStep 4: Let us also solve x + 1 = 5: x = 4.\n<answer>\\boxed{2}</answer>";
  assert.deepEqual(applyFormatGate(restart, STRICT).reasons, ["second-solution"]);
});

test("step padding beyond the bound: step-count; too few steps too", () => {
  const padded = Array.from({ length: 25 }, (_, i) => `Step ${i + 1}: x = 2 still holds.`).join("\n") + "\n<answer>\\boxed{2}</answer>";
  const g = applyFormatGate(padded, STRICT);
  assert.deepEqual(g.reasons, ["step-count"]);
  assert.match(g.details[0]!, /25 steps \(allowed: 3 to 20\)/);
  assert.deepEqual(applyFormatGate("Step 1: x = 2.\n<answer>\\boxed{2}</answer>", STRICT).reasons, ["step-count"]);
  assert.deepEqual(applyFormatGate(padded, { ...STRICT, maxSteps: 30 }).reasons, [], "the bound is a setting");
  assert.deepEqual(applyFormatGate(padded).reasons, [], "step-count is off in the spark preset (the default)");
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
  bad.gate = { ...bad.gate, stepCount: true, minSteps: 9, maxSteps: 3 };
  assert.throws(() => checkRewardOptions(bad), /inverted/);
});

test("step-count counts the whole solution: steps written inside <answer> count (and are judged)", () => {
  // Two steps before <answer>, two inside it: 4 steps (3 ≤ 4 ≤ 20). Counting only the reasoning
  // before <answer> saw 2 and gated it.
  const inside = "Step 1: 2x + 3 = 7.\nStep 2: 2x = 4.\n<answer>\nStep 3: x = 4 / 2.\nStep 4: x = 2, so \\boxed{2}\n</answer>";
  const g = applyFormatGate(inside, STRICT);
  assert.deepEqual(g.reasons, [], g.details.join("; "));
  assert.equal(g.steps.length, 4);
  assert.match(g.steps[2]!, /^<answer>x = 4 \/ 2\.$/, "the segmenter drops the step marker");
  assert.match(g.steps[3]!, /\\boxed\{2\}<\/answer>$/);
  // All four inside <answer>: still four steps.
  const all = "<answer>\nStep 1: 2x + 3 = 7.\nStep 2: 2x = 4.\nStep 3: x = 4 / 2.\nStep 4: \\boxed{2}\n</answer>";
  assert.equal(applyFormatGate(all, STRICT).steps.length, 4);
  assert.deepEqual(applyFormatGate(all, STRICT).reasons, []);
  // One line in <answer> is the answer, joined to the last reasoning step: 2 steps, too few.
  assert.deepEqual(applyFormatGate("Step 1: 2x = 4.\nStep 2: x = 2.\n<answer>\\boxed{2}</answer>", STRICT).reasons, ["step-count"]);
});

test("presets: spark (default) has the paper's three rules, strict adds StepLens's two, switches apply on top", () => {
  assert.deepEqual(presetRules("spark"), { ...DEFAULT_GATE_RULES });
  const spark = presetRules("spark");
  assert.deepEqual(
    [spark.boxedCount, spark.answerTagCount, spark.textAfterAnswer, spark.stepCount, spark.secondSolution, spark.sparkCode],
    [true, true, true, false, false, false],
  );
  assert.deepEqual([STRICT.stepCount, STRICT.secondSolution, STRICT.sparkCode], [true, true, false]);
  assert.equal(presetRules("spark-code").sparkCode, true);
  const onTop = gateRulesOf("spark", { "step-count": "on", "boxed-count": "off", "second-solution": "preset" });
  assert.deepEqual([onTop.stepCount, onTop.boxedCount, onTop.secondSolution], [true, false, false]);
  // The settings: preset + switches, as the server and `steplens reward` read them.
  const c = structuredClone(DEFAULT_CONFIG);
  assert.deepEqual(rewardOptionsFromConfig(c).gate, presetRules("spark"));
  c.rewards.gatePreset = "strict";
  c.rewards.gateSecondSolution = "off";
  const o = rewardOptionsFromConfig(c);
  assert.deepEqual([o.gate.stepCount, o.gate.secondSolution, o.gatePreset], [true, false, "strict"]);
});

test("spark vs spark-code: text after the final </answer> fails spark, SPARK's code never sees it", () => {
  const trailing = GOOD + "\nI hope this helps! Also 3 + 4 = 7.";
  assert.deepEqual(applyFormatGate(trailing, presetRules("spark")).reasons, ["text-after-answer"]);
  const code = applyFormatGate(trailing, presetRules("spark-code"));
  assert.deepEqual(code.reasons, [], "SPARK's extract_valid_answer cuts at the last </answer> before format_validity runs");
  assert.ok(code.cut.endsWith("</answer>") && !code.cut.includes("hope"));
  // A pasted second answer block: spark-code cuts at the LAST </answer>, so the judge would see both;
  // its answer-tag-count rule then fires on the two blocks.
  const twice = GOOD + "\nStep 4: another problem, 3 + 4 = 7.\n<answer>\\boxed{7}</answer>";
  const c2 = applyFormatGate(twice, presetRules("spark-code"));
  assert.ok(c2.reasons.includes("answer-tag-count") && c2.reasons.includes("boxed-count"), c2.reasons.join());
  assert.ok(c2.cut.endsWith("\\boxed{7}</answer>"), "cut at the last </answer>");
  // The third rule does fire under spark-code when a stray </answer> precedes the last one.
  const stray = "Step 1: x = 2.\n<answer>\\boxed{2}</answer> and more </answer>";
  assert.deepEqual(applyFormatGate(stray, presetRules("spark-code")).reasons, ["text-after-answer"]);
  // SPARK's patterns, not StepLens's: a \fbox is no box to SPARK, and <ANSWER> is no tag; StepLens's
  // spark preset reads both.
  const fbox = GOOD.replace("\\boxed{2}", "\\fbox{2}");
  assert.deepEqual(applyFormatGate(fbox, presetRules("spark-code")).reasons, ["boxed-count"]);
  assert.deepEqual(applyFormatGate(fbox, presetRules("spark")).reasons, []);
  // A \boxed{} whose braces span a line break: Python's "." stops at "\n", so SPARK counts none.
  const split = GOOD.replace("\\boxed{2}", "\\boxed{2\n}");
  assert.deepEqual(applyFormatGate(split, presetRules("spark-code")).reasons, ["boxed-count"]);
});

test("spark-code reads white space as SPARK's Python does (str.isspace), not as JavaScript's \\s", () => {
  // The truth: Python's own str.isspace over the Basic Multilingual Plane.
  const py = spawnSync("python3", ["-c", "print(','.join(str(c) for c in range(0x10000) if chr(c).isspace()))"], { encoding: "utf8" });
  assert.equal(py.status, 0, py.stderr);
  const pythonSpaces = py.stdout.trim().split(",").map(Number);
  const ours = new RegExp(`^[${PY_WS}]$`);
  const mine = [];
  for (let c = 0; c < 0x10000; c++) if (ours.test(String.fromCharCode(c))) mine.push(c);
  assert.deepEqual(mine, pythonSpaces);
  // SPARK strips the cut with Python's strip(): U+001C and U+0085 go, as Python drops them.
  const fs = String.fromCharCode(0x1c);
  assert.equal(pyStrip(`${fs}  a \u0085`), "a");
});
