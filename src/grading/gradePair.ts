/**
 * One gold/prediction pair graded the way `steplens grade`, search and progress do it: both sides go
 * through extractAnswer (so a gold may be written "$\\frac12$" or "\\boxed{7}", and a prediction may
 * be a whole solution; a gold with no box or answer phrase is taken whole up to MAX_ANSWER_CHARS),
 * then compareAnswers. No `vscode` import here.
 */
import { MAX_ANSWER_CHARS } from "./bounds";
import { compareAnswers, normalizeAnswer } from "./equivalence";
import { extractAnswer, extractGold } from "./extractAnswer";

export interface GradedPair {
  /** Both answers were found and are equivalent. */
  equal: boolean;
  /** normalizeAnswer of the extracted gold ("" when none was found). */
  gold: string;
  /** normalizeAnswer of the extracted prediction ("" when none was found). */
  extracted: string;
  /** Present when a bound stopped the comparison (docs/grading.md): why the verdict is unknown (`equal` is then false). */
  unknown?: string;
}

/** What is printed of an answer: at most MAX_ANSWER_CHARS characters. */
function shown(answer: string): string {
  return answer.length > MAX_ANSWER_CHARS ? `${answer.slice(0, MAX_ANSWER_CHARS)}…` : normalizeAnswer(answer);
}

export function gradePair(gold: string, prediction: string): GradedPair {
  const g = extractGold(gold);
  const p = extractAnswer(prediction);
  const verdict = g !== null && p !== null ? compareAnswers(g, p) : { equal: false, unknown: null };
  return {
    equal: verdict.equal,
    gold: g === null ? "" : shown(g),
    extracted: p === null ? "" : shown(p),
    ...(verdict.unknown ? { unknown: verdict.unknown } : {}),
  };
}
