// StepLens's grader against the real Math-Verify (the Python test env's math-verify, through
// testPython()) on a fixed sample of the comparison corpus (bench/grading/corpus.mjs: every 20th
// pair of each category, real ProcessBench answers and systematic variants). The truth of each pair
// is its verdict by construction, or the reviewed verdict of bench/grading/reviewed.json. Checked:
// where Math-Verify is right, StepLens agrees on ≥ 99 % of the pairs; every disagreement of the
// sample has a reviewed verdict (a new one fails the test until it is reviewed); StepLens is right on
// ≥ 99 % of the sample. The full corpus: node bench/grading-compare.mjs.
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { agreementReport, loadReviewed, runMathVerify, type CorpusPair } from "../../bench/grading/compare";
import { buildCorpus, CATEGORIES, corpusSample } from "../../bench/grading/corpus.mjs";
import { gradePair } from "../../src/grading";
import { repoRoot } from "../support/repo";
import { testPython } from "../support/pythonEnv";

test("StepLens agrees with Math-Verify where Math-Verify is right (corpus sample)", { timeout: 600_000 }, async () => {
  const root = repoRoot();
  const sample = corpusSample(buildCorpus({ root }), 20) as CorpusPair[];
  assert.ok(sample.length >= 400, `sample of ${sample.length} pairs`);
  const mathVerify = await runMathVerify(testPython(), sample, { timeoutMs: 540_000, root });
  const steplens = new Map(sample.map((p) => [p.id, gradePair(p.gold, p.pred).equal]));
  const report = agreementReport(sample, steplens, mathVerify, loadReviewed(path.join(root, "bench/grading/reviewed.json")), CATEGORIES);
  const o = report.summary.overall;
  assert.ok(
    o.steplensAgreesWhereMathVerifyRight >= 99,
    `StepLens agrees on ${o.steplensAgreesWhereMathVerifyRight}% where Math-Verify is right: ${JSON.stringify(o)}`,
  );
  assert.deepEqual(
    report.unreviewed.map(
      (d) => `${d.id}: ${JSON.stringify(d.gold)} vs ${JSON.stringify(d.pred.slice(-120))} steplens=${d.steplens} math-verify=${d.mathVerify}`,
    ),
    [],
    "every disagreement has a reviewed verdict in bench/grading/reviewed.json",
  );
  assert.ok(o.steplensRight >= 0.99 * o.pairs, `StepLens right on ${o.steplensRight} of ${o.pairs}`);
  // Math-Verify is really running: it agrees with the truth on most pairs.
  assert.ok(o.mathVerifyRight >= 0.8 * o.pairs, `Math-Verify right on ${o.mathVerifyRight} of ${o.pairs}`);
});
