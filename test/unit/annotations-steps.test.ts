import { test } from "node:test";
import assert from "node:assert/strict";
import {
  DEMO_NOTICE,
  buildAnnotations,
  excerpt,
  formatScore,
  groundTruthOf,
  stepAtOffset,
  stepAtPosition,
  verdictCountsText,
  type HumanLabel,
} from "../../src/annotations/stepAnnotations";
import { longLineStepLenses } from "../../src/annotations/longLineLenses";
import { scoreResult, textTrace, verification } from "./annotations-fixtures";
import { itemAt } from "../support/indexing";

const five = () => textTrace(["2 + 2 = 4", "so 4 - 1 = 3", "then 3 * 2 = 7", "hence 7", "the answer is 7"]);

test("PRM only: below threshold is strict, first error is the earliest step below it", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.92, 0.5, 0.08, 0.3, 0.6]) });
  assert.deepEqual(
    a.steps.map((s) => [s.scoreText, s.belowThreshold, s.verdict, s.verdictSource, s.isFirstError]),
    [
      ["0.92", false, "correct", "prm", false],
      ["0.50", false, "correct", "prm", false], // equal to the threshold: correct
      ["0.08", true, "incorrect", "prm", true],
      ["0.30", true, "incorrect", "prm", false],
      ["0.60", false, "correct", "prm", false],
    ],
  );
  assert.deepEqual(a.firstError, { index: 2, source: "prm" });
  assert.deepEqual(a.firstErrorBy, { label: null, verifiers: null, prm: 2 });
  assert.deepEqual(
    a.steps.map((s) => s.inlineText),
    ["0.92 ✓", "0.50 ✓", "0.08 ✗ first error", "0.30 ✗", "0.60 ✓"],
  );
  assert.equal(a.model, "tiny-prm.gguf");
  assert.equal(a.adapter, "math-shepherd");
  assert.deepEqual(a.timing, { scoreSeconds: 0.42, evaluatedTokens: 40, traceTokens: 120, verifySeconds: null, progressSeconds: null });
});

test("no step below the threshold: no first error, prm source says -1", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.9, 0.9, 0.9, 0.9, 0.9]) });
  assert.equal(a.firstError, null);
  assert.equal(a.firstErrorBy.prm, -1);
  assert.ok(a.steps.every((s) => !s.isFirstError));
});

test("formatScore never rounds across the threshold (tie cases)", () => {
  assert.equal(formatScore(0.92, 0.5), "0.92");
  assert.equal(formatScore(0.5, 0.5), "0.50");
  assert.equal(formatScore(0.4999, 0.5), "0.4999");
  assert.equal(formatScore(0.496, 0.5), "0.496");
  assert.equal(formatScore(0.4951, 0.5), "0.495");
  assert.equal(formatScore(0.504, 0.5), "0.50"); // 0.50 is not below 0.5: consistent with "correct"
  assert.equal(formatScore(0.304, 0.305), "0.30"); // both below: two decimals are enough
  assert.equal(formatScore(0.2996, 0.3), "0.2996");
  assert.equal(formatScore(0.3004, 0.3), "0.30");
  assert.equal(formatScore(0, 0.5), "0.00");
  assert.equal(formatScore(1, 0.5), "1.00");
  assert.equal(formatScore(0.49999999, 0.5), "0.49999999");
});

test("heat buckets: five half-open buckets of the score, verifier share when unscored", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0, 0.1999, 0.2, 0.79, 1]) });
  assert.deepEqual(
    a.steps.map((s) => s.heat),
    [0, 0, 1, 3, 4],
  );
  const v = buildAnnotations({ trace: five(), threshold: 0.5, verification: verification(["cccc", "ccci", "ccii", "iiii", "----"]) });
  assert.deepEqual(
    v.steps.map((s) => s.heat),
    [4, 3, 2, 0, null],
  );
  assert.deepEqual(
    buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.1, 0.3, 0.5, 0.7, 0.9]), buckets: 3 }).steps.map((s) => s.heat),
    [0, 0, 1, 2, 2],
  );
});

test("verdict counts read as sentences, ties and missing verdicts included", () => {
  const v = verification(["iiiiiicc", "cccccccc", "iiiicccc", "iiiii---", "--------", "iccccc--"]);
  assert.deepEqual(
    v.steps.map((s) => verdictCountsText(s, 8)),
    [
      "6 of 8 verifiers: incorrect",
      "8 of 8 verifiers: correct",
      "4 of 8 verifiers: incorrect", // tie at τ = 0.5: 4 ≥ 0.5·8 → incorrect
      "5 of 8 verifiers: incorrect (3 gave no verdict)",
      "no verdict from 8 verifiers",
      "5 of 8 verifiers: correct (2 gave no verdict)",
    ],
  );
  assert.equal(
    verdictCountsText({ index: 0, correct: 4, incorrect: 4, missing: 0, verdict: "unknown" }, 8),
    "4 of 8 verifiers: incorrect, 4: correct — no majority",
  );
  assert.equal(verdictCountsText({ index: 0, correct: 0, incorrect: 1, missing: 0, verdict: "incorrect" }, 1), "1 of 1 verifier: incorrect");
});

test("verifiers outrank the PRM: their first error wins, and steps they call correct stay correct", () => {
  const a = buildAnnotations({
    trace: five(),
    threshold: 0.5,
    score: scoreResult([0.9, 0.2, 0.8, 0.9, 0.9]), // PRM: step 2 (index 1) wrong
    verification: verification(["cccc", "cccc", "iiic", "cccc", "cccc"], 0.5, { 2: { 0: "3 * 2 is 6, not 7.", 3: "Looks fine." } }),
  });
  assert.deepEqual(a.firstError, { index: 2, source: "verifiers" });
  assert.deepEqual(a.firstErrorBy, { label: null, verifiers: 2, prm: 1 });
  assert.equal(a.steps[1]?.verdict, "correct");
  assert.equal(a.steps[1]?.belowThreshold, true);
  assert.equal(a.steps[1]?.inlineText, "0.20 ✗");
  assert.equal(a.steps[2]?.inlineText, "0.80 ✓ first error");
  assert.equal(a.steps[2]?.verdictCounts, "3 of 4 verifiers: incorrect");
  assert.deepEqual(a.steps[2]?.critique, { verifier: 0, text: "3 * 2 is 6, not 7." });
  assert.equal(a.steps[2]?.critiqueExcerpt, "3 * 2 is 6, not 7.");
  assert.equal(a.verifierSamples, 4);
});

test("a step the verifiers leave undecided falls back to the PRM", () => {
  const a = buildAnnotations({
    trace: five(),
    threshold: 0.5,
    score: scoreResult([0.9, 0.1, 0.9, 0.9, 0.9]),
    verification: verification(["cc", "--", "cc", "cc", "cc"]),
  });
  assert.deepEqual(a.firstError, { index: 1, source: "prm" });
});

test("human labels outrank everything; a first-error label clears earlier model errors", () => {
  const score = scoreResult([0.1, 0.2, 0.9, 0.9, 0.9]); // PRM: index 0 wrong
  const v = verification(["iiii", "cccc", "cccc", "cccc", "cccc"]); // verifiers: index 0 wrong
  const labels = new Map<number, HumanLabel>([[3, "first-error"]]);
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score, verification: v, labels });
  assert.deepEqual(a.firstError, { index: 3, source: "label" });
  assert.deepEqual(
    a.steps.map((s) => [s.verdict, s.verdictSource]),
    [
      ["correct", "label"],
      ["correct", "label"],
      ["correct", "label"],
      ["incorrect", "label"],
      ["correct", "verifiers"],
    ],
  );
  assert.deepEqual(a.firstErrorBy, { label: 3, verifiers: 0, prm: 0 });
  assert.equal(a.steps[3]?.inlineText, "0.90 ✓ first error (marked)");
  assert.equal(a.steps[0]?.inlineText, "0.10 ✗");
});

test("an explicit human 'incorrect' before a 'first-error' label still counts", () => {
  const labels = new Map<number, HumanLabel>([
    [3, "first-error"],
    [1, "incorrect"],
  ]);
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.9, 0.9, 0.9, 0.9, 0.9]), labels });
  assert.deepEqual(a.firstError, { index: 1, source: "label" });
  assert.equal(a.steps[1]?.inlineText, "0.90 ✓ first error · marked incorrect");
  assert.equal(a.steps[3]?.inlineText, "0.90 ✓ · marked first error");
  assert.equal(a.steps[0]?.verdictSource, "label"); // implied correct (before the first-error label)
});

test("a human 'correct' label removes a PRM error, moving the first error on", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.9, 0.1, 0.2, 0.9, 0.9]), labels: new Map([[1, "correct" as const]]) });
  assert.deepEqual(a.firstError, { index: 2, source: "prm" });
  assert.equal(a.steps[1]?.inlineText, "0.10 ✗ · marked correct");
  assert.equal(a.firstErrorBy.label, null);
});

test("labels on steps that do not exist are ignored", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, labels: new Map([[9, "first-error" as const]]) });
  assert.equal(a.firstError, null);
  assert.ok(a.steps.every((s) => s.verdict === "unknown" && s.inlineText === ""));
});

test("demo flag: every rendered score carries the notice, nothing else does", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score: scoreResult([0.9, 0.1, 0.9, 0.9, 0.9]), demo: true });
  assert.equal(a.demo, true);
  assert.deepEqual(
    a.steps.map((s) => s.inlineText),
    [`0.90 ✓ · ${DEMO_NOTICE}`, `0.10 ✗ first error · ${DEMO_NOTICE}`, `0.90 ✓ · ${DEMO_NOTICE}`, `0.90 ✓ · ${DEMO_NOTICE}`, `0.90 ✓ · ${DEMO_NOTICE}`],
  );
  const unscored = buildAnnotations({ trace: five(), threshold: 0.5, verification: verification(["ii", "cc", "cc", "cc", "cc"]), demo: true });
  assert.equal(unscored.steps[0]?.inlineText, "✗ 2/2 verifiers first error");
});

test("scores for missing steps, NaN scores and extra scores are handled", () => {
  const score = scoreResult([0.9, 0.9]);
  score.steps.push({ index: 7, score: 0.1, margin: -2 });
  itemAt(score.steps, 1, "the second score").score = Number.NaN;
  const a = buildAnnotations({ trace: five(), threshold: 0.5, score });
  assert.deepEqual(
    a.steps.map((s) => s.score),
    [0.9, null, null, null, null],
  );
  assert.equal(a.firstError, null);
  assert.equal(a.steps[1]?.inlineText, "");
});

test("ground truth from dataset labels is shown but never decides the first error", () => {
  assert.deepEqual(groundTruthOf({ kind: "first-error", firstError: 2 }, 4), [true, true, false, null]);
  assert.deepEqual(groundTruthOf({ kind: "first-error", firstError: -1 }, 3), [true, true, true]);
  assert.deepEqual(groundTruthOf({ kind: "per-step", steps: [true, null, false], firstError: 2 }, 4), [true, null, false, null]);
  const trace = textTrace(["a", "b", "c"], { kind: "first-error", firstError: 1 });
  const a = buildAnnotations({ trace, threshold: 0.5, score: scoreResult([0.9, 0.9, 0.1]) });
  assert.equal(a.groundTruthFirstError, 1);
  assert.deepEqual(a.firstError, { index: 2, source: "prm" });
  assert.deepEqual(
    a.steps.map((s) => s.groundTruth),
    [true, false, null],
  );
});

test("excerpt collapses white space and cuts at a word boundary", () => {
  assert.equal(excerpt("a\n\n  b\tc"), "a b c");
  assert.equal(excerpt("alpha beta gamma delta", 12), "alpha beta…");
  assert.equal(excerpt("x".repeat(30), 10), `${"x".repeat(9)}…`);
  const a = buildAnnotations({
    trace: five(),
    threshold: 0.5,
    verification: verification(["i", "c", "c", "c", "c"], 0.5, { 0: { 0: `${"word ".repeat(100)}end` } }),
    excerptLength: 40,
  });
  assert.equal(a.steps[0]?.critiqueExcerpt, `${"word ".repeat(7).trim()}…`);
  assert.ok(itemAt(a.steps, 0, "step 1's annotation").critiqueExcerpt!.length <= 40);
});

test("steps are found by offset and by position, both ends included", () => {
  const a = buildAnnotations({ trace: five(), threshold: 0.5 });
  const r = itemAt(a.steps, 1, "step 2's annotation").range!;
  assert.equal(stepAtOffset(a, r.startOffset)?.index, 1);
  assert.equal(stepAtOffset(a, r.endOffset)?.index, 1);
  assert.equal(stepAtOffset(a, 0), undefined); // the problem line
  assert.equal(stepAtPosition(a, 3, 0)?.index, 1);
  assert.equal(stepAtPosition(a, 3, r.end.character)?.index, 1);
  assert.equal(stepAtPosition(a, 3, r.end.character + 1), undefined);
  assert.equal(stepAtPosition(a, 1, 0), undefined);
});

test("progress is attached per step", () => {
  const a = buildAnnotations({
    trace: five(),
    threshold: 0.5,
    progress: { steps: [{ index: 2, qBefore: 0.62, qAfter: 0.25, advantage: -0.37, interval: [-0.5, -0.21], rollouts: 16 }], confidence: 0.9, seconds: 3 },
  });
  assert.equal(a.steps[2]?.progress?.advantage, -0.37);
  assert.equal(a.steps[1]?.progress, null);
  assert.equal(a.progressConfidence, 0.9);
  assert.equal(a.timing.progressSeconds, 3);
});

test("a scored step whose first line is too long for its end-of-line score also gets a lens above it", () => {
  const steps = ["short", "a very long line ".repeat(10), "short again"];
  const trace = textTrace(steps);
  const lineLength = (l: number) => (l >= 2 ? `Step ${l - 1}: ${steps[l - 2]}`.length : 10);
  const ann = buildAnnotations({ trace, threshold: 0.5, score: scoreResult([0.9, 0.2, 0.8]) });
  const lenses = longLineStepLenses(ann, lineLength);
  assert.deepEqual(
    lenses.map((l) => [l.index, l.line]),
    [[1, 3]],
  );
  assert.match(lenses[0]!.title, /^Step 2: 0\.20 ✗ first error/);
  assert.equal(longLineStepLenses(buildAnnotations({ trace, threshold: 0.5, score: null }), lineLength).length, 0, "nothing scored, no lens");
});
