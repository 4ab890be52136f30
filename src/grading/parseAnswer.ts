/**
 * A cleaned answer string (see cleanAnswer) read into a structure the equivalence test compares:
 * - `choice`: a multiple-choice letter: "B", "(B)", "B)", "(B) 12", "Option B", "choice (c)";
 * - `interval-union`: `I₁ \cup I₂ …` (∪ too), compared as an unordered collection of intervals;
 * - `set`: `\{a, b\}` (or `{a, b}`), and a bare list "a, b" / "a and b" / "a or b": order does not matter;
 * - `bracketed`: `(a, b)`, `[a, b]`, `[a, b)`, `(a, b]`, tuples and intervals alike: the bracket
 *   kinds and the order matter;
 * - `equation`: "lhs = rhs" whose lhs is not a lone variable, compared as lhs − rhs (up to sign);
 *   a lone variable on the left ("x = 3", "y = 2x + 1", "f(x) = …") is dropped first;
 * - `expr`: a number or expression (mathExpression.ts) with a flag for a percent sign;
 * - `text`: anything else, lower-cased with spacing collapsed.
 * Numbers are prepared first: thousands separators ("1,234,567", "1{,}000", "1 000") are removed;
 * a comma decimal ("3,14": one comma, not followed by exactly three digits) reads as 3.14 and also
 * as the list {3, 14}; a mixed number ("2\frac{1}{2}", "2 1/2") is 2 + 1/2; degrees (`^\circ`, `°`,
 * "degrees") are dropped; `\%` / `%` sets the percent flag. No `vscode` import here.
 */
import { GradingUnknown, MAX_ITEMS, WorkBudget } from "./bounds";
import { mathExpression, type MathExpr } from "./mathExpression";

export type ParsedAnswer =
  | { kind: "choice"; letter: string }
  | { kind: "interval-union"; parts: ParsedAnswer[] }
  | { kind: "set"; items: ParsedAnswer[] }
  | { kind: "bracketed"; open: "(" | "["; close: ")" | "]"; items: ParsedAnswer[] }
  | { kind: "matrix"; rows: ParsedAnswer[][] }
  | { kind: "equation"; difference: MathExpr }
  | { kind: "expr"; expr: MathExpr; percent: boolean }
  | { kind: "text"; text: string };

const OPENERS = "([{";
const CLOSERS = ")]}";

/** Splits at `sep` (a regex source matching at a position) outside brackets. */
function splitTopLevel(s: string, sep: RegExp): string[] {
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i); // i < s.length
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
      continue;
    }
    if (OPENERS.includes(c)) depth++;
    else if (CLOSERS.includes(c)) depth--;
    else if (depth === 0) {
      sep.lastIndex = i;
      const m = sep.exec(s);
      if (m && m.index === i) {
        parts.push(s.slice(from, i));
        from = i + m[0].length;
        i = from - 1;
      }
    }
  }
  parts.push(s.slice(from));
  if (parts.length > MAX_ITEMS) throw new GradingUnknown(`the answer lists more than ${MAX_ITEMS} elements`);
  return parts.map((p) => p.trim());
}

/** Whether the bracket opened at 0 closes exactly at the last character (any bracket kinds). */
function wrapsWhole(s: string, openLen: number, closeLen: number): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i); // i < s.length
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
    } else if (OPENERS.includes(c)) depth++;
    else if (CLOSERS.includes(c)) depth--;
    if (depth === 0 && i < s.length - 1 && i >= openLen - 1) return false;
  }
  return depth === 0 && s.length > openLen + closeLen - 1;
}

const LONE_VARIABLE = /^(?:[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?|[A-Za-z]\s*\([A-Za-z]\))$/;

function stripDegrees(s: string): string {
  return s
    .replace(/\^\s*\{?\s*\\circ\s*\}?/g, "")
    .replace(/\\degree\b|°/g, "")
    .replace(/\s*\bdegrees?$/i, "")
    .trim();
}

/** Thousands separators out; null when the string is not a plain number with them. */
function withoutThousands(s: string): string | null {
  const t = s.replace(/\{,\}/g, ",");
  if (/^[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(t)) return t.replace(/,/g, "");
  if (/^[-+]?\d{1,3}(?: \d{3})+(?:\.\d+)?$/.test(t)) return t.replace(/ /g, "");
  return null;
}

const MIXED_LATEX = /^([-+]?)(\d+)\s*\\frac\s*\{(\d+)\}\s*\{(\d+)\}$/;
const MIXED_PLAIN = /^([-+]?)(\d+)\s+(\d+)\s*\/\s*(\d+)$/;

function parseExpr(s: string): ParsedAnswer | null {
  let t = stripDegrees(s);
  let percent = false;
  const pm = /\s*(?:\\%|%|\s+percent)$/i.exec(t);
  if (pm) {
    percent = true;
    t = t.slice(0, pm.index).trim();
  }
  t = withoutThousands(t) ?? t;
  // "2\frac12" is the mixed number 2 + 1/2: the shorthand is spelled out first.
  t = t.replace(/\\frac\s*(\d)\s*(\d)/g, "\\frac{$1}{$2}");
  const mixed = MIXED_LATEX.exec(t) ?? MIXED_PLAIN.exec(t);
  if (mixed && Number(mixed[3]) < Number(mixed[4])) t = `${mixed[1]}(${mixed[2]}+${mixed[3]}/${mixed[4]})`;
  const expr = mathExpression(t);
  return expr ? { kind: "expr", expr, percent } : null;
}

const CHOICE = /^(?:(?:[Oo]ption|[Cc]hoice)\s*)?(?:\(([A-Ja-j])\)|([A-J])\)?|([A-J])\.)(?:\s+.*)?$/s;

function textOf(s: string): ParsedAnswer {
  return { kind: "text", text: canonicalText(s) };
}

/** Characters that make a string math, whose case then matters (\Delta is not \delta, A is not a). */
const MATH_CHARS = /[\\\d=+*/^_(){}[\]<>|-]/;

/** Spacing collapsed, a leading "the" and trailing punctuation dropped; lower case unless it is math. */
export function canonicalText(s: string): string {
  return (MATH_CHARS.test(s) ? s : s.toLowerCase())
    .replace(/\s+/g, " ")
    .replace(/^the\s+/, "")
    .replace(/[.!;,]+$/, "")
    .trim();
}

/** Two-letter words read as text only (not as a product of two variables). */
const SHORT_WORDS = new Set([
  "no",
  "ok",
  "on",
  "in",
  "is",
  "it",
  "an",
  "or",
  "to",
  "of",
  "at",
  "by",
  "up",
  "we",
  "he",
  "me",
  "my",
  "as",
  "so",
  "do",
  "go",
  "be",
  "am",
  "us",
  "if",
]);

/**
 * How a string without math symbols reads: "text" when it has a run of three or more letters (or is a
 * short word), "both" for a two-letter run ("xy": text, and the product x·y), "math" otherwise.
 */
function textReading(s: string): "text" | "both" | "math" {
  if (/[\d\\^_=+*/()[\]{}<>|-]/.test(s)) return "math";
  if (/[A-Za-z]{3,}/.test(s) || SHORT_WORDS.has(s.toLowerCase())) return "text";
  return /[A-Za-z]{2}/.test(s) ? "both" : "math";
}

/**
 * A key for a parsed answer: the same key means the same structure and text, so the answers are
 * equal (sets match such elements in linear time before any pairwise comparison).
 */
export function parsedKey(p: ParsedAnswer): string {
  switch (p.kind) {
    case "text":
      return `t:${p.text}`;
    case "choice":
      return `c:${p.letter}`;
    case "expr":
      return `e:${p.expr.source}${p.percent ? "%" : ""}`;
    case "equation":
      return `q:${p.difference.source}`;
    case "set":
      return `s{${p.items.map(parsedKey).sort().join("\u0000")}}`;
    case "interval-union":
      return `u{${p.parts.map(parsedKey).sort().join("\u0000")}}`;
    case "bracketed":
      return `b${p.open}${p.items.map(parsedKey).join("\u0000")}${p.close}`;
    case "matrix":
      return `m[${p.rows.map((r) => r.map(parsedKey).join("\u0000")).join("\u0001")}]`;
  }
}

let budget = new WorkBudget();

/** One reading or more, best first. */
type Readings = [ParsedAnswer, ...ParsedAnswer[]];

function parseItems(parts: string[]): ParsedAnswer[] {
  return parts.map((p) => parseOne(p)[0]);
}

/** Every reading of `s` (usually one; a comma decimal has two); the work is counted against `work`. */
export function parseAnswer(s: string, work: WorkBudget = new WorkBudget()): ParsedAnswer[] {
  const outer = budget;
  budget = work;
  try {
    return parseOne(s.trim());
  } finally {
    budget = outer;
  }
}

const MATRIX = /^(?:[[(]\s*)?\\begin\{(pmatrix|bmatrix|Bmatrix|matrix|smallmatrix|array)\}(?:\{[lcr|\s]*\})?(.*)\\end\{\1\}(?:\s*[\])])?$/s;

/** `\begin{pmatrix}a & b \\ c & d\end{pmatrix}` (bmatrix, array …): rows of cells. */
function parseMatrix(s: string): ParsedAnswer | null {
  const body = MATRIX.exec(s)?.[2];
  if (body === undefined) return null;
  const rows = body
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter((r, i, all) => r !== "" || i < all.length - 1);
  if (rows.length > MAX_ITEMS) throw new GradingUnknown(`the matrix has more than ${MAX_ITEMS} rows`);
  return { kind: "matrix", rows: rows.map((r) => parseItems(splitTopLevel(r, /&/y))) };
}

const RELATION = /\\(?:leqslant|leq|le|geqslant|geqq|geq|ge|lt|gt)(?![A-Za-z])|<=|>=|≤|≥|<|>/g;
const REL_SYMBOL: Record<string, "<" | ">" | "≤" | "≥"> = {
  "\\leqslant": "≤",
  "\\leq": "≤",
  "\\le": "≤",
  "\\geqslant": "≥",
  "\\geqq": "≥",
  "\\geq": "≥",
  "\\ge": "≥",
  "\\lt": "<",
  "\\gt": ">",
  "<=": "≤",
  ">=": "≥",
  "≤": "≤",
  "≥": "≥",
  "<": "<",
  ">": ">",
};
const VARIABLE = /^[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?$/;

/**
 * An inequality in one variable as the interval it describes: "x > 3" = (3, ∞), "x \le 2" =
 * (−∞, 2], "3 \ge x", "1 < x \le 2" = (1, 2]. Null when `s` is not one.
 */
function parseInequality(s: string): ParsedAnswer | null {
  const pieces: string[] = [];
  const rels: string[] = [];
  let from = 0;
  for (const m of s.matchAll(RELATION)) {
    const rel = REL_SYMBOL[m[0]];
    if (rel === undefined) return null; // unreachable: every RELATION match is a REL_SYMBOL key
    pieces.push(s.slice(from, m.index).trim());
    rels.push(rel);
    from = m.index + m[0].length;
  }
  pieces.push(s.slice(from).trim());
  if (rels.length === 0 || rels.length > 2 || pieces.some((p) => p === "")) return null;
  const inf = (sign: "" | "-") => parseOne(`${sign}\\infty`)[0];
  const bound = (text: string) => parseOne(text)[0];
  const bracketed = (lo: ParsedAnswer, loClosed: boolean, hi: ParsedAnswer, hiClosed: boolean): ParsedAnswer => ({
    kind: "bracketed",
    open: loClosed ? "[" : "(",
    close: hiClosed ? "]" : ")",
    items: [lo, hi],
  });
  const lower = (r: string) => r === "<" || r === "≤";
  const [rel, rel2, ...moreRels] = rels;
  if (rel === undefined || moreRels.length > 0) return null; // checked above: one or two relations
  if (rel2 === undefined) {
    // One relation: two pieces.
    const [l, r] = pieces;
    if (l === undefined || r === undefined) return null;
    const closed = rel === "≤" || rel === "≥";
    if (VARIABLE.test(l) && !VARIABLE.test(r)) return lower(rel) ? bracketed(inf("-"), false, bound(r), closed) : bracketed(bound(r), closed, inf(""), false);
    if (VARIABLE.test(r) && !VARIABLE.test(l)) return lower(rel) ? bracketed(bound(l), closed, inf(""), false) : bracketed(inf("-"), false, bound(l), closed);
    return null;
  }
  // Two relations: three pieces.
  const [a, x, b] = pieces;
  if (a === undefined || x === undefined || b === undefined) return null;
  if (!VARIABLE.test(x) || lower(rel) !== lower(rel2)) return null;
  const [lo, hi, loRel, hiRel]: [string, string, string, string] = lower(rel) ? [a, b, rel, rel2] : [b, a, rel2, rel];
  return bracketed(bound(lo), loRel === "≤" || loRel === "≥", bound(hi), hiRel === "≤" || hiRel === "≥");
}

/** "a \pm b" (or \mp) as the set {a + b, a − b}; null when `s` has no top-level ± (or several). */
function parsePlusMinus(s: string): ParsedAnswer | null {
  const parts = splitTopLevel(s, /\\pm(?![A-Za-z])|\\mp(?![A-Za-z])|±|∓/y);
  if (parts.length !== 2 || !parts[1]) return null;
  const [l, r] = parts;
  return { kind: "set", items: parseItems([`${l} + (${r})`, `${l} - (${r})`].map((x) => x.replace(/^ \+ /, "").replace(/^ - /, "-"))) };
}

/** The readings of `s`: never empty (each branch returns at least one). */
function parseOne(s: string): Readings {
  budget.spend(1 + s.length / 64);
  if (!s) return [textOf("")];
  const choice = CHOICE.exec(s);
  // One of the three alternatives' groups holds the letter whenever CHOICE matches.
  const letter = choice ? (choice[1] ?? choice[2] ?? choice[3]) : undefined;
  if (choice && letter !== undefined && (choice[1] || s.length <= 2 || /^(?:option|choice)/i.test(s) || /^\(?[A-J]\)/.test(s))) {
    return [{ kind: "choice", letter: letter.toUpperCase() }];
  }
  const matrix = parseMatrix(s);
  if (matrix) return [matrix];
  // Interval unions.
  const union = splitTopLevel(s, /\\cup|∪|\s+U\s+/y);
  if (union.length > 1) return [{ kind: "interval-union", parts: parseItems(union) }];
  // "x = 1 or x = 2", "1 and 2".
  const alternatives = splitTopLevel(s, /\s+(?:or|and)\s+/y);
  if (alternatives.length > 1) return [{ kind: "set", items: parseItems(alternatives) }];
  if (/[<>≤≥]|\\(?:le|ge|lt|gt)/.test(s)) {
    const interval = parseInequality(s);
    if (interval) return [interval];
  }
  // Equations.
  const [lhs, rhs, ...moreSides] = splitTopLevel(s, /(?<![<>!])=(?!=)/y);
  if (lhs !== undefined && rhs !== undefined && moreSides.length === 0) {
    // Exactly two sides.
    const l = parseExpr(lhs);
    const r = parseExpr(rhs);
    const difference = l?.kind === "expr" && r?.kind === "expr" ? mathExpression(`(${l.expr.source})-(${r.expr.source})`) : null;
    const equation: ParsedAnswer | null = difference ? { kind: "equation", difference } : null;
    // "y = 2x + 1" is the answer 2x + 1, and also the equation (= "2x - y + 1 = 0").
    if (LONE_VARIABLE.test(lhs) && rhs) return equation ? [...parseOne(rhs), equation] : parseOne(rhs);
    // "180 - 90 = 90", "\sin\theta = \frac12": a constant right side is the answer too (as Math-Verify reads it).
    if (r?.kind === "expr" && !r.expr.variables.length) return equation ? [equation, r] : [r];
    return [equation ?? textOf(s)];
  }
  const plusMinus = parsePlusMinus(s);
  if (plusMinus) return [plusMinus];
  // Sets.
  for (const [open, close] of [
    ["\\{", "\\}"],
    ["{", "}"],
  ] as const) {
    if (s.startsWith(open) && s.endsWith(close) && wrapsWhole(s, open.length, close.length)) {
      const inner = s.slice(open.length, s.length - close.length).trim();
      const items = inner ? splitTopLevel(inner, /,/y) : [];
      if (open === "{" && items.length < 2) break; // "{5}" is a group, not a set
      return [{ kind: "set", items: parseItems(items) }];
    }
  }
  // Tuples and intervals.
  if ((s[0] === "(" || s[0] === "[") && (s.endsWith(")") || s.endsWith("]")) && wrapsWhole(s, 1, 1)) {
    const items = splitTopLevel(s.slice(1, -1), /,/y);
    if (items.length >= 2) return [{ kind: "bracketed", open: s[0] as "(" | "[", close: s[s.length - 1] as ")" | "]", items: parseItems(items) }];
  }
  // Numbers with separators before bare lists.
  const plain = withoutThousands(s);
  if (plain !== null) return [parseExpr(plain) ?? textOf(s)];
  const [, whole, digits] = /^([-+]?\d+),(\d+)$/.exec(s) ?? [];
  if (whole !== undefined && digits !== undefined && digits.length !== 3) {
    const asDecimal = parseExpr(`${whole}.${digits}`);
    const asList: ParsedAnswer = { kind: "set", items: parseItems([whole, digits]) };
    return asDecimal ? [asDecimal, asList] : [asList];
  }
  const list = splitTopLevel(s, /,|;/y);
  if (list.length > 1) return [{ kind: "set", items: parseItems(list) }];
  // A lone lowercase letter a–j may be a choice ("b") as well as a variable.
  if (/^[a-j]$/.test(s)) return [{ kind: "choice", letter: s.toUpperCase() }, ...(parseExpr(s) ? [parseExpr(s)!] : [])];
  const reading = textReading(s);
  if (reading === "text") return [textOf(s)];
  const expr = parseExpr(s);
  if (reading === "both") return expr ? [textOf(s), expr] : [textOf(s)];
  return [expr ?? textOf(s)];
}
