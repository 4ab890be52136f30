/**
 * Bounds that keep every grading call linear or bounded on any input (docs/grading.md, "Bounded on
 * any input"): caps on an answer's length, bracket nesting and element count, and a work budget per
 * comparison. Past any of them the verdict is "unknown": not equal, with the reason. No `vscode`
 * import here.
 */

/** Longest answer (after extraction) that is compared; a longer one is "unknown". */
export const MAX_ANSWER_CHARS = 2000;
/** Deepest bracket / brace nesting in an answer that is compared. */
export const MAX_NESTING = 40;
/** Most elements in a set, list, tuple or union of intervals. */
export const MAX_ITEMS = 500;
/** Work units (element comparisons, expression evaluations, parsed characters / 16) per comparison. */
export const WORK_BUDGET = 20_000;
/** Largest exact integer (in bits) built while comparing numbers (2^1025, 10^401, 172! are far below). */
export const MAX_EXACT_BITS = 1 << 16;

/** Thrown inside a comparison that went past a bound; the comparison's verdict is then unknown. */
export class GradingUnknown extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "GradingUnknown";
  }
}

/** The work of one comparison, counted. */
export class WorkBudget {
  private used = 0;
  constructor(readonly limit = WORK_BUDGET) {}
  spend(units = 1): void {
    this.used += units;
    if (this.used > this.limit) throw new GradingUnknown(`the comparison needs more than ${this.limit} work units (a huge or deeply structured answer)`);
  }
  get spent(): number {
    return this.used;
  }
}

/** The deepest nesting of ( [ { in `s` (escaped braces count too). Linear. */
export function nestingDepth(s: string): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 40 || c === 91 || c === 123) {
      if (++depth > max) max = depth;
    } else if (c === 41 || c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return max;
}

/** Why `answer` is past a size bound, or null when it is within them. */
export function sizeProblem(answer: string): string | null {
  if (answer.length > MAX_ANSWER_CHARS) return `the answer is ${answer.length} characters long (at most ${MAX_ANSWER_CHARS} are compared)`;
  const depth = nestingDepth(answer);
  if (depth > MAX_NESTING) return `the answer nests brackets ${depth} deep (at most ${MAX_NESTING})`;
  return null;
}
