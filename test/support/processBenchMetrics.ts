/**
 * ProcessBench's metrics by their definition, for tests to check StepLens's accumulators against
 * (src/eval, src/inspector/dashboardModel.ts) — written out here, independent of them:
 * the prediction of a trace is its first step scoring below the threshold (-1: none); accError is
 * the share of erroneous traces (label ≥ 0) whose first error is found exactly, accCorrect the share
 * of all-correct traces (label -1) predicted -1, F1 their harmonic mean; all in percent.
 * Not a test file.
 */
export interface HandMetrics {
  n: number;
  accError: number | null;
  accCorrect: number | null;
  f1: number | null;
}

export function firstStepBelow(scores: readonly number[], threshold: number): number {
  for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) return i;
  return -1;
}

/** The metrics of one subset: each item its label and its step scores. */
export function processBenchMetricsByHand(items: readonly { label: number; scores: readonly number[] }[], threshold: number): HandMetrics {
  let erroneous = 0;
  let found = 0;
  let correct = 0;
  let kept = 0;
  for (const item of items) {
    const prediction = firstStepBelow(item.scores, threshold);
    if (item.label === -1) {
      correct++;
      if (prediction === -1) kept++;
    } else {
      erroneous++;
      if (prediction === item.label) found++;
    }
  }
  const accError = erroneous ? (100 * found) / erroneous : null;
  const accCorrect = correct ? (100 * kept) / correct : null;
  const f1 = accError === null || accCorrect === null ? null : accError + accCorrect ? (2 * accError * accCorrect) / (accError + accCorrect) : 0;
  return { n: items.length, accError, accCorrect, f1 };
}

/** Whether two metric values agree (to 1e-9; null only with null). */
export function sameMetric(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a == null || b == null) return a == null && b == null;
  return Math.abs(a - b) < 1e-9;
}
