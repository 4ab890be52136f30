/**
 * PAV progress as the editor shows it (plain data, no VS Code): the hover's view model and text
 * (Q before → after with Q's interval, the advantage with its interval, the demo label), the
 * "loses progress" Information diagnostics, the lens title, and which rollout text has an answer.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { buildHover } from "../../src/annotations/hoverContent";
import { progressDiagnostics, progressViewOf } from "../../src/annotations/progressView";
import { buildAnnotations } from "../../src/annotations/stepAnnotations";
import { progressSteps, solutionAnswer, type ProgressResult } from "../../src/progress/estimateProgress";
import { segmentText } from "../../src/formats/text";
import { progressPanelOf } from "../../src/inspector/traceView";
import { wilsonInterval } from "../../src/progress/intervals";
import { itemAt, only } from "../support/indexing";

const TRACE = "Problem: Solve 2x + 3 = 11.\n\nStep 1: 2x = 8.\nStep 2: x = 4, so \\boxed{4}.\nStep 3: No, \\boxed{5}.\n";

function result(correct: number[], m: number): ProgressResult {
  return {
    steps: progressSteps(correct, m, 0.5),
    answer: { value: "4", source: "reference", share: 0.5 },
    rollouts: m,
    prefixTokensEvaluated: 50,
    traceTokens: 50,
    rolloutTokens: 400,
    samePolicy: true,
    policy: { model: null, prefixTokensEvaluated: 0, traceTokens: 0, rolloutTokens: 0 },
    proverModel: null,
    seconds: 1.5,
  };
}

describe("progress in the editor's view models", () => {
  const trace = segmentText(TRACE, { file: "t.trace.md" });

  it("diagnostics: only the step whose advantage interval lies below 0, with Q before → after", () => {
    const r = result([0, 0, 8, 0], 8);
    const d = progressDiagnostics(trace, r, false);
    const diagnostic = only(d, "the loses-progress diagnostic");
    assert.equal(diagnostic.step, 2);
    assert.equal(diagnostic.severity, "information");
    assert.equal(diagnostic.code, "loses-progress");
    assert.match(
      diagnostic.message,
      /^Step 3 loses progress: Q 1\.00 → 0\.00 \(advantage −1\.00, 90% interval −1\.00 to −0\.\d\d; 8 prover rollouts per prefix\)$/,
    );
    assert.deepEqual(diagnostic.range, itemAt(trace.steps, 2, "step 3").range);
    assert.match(only(progressDiagnostics(trace, r, true), "the demo diagnostic").message, / — demo: scores are meaningless$/);
    // 5/8 → 2/8 is not clearly negative with 8 rollouts.
    assert.equal(progressDiagnostics(trace, result([5, 5, 5, 2], 8), false).length, 0);
  });

  it("the hover: Q before → after with its interval, the advantage with its interval, the rollouts, the demo label", () => {
    const view = progressViewOf(result([0, 0, 8, 0], 8), "prover.gguf", true);
    assert.equal(view.confidence, 0.9);
    const step3 = itemAt(view.steps, 2, "step 3");
    assert.deepEqual(step3.qInterval, [0, step3.qInterval![1]]);
    assert.ok(step3.interval![1] < 0);
    const annotations = buildAnnotations({ trace, threshold: 0.5, progress: view });
    assert.equal(annotations.progressDemo, true);
    const { markdown } = buildHover(annotations, itemAt(annotations.steps, 2, "step 3"), { documentUri: "file:///t.trace.md" });
    assert.match(
      markdown,
      /\*\*Progress\*\* Q 1\\\.00 → 0\\\.00 \(90% interval 0\\\.00 to 0\\\.\d\d\) · advantage \\?-1\\\.00 \(90% interval \\?-1\\\.00 to \\?-0\\\.\d\d, 8 rollouts\)/,
    );
    assert.match(markdown, /demo\\?: scores are meaningless/);
    const plain = buildAnnotations({ trace, threshold: 0.5, progress: progressViewOf(result([0, 0, 8, 0], 8), "p", false) });
    assert.doesNotMatch(buildHover(plain, itemAt(plain.steps, 2, "step 3"), { documentUri: "file:///t.trace.md" }).markdown, /demo/);
  });

  it("two policies: the hover shows Qμ before → after, the base policy's Qπ with its interval and the effective reward", () => {
    // Prover 0/8 → 0/8 → 8/8 → 0/8; base policy after the steps: 2/8, 6/8, 1/8; α = 0.5.
    const r: ProgressResult = {
      ...result([0, 0, 8, 0], 8),
      steps: progressSteps([0, 0, 8, 0], 8, 0.5, [0, 2, 6, 1]),
      samePolicy: false,
      policy: { model: "policy.gguf", prefixTokensEvaluated: 60, traceTokens: 60, rolloutTokens: 300 },
    };
    const view = progressViewOf(r, "prover.gguf", false);
    assert.equal(view.samePolicy, false);
    assert.deepEqual(
      view.steps.map((s) => [s.qBase, s.effective]),
      [
        [0.25, 0.25],
        [0.75, 0.75 + 0.5],
        [0.125, 0.125 - 0.5],
      ],
    );
    const annotations = buildAnnotations({ trace, threshold: 0.5, progress: view });
    const { markdown } = buildHover(annotations, itemAt(annotations.steps, 1, "step 2"), { documentUri: "file:///t.trace.md" });
    const [lo, hi] = wilsonInterval(6, 8);
    assert.ok(markdown.includes("**Progress** Qμ 0\\.00 → 1\\.00"), markdown);
    assert.ok(
      markdown.includes(`**Base policy** Qπ 0\\.75 (90% interval ${lo.toFixed(2).replace(".", "\\.")} to ${hi.toFixed(2).replace(".", "\\.")})`),
      markdown,
    );
    assert.ok(markdown.includes("**effective** 1\\.25 = Qπ + α·advantage"), markdown);

    // The inspector's panel carries both Q's and the effective reward.
    const panel = progressPanelOf(r)!;
    assert.equal(panel.samePolicy, false);
    assert.deepEqual(
      panel.rows.map((x) => [x.qAfter, x.qBase, x.effective]),
      [
        [0, 0.25, 0.25],
        [1, 0.75, 1.25],
        [0, 0.125, -0.375],
      ],
    );
    assert.deepEqual(panel.rows[1]?.qBaseInterval, [lo, hi]);
  });

  it("one model (π = μ): the hover says so and the effective reward is Q + α·A", () => {
    const view = progressViewOf(result([0, 0, 8, 0], 8), "prover.gguf", false);
    const annotations = buildAnnotations({ trace, threshold: 0.5, progress: view });
    const { markdown } = buildHover(annotations, itemAt(annotations.steps, 1, "step 2"), { documentUri: "file:///t.trace.md" });
    assert.ok(markdown.includes("**Progress** Q 0\\.00 → 1\\.00"), markdown);
    assert.ok(markdown.includes("**effective** 1\\.50 = Q + α·advantage (π = μ: one model)"), markdown);
    assert.doesNotMatch(markdown, /Base policy/);
    assert.equal(progressPanelOf(result([0, 0, 8, 0], 8))!.samePolicy, true);
  });

  it("a rollout's answer needs a box, an answer line or an answer phrase", () => {
    assert.equal(solutionAnswer("Step 1: 2x = 8.\n\nSo x = \\boxed{4}."), "4");
    assert.equal(solutionAnswer("Step 1.\n\nThe answer is 4."), "4");
    assert.equal(solutionAnswer("I give up."), null);
    assert.equal(solutionAnswer("4"), null);
  });
});
