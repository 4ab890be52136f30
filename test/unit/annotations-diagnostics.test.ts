import { test } from "node:test";
import assert from "node:assert/strict";
import { buildDiagnostics, formatThreshold } from "../../src/annotations/diagnosticsModel";
import { buildAnnotations } from "../../src/annotations/stepAnnotations";
import { scoreResult, textTrace, verification } from "./annotations-fixtures";
import { itemAt, only } from "../support/indexing";

const trace = () => textTrace(["2 + 2 = 4", "4 * 2 = 9", "9 - 1 = 8", "so 8", "answer 8"]);

test("first error is an error, other steps below the threshold are warnings, messages read alone", () => {
  const a = buildAnnotations({
    trace: trace(),
    threshold: 0.5,
    score: scoreResult([0.92, 0.08, 0.31, 0.7, 0.5]),
    verification: verification(["cccccccc", "iiiiiicc", "cccccccc", "cccccccc", "cccccccc"], 0.5, {
      1: { 0: "4 * 2 is 8.", 3: "The product is wrong:\n\n4 × 2 = 8, not 9.", 6: "Correct multiplication." },
    }),
  });
  const d = buildDiagnostics(a);
  assert.deepEqual(
    d.map((x) => [x.step, x.severity, x.code, x.message]),
    [
      [1, "error", "first-error", "Step 2: first error — PRM 0.08 < 0.50; 6 of 8 verifiers: incorrect"],
      [2, "warning", "below-threshold", "Step 3: below threshold — PRM 0.31 < 0.50; 8 of 8 verifiers: correct"],
    ],
  );
  assert.ok(d.every((x) => x.source === "StepLens"));
  const [firstError, belowThreshold] = d;
  assert.ok(firstError && belowThreshold, "the first-error and below-threshold diagnostics");
  const step2 = itemAt(a.steps, 1, "step 2's annotation");
  assert.deepEqual(firstError.range, step2.range);
  assert.deepEqual(
    firstError.related.map((r) => [r.verifier, r.message]),
    [
      [0, "Verifier 1 of 8 (incorrect, chosen): 4 * 2 is 8."],
      [3, "Verifier 4 of 8 (incorrect): The product is wrong: 4 × 2 = 8, not 9."],
      [6, "Verifier 7 of 8 (correct): Correct multiplication."],
    ],
  );
  assert.deepEqual(itemAt(firstError.related, 0, "the first related verifier").range, step2.range);
  assert.deepEqual(belowThreshold.related, []);
});

test("steps the verifiers or a label call incorrect are warnings; steps labelled correct are quiet", () => {
  const a = buildAnnotations({
    trace: trace(),
    threshold: 0.5,
    score: scoreResult([0.9, 0.2, 0.9, 0.1, 0.9]),
    verification: verification(["cc", "cc", "ii", "cc", "cc"]),
    labels: new Map([
      [1, "correct" as const],
      [4, "incorrect" as const],
    ]),
  });
  const d = buildDiagnostics(a);
  assert.deepEqual(
    d.map((x) => [x.step, x.severity, x.code, x.message]),
    [
      [2, "error", "first-error", "Step 3: first error — PRM 0.90 ≥ 0.50; 2 of 2 verifiers: incorrect"],
      [3, "warning", "below-threshold", "Step 4: below threshold — PRM 0.10 < 0.50; 2 of 2 verifiers: correct"],
      [4, "warning", "incorrect", "Step 5: incorrect — marked incorrect; PRM 0.90 ≥ 0.50; 2 of 2 verifiers: correct"],
    ],
  );
});

test("no results: no diagnostics; a clean trace: no diagnostics", () => {
  assert.deepEqual(buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.5 })), []);
  assert.deepEqual(buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.5, score: scoreResult([0.9, 0.9, 0.9, 0.9, 0.5]) })), []);
});

test("a label-only first error, and the demo notice on scored messages", () => {
  const labelled = buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.5, labels: new Map([[2, "first-error" as const]]) }));
  assert.deepEqual(
    labelled.map((x) => x.message),
    ["Step 3: first error — marked first error"],
  );
  const demo = buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.5, score: scoreResult([0.9, 0.1, 0.9, 0.9, 0.9]), demo: true }));
  assert.deepEqual(
    demo.map((x) => x.message),
    ["Step 2: first error — PRM 0.10 < 0.50 (demo: scores are meaningless)"],
  );
});

test("critique excerpts in related information are cut; a chosen critique alone is used when the list is absent", () => {
  const v = verification(["i", "c", "c", "c", "c"]);
  const step1 = itemAt(v.steps, 0, "step 1's verification");
  step1.critique = { verifier: 0, text: "x ".repeat(400) };
  step1.critiques = undefined;
  const d = buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.5, verification: v }), { critiqueLength: 20 });
  const diagnostic = only(d, "the first-error diagnostic");
  assert.equal(diagnostic.message, "Step 1: first error — 1 of 1 verifier: incorrect");
  assert.equal(only(diagnostic.related, "the chosen critique").message, `Verifier 1 of 1 (incorrect, chosen): ${"x ".repeat(9).trim()}…`);
});

test("thresholds are shown as given", () => {
  assert.equal(formatThreshold(0.5), "0.50");
  assert.equal(formatThreshold(0.475), "0.475");
  assert.equal(formatThreshold(1), "1.00");
  const d = buildDiagnostics(buildAnnotations({ trace: trace(), threshold: 0.475, score: scoreResult([0.4749, 0.9, 0.9, 0.9, 0.9]) }));
  assert.equal(d[0]?.message, "Step 1: first error — PRM 0.47 < 0.475");
});
