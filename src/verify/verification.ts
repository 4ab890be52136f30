/**
 * What one verifier output says once parsed: a verdict and a critique per step, a final verdict,
 * and the first error. Shared by the text parser, the JSON-schema (constrained) parser, the
 * aggregation and the pipeline. No `vscode` import here.
 */

/** The output format a verifier prompt asks for (and so the parser expects). */
export type VerdictFormat = "spark" | "processbench" | "thinkprm";
export const VERDICT_FORMATS: readonly VerdictFormat[] = ["spark", "processbench", "thinkprm"];

export type StepVerdictValue = "correct" | "incorrect" | "not-given";

export interface ParsedStep {
  /** 0-based step index in the trace. */
  index: number;
  verdict: StepVerdictValue;
  /** The verifier's analysis of this step (verdict lines removed); "" when it wrote none. */
  critique: string;
}

/** The final (outcome) verdict: is the answer correct? */
export type OutcomeVerdict = "yes" | "no";

export interface ParsedVerification {
  ok: true;
  /** How the verdicts were read: text sections, ordered \boxed{} verdicts, or a JSON object. */
  via: "sections" | "boxed-sequence" | "json" | "final-only" | "index-only";
  /** One entry per trace step, in order. */
  steps: ParsedStep[];
  finalVerdict: OutcomeVerdict | null;
  /** ProcessBench critic answer (the index in the last \boxed{}), when the format asks for one. */
  boxedIndex: number | null;
  /**
   * The verifier's first error: the \boxed{} index (critic format), else the first step marked
   * incorrect, else -1 when every step is marked correct or nothing is flagged and the final verdict
   * is Yes; null when it cannot be told (e.g. final verdict No but no step flagged).
   */
  firstError: number | null;
  /** The verifier's text outside the step sections (overall review, conclusion); "" when none. */
  summary: string;
  /** Things worth knowing that did not make the output unusable (contradictions, gaps, …). */
  warnings: string[];
  /** Text of the <think> block(s), when there were any. */
  thinking: string | null;
  /** The generation hit its token limit. */
  truncated: boolean;
  /** The `<think>` was never closed and the verification was recovered from its first `## Step 1:` line. */
  recovered?: boolean;
  /** Official critic rule: the last `\boxed{}` content as ProcessBench's script reads it (what its vote counts). */
  criticAnswer?: string | null;
}

export interface MalformedVerification {
  ok: false;
  /** Why no verdict could be read. */
  reason: string;
  warnings: string[];
  thinking: string | null;
  truncated: boolean;
  /** Official critic rule: the last `\boxed{}` content, even when it is no usable index (it still takes part in the vote). */
  criticAnswer?: string | null;
}

export type VerificationParse = ParsedVerification | MalformedVerification;

/**
 * The first error implied by step verdicts and a final verdict (see ParsedVerification.firstError).
 */
export function firstErrorFromVerdicts(steps: readonly ParsedStep[], finalVerdict: OutcomeVerdict | null): number | null {
  const wrong = steps.find((s) => s.verdict === "incorrect");
  if (wrong) return wrong.index;
  if (steps.length > 0 && steps.every((s) => s.verdict === "correct")) return -1;
  if (finalVerdict === "yes") return -1;
  return null;
}

/** Warnings for a final verdict that contradicts the step verdicts (not an error: both are kept). */
export function contradictionWarnings(steps: readonly ParsedStep[], finalVerdict: OutcomeVerdict | null, base: number): string[] {
  const wrong = steps.filter((s) => s.verdict === "incorrect");
  if (finalVerdict === "yes" && wrong.length) return [`final verdict Yes contradicts step ${wrong.map((s) => s.index + base).join(", ")} marked incorrect`];
  if (finalVerdict === "no" && steps.length > 0 && steps.every((s) => s.verdict === "correct"))
    return ["final verdict No contradicts every step being marked correct"];
  return [];
}
