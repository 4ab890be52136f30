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
import { cleanAnswer } from "./cleanAnswer";
import { expressionsEqual, mathExpression } from "./mathExpression";
import { canonicalText, parseAnswer, type ParsedAnswer } from "./parseAnswer";

function sameMultiset(a: readonly ParsedAnswer[], b: readonly ParsedAnswer[]): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  outer: for (const x of a) {
    for (let j = 0; j < b.length; j++) {
      if (!used[j] && parsedEqual(x, b[j])) {
        used[j] = true;
        continue outer;
      }
    }
    return false;
  }
  return true;
}

function sameSequence(a: readonly ParsedAnswer[], b: readonly ParsedAnswer[]): boolean {
  return a.length === b.length && a.every((x, i) => parsedEqual(x, b[i]));
}

function negated(e: { source: string }) {
  return mathExpression(`-(${e.source})`);
}

/** Two parsed answers equal by the rules at the top of this file. */
export function parsedEqual(a: ParsedAnswer, b: ParsedAnswer): boolean {
  if (a.kind === "text" && b.kind === "text") return a.text === b.text;
  if (a.kind === "choice" && b.kind === "choice") return a.letter === b.letter;
  if (a.kind === "expr" && b.kind === "expr") {
    const sa = a.percent ? [1, 0.01] : [1];
    const sb = b.percent ? [1, 0.01] : [1];
    return sa.some((x) => sb.some((y) => expressionsEqual(a.expr, b.expr, x, y)));
  }
  if (a.kind === "set" && b.kind === "set") return sameMultiset(a.items, b.items);
  if (a.kind === "interval-union" && b.kind === "interval-union") return sameMultiset(a.parts, b.parts);
  if (a.kind === "bracketed" && b.kind === "bracketed") return a.open === b.open && a.close === b.close && sameSequence(a.items, b.items);
  // A bare list "1, 2" read as a set also matches the tuple "(1, 2)" item by item.
  if (a.kind === "set" && b.kind === "bracketed") return b.open === "(" && b.close === ")" && sameSequence(a.items, b.items);
  if (a.kind === "bracketed" && b.kind === "set") return parsedEqual(b, a);
  if (a.kind === "equation" && b.kind === "equation") {
    if (expressionsEqual(a.difference, b.difference)) return true;
    const minus = negated(b.difference);
    return minus !== null && expressionsEqual(a.difference, minus);
  }
  // A one-element set matches its element: "\{3\}" vs "3".
  if (a.kind === "set" && a.items.length === 1) return parsedEqual(a.items[0], b);
  if (b.kind === "set" && b.items.length === 1) return parsedEqual(a, b.items[0]);
  return false;
}

/** The canonical text of an answer: what `steplens grade` prints and what equal-text comparison uses. */
export function normalizeAnswer(s: string): string {
  let t = cleanAnswer(s);
  const sides = /^([A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?)\s*=\s*(?!=)(.+)$/s.exec(t);
  if (sides) t = sides[2].trim();
  t = t.replace(/\^\s*\{?\s*\\circ\s*\}?|°|\\degree\b/g, "");
  // LaTeX shorthands spelled out: \frac12 → \frac{1}{2}, \sqrt2 → \sqrt{2}.
  t = t.replace(/\\frac\s*([0-9A-Za-z])\s*([0-9A-Za-z])/g, "\\frac{$1}{$2}").replace(/\\frac\s*(\{[^{}]*\})\s*([0-9A-Za-z])/g, "\\frac$1{$2}");
  t = t.replace(/\\sqrt\s*([0-9A-Za-z])/g, "\\sqrt{$1}");
  t = t.replace(/(\d)\{,\}(?=\d{3})/g, "$1,");
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(t)) t = t.replace(/,/g, "");
  t = t.replace(/\s*([=+*/^(),[\]{}-])\s*/g, "$1");
  return canonicalText(t);
}

/** Whether answers `a` and `b` are equivalent. */
export function answersEqual(a: string, b: string): boolean {
  const na = normalizeAnswer(a);
  const nb = normalizeAnswer(b);
  if (na === nb) return na !== "";
  const pa = parseAnswer(cleanAnswer(a));
  const pb = parseAnswer(cleanAnswer(b));
  return pa.some((x) => pb.some((y) => parsedEqual(x, y)));
}
