/**
 * The final (outcome) verdict of a verifier's output: "Is the answer correct (Yes/No)? X" and its
 * variants, read by StepLens's rule or by SPARK's (its patterns, in its order). Used by the output
 * formats that give one (src/verify/verdictStrategies.ts); the section splitter of
 * src/verify/verdictParser.ts ends a step's section at a final-verdict line. No `vscode` import.
 */
import { captureGroup } from "./captureGroup";
import type { OutcomeVerdict } from "./verification";

export type FinalVerdictRule = "steplens" | "spark";
export const FINAL_VERDICT_RULES: readonly FinalVerdictRule[] = ["steplens", "spark"];

/** Final (outcome) verdict statements; group 1 is the verdict word. */
const FINAL_PATTERNS: RegExp[] = [
  /\bis\s+the\s+(?:final\s+)?(?:answer|solution)\s+correct\s*(?:\(\s*yes\s*\/\s*no\s*\))?\s*\??\s*[:：]?\s*(?:\*\*|__|\*)?\s*(?:\\boxed\{\s*(?:\\text\{\s*)?)?(yes|no)\b/gi,
  /\bverification\s*[:：]\s*(?:\*\*|__)?\s*(yes|no)\b/gi,
  /\bfinal\s+(?:verdict|judge?ment|assessment|evaluation)\s*[:：]?\s*(?:\*\*|__)?\s*(?:\\boxed\{\s*(?:\\text\{\s*)?)?(yes|no|correct|incorrect)\b/gi,
  /\\boxed\{\s*(?:\\text\{\s*)?(yes|no)\s*\}?\s*\}/gi,
];
/**
 * SPARK's final-verdict patterns, in its order (`critique/1_step_outcome_formatting.py`,
 * case-insensitive, `.` not crossing lines, `$` the end of the text): the first that matches decides.
 */
export const SPARK_FINAL_PATTERNS: readonly RegExp[] = [
  /Verification:\s*Is the answer correct.*?\?\s*(Yes|No)/i,
  /Is the answer correct.*?\?\s*(Yes|No)/i,
  /answer correct.*?\?\s*(Yes|No)/i,
  /\*\*Verification:\s*Is the answer correct.*?\?\s*(Yes|No)\*\*/i,
  /\?\s*(Yes|No)\s*\*\*\s*$/i,
  /\?\s*(Yes|No)\s*$/i,
];

/** SPARK's rule: the verdict of the first pattern (in SPARK's order) that matches; null when none does. */
export function sparkFinalVerdict(visible: string): OutcomeVerdict | null {
  const text = visible.replace(/\s+$/, "");
  for (const re of SPARK_FINAL_PATTERNS) {
    const m = re.exec(text);
    if (m) return captureGroup(m, 1).toLowerCase() === "yes" ? "yes" : "no";
  }
  return null;
}

/** Weaker outcome statements, used only outside the step sections and only when nothing above matched. */
const FINAL_WEAK = /\b(?:the|this)\s+(?:final\s+)?(?:answer|solution)\s+is\s+(correct|incorrect|not\s+correct|wrong)\b/gi;
/** A final-verdict line whose placeholder was never filled in. */
const FINAL_UNFILLED = /\bis\s+the\s+(?:final\s+)?(?:answer|solution)\s+correct\s*\(\s*yes\s*\/\s*no\s*\)\s*\?/i;

function outcomeWord(w: string): OutcomeVerdict {
  const s = w.toLowerCase().replace(/\s+/g, " ");
  return s === "yes" || s === "correct" ? "yes" : "no";
}

/** Whether `line` states the final verdict (or leaves its placeholder unfilled): it closes a step section. */
export function isFinalLine(line: string): boolean {
  return FINAL_PATTERNS.some((re) => new RegExp(re.source, "i").test(line)) || FINAL_UNFILLED.test(line);
}

/**
 * The final (outcome) verdict of a verification: by SPARK's rule, the first of its patterns that
 * matches; by StepLens's, every statement in the text, Yes and No together leaving it undetermined.
 * The weaker phrasings count only in `outsideText` (outside the step sections). Warnings are appended.
 */
export function finalVerdictOf(visible: string, outsideText: string, warnings: string[], rule: FinalVerdictRule): OutcomeVerdict | null {
  if (rule === "spark") {
    const v = sparkFinalVerdict(visible);
    if (v === null && FINAL_UNFILLED.test(visible)) warnings.push("the final verdict line is there but says neither Yes nor No");
    return v;
  }
  const found: OutcomeVerdict[] = [];
  for (const re of FINAL_PATTERNS) for (const m of visible.matchAll(re)) found.push(outcomeWord(captureGroup(m, 1)));
  if (!found.length) for (const m of outsideText.matchAll(FINAL_WEAK)) found.push(outcomeWord(captureGroup(m, 1)));
  const kinds = new Set(found);
  if (kinds.size > 1) {
    warnings.push("conflicting final verdicts (both Yes and No); no final verdict kept");
    return null;
  }
  if (!found.length && FINAL_UNFILLED.test(visible)) warnings.push("the final verdict line is there but says neither Yes nor No");
  return found[0] ?? null;
}
