/**
 * The fields a dataset record may carry its reference (gold) answer in, read in this order: the
 * JSONL reader keeps them in `trace.meta` (src/formats/jsonl.ts) and progress grades rollouts against
 * the first one present (src/progress/referenceAnswer.ts). No `vscode` import.
 */
export const REFERENCE_KEYS: readonly string[] = [
  "reference",
  "reference_answer",
  "gold",
  "gold_answer",
  "ground_truth",
  "ground_truth_answer",
  "groundTruthAnswer",
  "expected_answer",
];
