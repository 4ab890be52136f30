// The adapter from the verification pipeline's result to the annotations' view, run on the real
// pipeline (verifyTrace: parsing, aggregation, final verdicts) over a fake engine that returns fixed
// SPARK-format verifier outputs — the engine is not under test here, the adaptation is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { verificationViewOf } from "../../src/annotations/verificationView";
import { buildAnnotations } from "../../src/annotations/stepAnnotations";
import { buildDiagnostics } from "../../src/annotations/diagnosticsModel";
import { textTrace, scriptedVerifier, spark } from "./annotations-fixtures";
import { itemAt } from "../support/indexing";

test("K = 4 verifications: counts, verdicts, the chosen critique and every critique reach the annotations", async () => {
  const steps = ["2 + 2 = 4", "4 * 2 = 9", "answer 9"];
  const outputs = [
    spark(["correct", "incorrect", "incorrect"], ["Fine.", "4 times 2 is 8, not 9.", "Follows the error."], "No"),
    spark(["correct", "incorrect", "incorrect"], ["Right.", "Wrong product.", "Wrong."], "No"),
    spark(["correct", "correct", "correct"], ["OK.", "Looks right.", "OK."], "Yes"),
    "I cannot decide.", // malformed: no verdicts at all
  ];
  const result = await verifyTrace(scriptedVerifier(outputs), { problem: "What is (2 + 2) * 2?", steps }, { template: BUILTIN_TEMPLATES.spark, samples: 4 });
  assert.equal(result.aggregate.malformed, 1);
  const view = verificationViewOf(result, "verifier.gguf");
  assert.equal(view.samples, 4);
  assert.equal(view.model, "verifier.gguf");
  assert.deepEqual(
    view.steps.map((s) => [s.correct, s.incorrect, s.missing, s.verdict]),
    [
      [3, 0, 1, "correct"],
      [1, 2, 1, "incorrect"],
      [1, 2, 1, "incorrect"],
    ],
  );
  assert.equal(view.firstError, 1);
  const step2 = itemAt(view.steps, 1, "step 2's verification");
  const chosen = step2.critique!;
  assert.equal(chosen.verifier, result.aggregate.explanation);
  assert.match(chosen.text, /4 times 2 is 8, not 9\.|Wrong product\./);
  assert.deepEqual(
    step2.critiques!.map((c) => [c.verifier, c.verdict]),
    [
      [0, "incorrect"],
      [1, "incorrect"],
      [2, "correct"],
    ],
  );

  const annotations = buildAnnotations({ trace: textTrace(steps), threshold: 0.5, verification: view });
  assert.deepEqual(annotations.firstError, { index: 1, source: "verifiers" });
  assert.equal(annotations.steps[1]?.verdictCounts, "2 of 4 verifiers: incorrect (1 gave no verdict)");
  const diagnostics = buildDiagnostics(annotations);
  const [firstError, incorrect] = diagnostics;
  assert.ok(firstError && incorrect, "the diagnostics for steps 2 and 3");
  assert.equal(firstError.message, "Step 2: first error — 2 of 4 verifiers: incorrect (1 gave no verdict)");
  assert.equal(firstError.related.length, 3);
  assert.match(
    itemAt(firstError.related, 0, "the first verifier's related information").message,
    /^Verifier 1 of 4 \(incorrect(, chosen)?\): 4 times 2 is 8, not 9\.$/,
  );
  assert.equal(incorrect.message, "Step 3: incorrect — 2 of 4 verifiers: incorrect (1 gave no verdict)");
});
