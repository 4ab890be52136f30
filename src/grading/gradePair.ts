/**
 * One gold/prediction pair graded the way `steplens grade`, search and progress do it: both sides go
 * through extractAnswer (so a gold may be written "$\\frac12$" or "\\boxed{7}", and a prediction may
 * be a whole solution), then answersEqual. No `vscode` import here.
 */
import { answersEqual, normalizeAnswer } from "./equivalence";
import { extractAnswer } from "./extractAnswer";

export interface GradedPair {
  /** Both answers were found and are equivalent. */
  equal: boolean;
  /** normalizeAnswer of the extracted gold ("" when none was found). */
  gold: string;
  /** normalizeAnswer of the extracted prediction ("" when none was found). */
  extracted: string;
}

export function gradePair(gold: string, prediction: string): GradedPair {
  const g = extractAnswer(gold);
  const p = extractAnswer(prediction);
  return {
    equal: g !== null && p !== null && answersEqual(g, p),
    gold: g === null ? "" : normalizeAnswer(g),
    extracted: p === null ? "" : normalizeAnswer(p),
  };
}
