/**
 * The reference answer a trace carries, for grading PAV rollouts: a front-matter field of a text
 * trace (`reference: 4`) or a dataset's gold field kept in `trace.meta` (PRM800K's
 * `ground_truth_answer`; a generic JSONL record's field named by REFERENCE_KEYS). Null when there is
 * none (progress is then reference-free). No `vscode` import.
 */
import type { Trace } from "../core/trace";
import { REFERENCE_KEYS } from "../formats/referenceKeys";

/** The meta keys read, in order (src/formats/referenceKeys.ts). */
export { REFERENCE_KEYS };

export function referenceAnswerOf(trace: Pick<Trace, "meta">): string | null {
  for (const key of REFERENCE_KEYS) {
    const v = trace.meta?.[key];
    if ((typeof v === "string" && v.trim() !== "") || typeof v === "number") return String(v).trim();
  }
  return null;
}
