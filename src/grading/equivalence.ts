/**
 * Answer equivalence: do two answers (a gold and a prediction, or two predictions) say the same?
 * Both sides are cleaned (cleanAnswer), read into every structure they can mean (parseAnswer) and
 * compared by kind:
 * - the same canonical text (spacing ignored, and case unless it is math) is always equal;
 * - choice letters: the same letter;
 * - numbers and expressions: numerically (mathExpression.ts: tolerance, random points); a percent
 *   side also matches its value over 100 ("50%" = "50" = "0.5");
 * - sets and bare lists: the same elements in any order (as multisets); a bare list also matches a
 *   parenthesised tuple in order;
 * - tuples / intervals: the same brackets on both ends and equal items in order;
 * - unions of intervals: the same intervals in any order;
 * - equations: lhs − rhs equal up to sign;
 * - text: canonical text.
 * Symmetric by construction. What is not handled is listed in docs/grading.md. No `vscode` import here.
 */
import { GradingUnknown, sizeProblem, WorkBudget } from "./bounds";
import { cleanAnswer } from "./cleanAnswer";
import { expressionsEqual, proportional } from "./mathExpression";
import { canonicalText, parseAnswer, parsedKey, type ParsedAnswer } from "./parseAnswer";

/**
 * The same elements in any order. Elements with the same key (the same structure and text) pair up
 * first in linear time (a set against its reverse costs n, not n²); the rest are matched pairwise,
 * each comparison counted against the budget.
 */
function sameMultiset(a: readonly ParsedAnswer[], b: readonly ParsedAnswer[], budget: WorkBudget): boolean {
  if (a.length !== b.length) return false;
  budget.spend(a.length);
  const byKey = new Map<string, number[]>();
  b.forEach((y, j) => {
    const k = parsedKey(y);
    const list = byKey.get(k);
    if (list) list.push(j);
    else byKey.set(k, [j]);
  });
  const used = new Array<boolean>(b.length).fill(false);
  const rest: ParsedAnswer[] = [];
  for (const x of a) {
    const j = byKey.get(parsedKey(x))?.pop();
    if (j === undefined) rest.push(x);
    else used[j] = true;
  }
  outer: for (const x of rest) {
    for (const [j, y] of b.entries()) {
      if (!used[j] && parsedEqual(x, y, budget)) {
        used[j] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}

function sameSequence(a: readonly ParsedAnswer[], b: readonly ParsedAnswer[], budget: WorkBudget): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => {
      const y = b[i]; // defined: the lengths are equal
      return y !== undefined && parsedEqual(x, y, budget);
    })
  );
}

/** The one element of a one-element set, else undefined. */
function soleItem(p: ParsedAnswer): ParsedAnswer | undefined {
  return p.kind === "set" && p.items.length === 1 ? p.items[0] : undefined;
}

/** Two parsed answers equal by the rules at the top of this file; each call is counted against `budget`. */
export function parsedEqual(a: ParsedAnswer, b: ParsedAnswer, budget: WorkBudget = new WorkBudget()): boolean {
  budget.spend();
  if (a.kind === "text" && b.kind === "text") return a.text === b.text;
  if (a.kind === "choice" && b.kind === "choice") return a.letter === b.letter;
  if (a.kind === "expr" && b.kind === "expr") {
    const sa = a.percent ? [1, 0.01] : [1];
    const sb = b.percent ? [1, 0.01] : [1];
    return sa.some((x) => sb.some((y) => expressionsEqual(a.expr, b.expr, x, y, budget)));
  }
  if (a.kind === "set" && b.kind === "set") return sameMultiset(a.items, b.items, budget);
  if (a.kind === "interval-union" && b.kind === "interval-union") return sameMultiset(a.parts, b.parts, budget);
  if (a.kind === "bracketed" && b.kind === "bracketed") return a.open === b.open && a.close === b.close && sameSequence(a.items, b.items, budget);
  if (a.kind === "matrix" && b.kind === "matrix")
    return (
      a.rows.length === b.rows.length &&
      a.rows.every((row, i) => {
        const other = b.rows[i]; // defined: the row counts are equal
        return other !== undefined && sameSequence(row, other, budget);
      })
    );
  // A bare list "1, 2" read as a set also matches the tuple "(1, 2)" item by item.
  if (a.kind === "set" && b.kind === "bracketed") return b.open === "(" && b.close === ")" && sameSequence(a.items, b.items, budget);
  if (a.kind === "bracketed" && b.kind === "set") return parsedEqual(b, a, budget);
  // Equations: lhs − rhs equal up to a non-zero factor ("2x+4y-3=0" = "y=-x/2+3/4").
  if (a.kind === "equation" && b.kind === "equation")
    return expressionsEqual(a.difference, b.difference, 1, 1, budget) || proportional(a.difference, b.difference, budget);
  // A one-element set matches its element: "\{3\}" vs "3".
  const aSole = soleItem(a);
  if (aSole !== undefined) return parsedEqual(aSole, b, budget);
  const bSole = soleItem(b);
  if (bSole !== undefined) return parsedEqual(a, bSole, budget);
  return false;
}

/** The canonical text of an answer: what `steplens grade` prints and what equal-text comparison uses. */
export function normalizeAnswer(s: string): string {
  return normalizeCleaned(cleanAnswer(s));
}

/** normalizeAnswer of an answer already cleaned by cleanAnswer. */
function normalizeCleaned(cleaned: string): string {
  let t = cleaned;
  const rhs = /^([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(?!=)(.+)$/s.exec(t)?.[2];
  if (rhs !== undefined) t = rhs.trim();
  t = t.replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b/g, "");
  // LaTeX shorthands spelled out: \frac12 → \frac{1}{2}, \sqrt2 → \sqrt{2}.
  t = t.replace(/\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])/g, "\\frac{$1}{$2}").replace(/\\frac\s*(\{[^{}]*\})\s*([0-9A-Za-z])/g, "\\frac$1{$2}");
  t = t.replace(/\\sqrt\s*([0-9A-Za-z])/g, "\\sqrt{$1}");
  t = t.replace(/(\d)\{,\}(?=\d{3})/g, "$1,");
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(t)) t = t.replace(/,/g, "");
  t = t.replace(/\s*([=+*/^(),[\]{}-])\s*/g, "$1");
  return canonicalText(t);
}

/** A verdict: equal or not, and when a bound was hit, why it is unknown (then `equal` is false). */
export interface AnswerComparison {
  equal: boolean;
  /** Null when the answers were compared in full; else the bound that stopped the comparison. */
  unknown: string | null;
}

/**
 * Whether answers `a` and `b` are equivalent, bounded: an answer past the size bounds (bounds.ts) or
 * a comparison past the work budget gives `{ equal: false, unknown: <why> }`.
 */
export function compareAnswers(a: string, b: string, budget: WorkBudget = new WorkBudget()): AnswerComparison {
  const tooBig = sizeProblem(a) ?? sizeProblem(b);
  if (tooBig) return { equal: false, unknown: tooBig };
  try {
    const ca = cleanAnswer(a);
    const cb = cleanAnswer(b);
    const na = normalizeCleaned(ca);
    const nb = normalizeCleaned(cb);
    if (na === nb) return { equal: na !== "", unknown: null };
    budget.spend((a.length + b.length) / 16);
    const pa = parseAnswer(ca, budget);
    const pb = parseAnswer(cb, budget);
    return { equal: pa.some((x) => pb.some((y) => parsedEqual(x, y, budget))), unknown: null };
  } catch (e) {
    if (e instanceof GradingUnknown) return { equal: false, unknown: e.reason };
    throw e;
  }
}

/** Whether answers `a` and `b` are equivalent (compareAnswers; an unknown verdict is not equal). */
export function answersEqual(a: string, b: string): boolean {
  return compareAnswers(a, b).equal;
}
