/**
 * The reference answer a trace carries, for grading PAV rollouts: a front-matter field of a text
 * trace (`reference: 4`) or a dataset's gold field kept in `trace.meta` (PRM800K's
 * `ground_truth_answer`; a generic JSONL record's field named by REFERENCE_KEYS). Null when there is
 * none (progress is then reference-free). No `vscode` import.
 */
import type { Trace } from "../core/trace";

/** The meta keys read, in order. */
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

export function referenceAnswerOf(trace: Pick<Trace, "meta">): string | null {
  for (const key of REFERENCE_KEYS) {
    const v = trace.meta?.[key];
    if ((typeof v === "string" && v.trim() !== "") || typeof v === "number") return String(v).trim();
  }
  return null;
}
