/**
 * The majority answer (self-consistency): answers are grouped by answersEqual, each group keeps the
 * first answer seen as its value, and the largest group wins; a tie goes to the group seen first.
 * Null answers (nothing extracted) are counted in the denominator of `share` but never win. Null
 * when no answer is non-null. No `vscode` import here.
 */
import { answersEqual } from "./equivalence";

export interface MajorityAnswer {
  /** The first answer seen of the winning group. */
  value: string;
  /** How many answers are in that group. */
  count: number;
  /** count / all answers (nulls included). */
  share: number;
}

/** Groups of equal answers, in order of first appearance: [value, indices]. */
export function groupAnswers(answers: readonly (string | null)[]): { value: string; members: number[] }[] {
  const groups: { value: string; members: number[] }[] = [];
  answers.forEach((a, i) => {
    if (a === null) return;
    const g = groups.find((x) => answersEqual(x.value, a));
    if (g) g.members.push(i);
    else groups.push({ value: a, members: [i] });
  });
  return groups;
}

export function majorityAnswer(answers: readonly (string | null)[]): MajorityAnswer | null {
  const groups = groupAnswers(answers);
  let best: { value: string; members: number[] } | null = null;
  for (const g of groups) if (!best || g.members.length > best.members.length) best = g;
  if (!best) return null;
  return { value: best.value, count: best.members.length, share: best.members.length / answers.length };
}
