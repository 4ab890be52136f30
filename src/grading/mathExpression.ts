/**
 * LaTeX / plain math → a checked mathjs expression, and numeric comparison of two expressions.
 *
 * mathjs (its number-only build, `mathjs/number`) parses and evaluates; this file only rewrites the
 * LaTeX into mathjs syntax and checks the parse tree before anything is evaluated: numbers, single-
 * letter variables (with a subscript: `x_1`), `pi`, `Infinity`, + − × ÷ ^ !, parentheses and a fixed
 * list of functions. Anything else (an unknown command, a matrix, a string, an assignment) is not an
 * expression, and the caller compares the answer as text.
 *
 * Rewrites: `\frac{a}{b}` / `\frac12` → (a)/(b); `\sqrt{x}`, `\sqrt[n]{x}`; `^{…}`; `\cdot`, `\times`,
 * `\div`; `\pi`, `\infty`; `\sin`…`\arctan`, `\ln`, `\log`, `\exp`; `|x|`; Unicode − × ÷ · π √ ∞.
 * A run of letters is a product of one-letter variables (`xy` = x·y) unless it is a function name.
 * `e` and `i` are variables, not constants. `\log` is the natural logarithm.
 *
 * Comparison: no variables → two whole numbers exactly, other values within a relative tolerance of
 * 1e-9 (infinities equal when their signs are); variables → equal values, for the variables of both sides, at
 * SAMPLE_POINTS seeded pseudo-random points in [0.5, 2.5] (points where either side is not a finite real
 * number are skipped; at least MIN_VALID_POINTS must remain). No `vscode` import here.
 */
import { parse, type MathNode } from "mathjs/number";
import { fnv1aUtf16 } from "../core/fnv1a";
import { GradingUnknown, MAX_ANSWER_CHARS, type WorkBudget } from "./bounds";
import { exactValue, rationalsEqual, scaleRational, type Rational } from "./exactValue";

export const REL_TOLERANCE = 1e-9;
export const SAMPLE_POINTS = 6;
export const MIN_VALID_POINTS = 3;

const FUNCTIONS = new Set([
  "sqrt",
  "nthRoot",
  "log",
  "log10",
  "log2",
  "exp",
  "sin",
  "cos",
  "tan",
  "cot",
  "sec",
  "csc",
  "asin",
  "acos",
  "atan",
  "sinh",
  "cosh",
  "tanh",
  "abs",
  "factorial",
]);
const CONSTANTS = new Set(["pi", "Infinity"]);

export interface MathExpr {
  /** The mathjs source it was parsed from. */
  source: string;
  /** Free variables, sorted. */
  variables: string[];
  evaluate(scope: Record<string, number>): number;
  /** The checked parse tree (exact values are computed on it). */
  node: MathNode;
  /** Source texts of its number constants in tree order, or null when they could not be lined up (computed on first use). */
  readonly literals: string[] | null;
  /** Whether it names Infinity (an infinite value is then meant, not an overflow). */
  hasInfinity: boolean;
}

/** Number literals of a mathjs source in order (digits inside a name such as x_1 are not numbers). */
const LITERAL = /(?<![A-Za-z_\d.])(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?/g;

/** The literal texts when they line up one to one with the tree's constants (pre-order), else null. */
function lineUpLiterals(node: MathNode, source: string): string[] | null {
  const literals = source.match(LITERAL) ?? [];
  const values: unknown[] = [];
  node.traverse((n) => {
    if (n.type === "ConstantNode") values.push((n as unknown as { value: unknown }).value);
  });
  if (values.length !== literals.length) return null;
  return values.every((v, i) => v === Number(literals[i])) ? literals : null;
}

const LATEX_FUNCTIONS: Record<string, string> = {
  sin: "sin",
  cos: "cos",
  tan: "tan",
  cot: "cot",
  sec: "sec",
  csc: "csc",
  arcsin: "asin",
  arccos: "acos",
  arctan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  tanh: "tanh",
  ln: "log",
  log: "log",
  exp: "exp",
};

/** One argument of a LaTeX command at `i`: a braced group, or one character. Returns [content, end]. */
function readArg(s: string, i: number): [string, number] | null {
  while (s[i] === " ") i++;
  if (i >= s.length) return null;
  if (s[i] === "{") {
    let depth = 0;
    for (let j = i; j < s.length; j++) {
      if (s[j] === "{") depth++;
      else if (s[j] === "}" && --depth === 0) return [s.slice(i + 1, j), j + 1];
    }
    return null;
  }
  if (s[i] === "\\") {
    const m = /^\\[A-Za-z]+/.exec(s.slice(i));
    if (m) return [m[0], i + m[0].length];
  }
  return [s.charAt(i), i + 1]; // i < s.length (checked above)
}

/** Offset of the bracket closing the one at `open` (any of ( { [), or -1. */
function matchingClose(s: string, open: number): number {
  let depth = 0;
  for (let j = open; j < s.length; j++) {
    const c = s.charAt(j);
    if ("({[".includes(c)) depth++;
    else if (")}]".includes(c) && --depth === 0) return j;
  }
  return -1;
}

/** LaTeX → mathjs syntax; null when something is left that is not math. */
export function latexToMathjs(input: string): string | null {
  const s = input.replace(/[−–]/g, "-").replace(/[×·⋅]/g, "*").replace(/÷/g, "/").replace(/π/g, "\\pi ").replace(/∞/g, "\\infty ").replace(/√/g, "\\sqrt");
  let out = "";
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\") {
      const m = /^\\([A-Za-z]+)/.exec(s.slice(i));
      if (!m) return null;
      const name = m[0].slice(1); // the command without its backslash
      let j = i + m[0].length;
      if (name === "frac") {
        const a = readArg(s, j);
        const b = a && readArg(s, a[1]);
        if (!a || !b) return null;
        const na = latexToMathjs(a[0]);
        const nb = latexToMathjs(b[0]);
        if (na === null || nb === null) return null;
        out += `((${na})/(${nb}))`;
        i = b[1];
        continue;
      }
      if (name === "sqrt") {
        let index: string | null = null;
        while (s[j] === " ") j++;
        if (s[j] === "[") {
          const close = s.indexOf("]", j);
          if (close < 0) return null;
          index = latexToMathjs(s.slice(j + 1, close));
          if (index === null) return null;
          j = close + 1;
        }
        const a = readArg(s, j);
        if (!a) return null;
        const na = latexToMathjs(a[0]);
        if (na === null) return null;
        out += index === null ? `sqrt(${na})` : `nthRoot(${na},${index})`;
        i = a[1];
        continue;
      }
      i = j;
      if (name === "cdot" || name === "times" || name === "ast") out += "*";
      else if (name === "div") out += "/";
      else if (name === "pi") out += " pi ";
      else if (name === "infty") out += " Infinity ";
      else if (name === "circ" || name === "degree") out += "";
      else if (name in LATEX_FUNCTIONS) {
        const fn = LATEX_FUNCTIONS[name];
        while (s[i] === " ") i++;
        // "\sin^2 x" = (sin x)^2: the power comes before the argument.
        let power: string | null = null;
        if (s[i] === "^") {
          const p = readArg(s, i + 1);
          if (!p) return null;
          power = latexToMathjs(p[0]);
          if (power === null) return null;
          i = p[1];
          while (s[i] === " ") i++;
        }
        let argText: string;
        if (s[i] === "(" || s[i] === "{") {
          const closeAt = matchingClose(s, i);
          if (closeAt < 0) return null;
          argText = s.slice(i + 1, closeAt);
          i = closeAt + 1;
        } else {
          // "\sin x", "\ln 2": the argument is the next number, variable or \pi (with a factor: "\sin 2x").
          const arg = /^(?:\d+(?:\.\d+)?)?(?:[A-Za-z](?:_\d+)?|\\pi)?/.exec(s.slice(i));
          if (!arg || !arg[0]) return null;
          argText = arg[0];
          i += arg[0].length;
        }
        const na = latexToMathjs(argText);
        if (na === null) return null;
        out += power === null ? ` ${fn}(${na})` : ` (${fn}(${na}))^(${power})`;
      } else return null;
      continue;
    }
    if (c === "{") out += "(";
    else if (c === "}") out += ")";
    else if (c === "_") {
      // A subscript: x_1 / x_{12} becomes part of the variable name.
      const a = readArg(s, i + 1);
      if (!a || !/^[A-Za-z0-9]+$/.test(a[0]) || !/[A-Za-z]$/.test(out)) return null;
      out += "_" + a[0];
      i = a[1];
      continue;
    } else out += c;
    i++;
  }
  // |x| → abs(x) (non-nested pairs).
  out = out.replace(/\|([^|]+)\|/g, "abs($1)");
  if (!/^[0-9A-Za-z_+\-*/^().,! ]*$/.test(out)) return null;
  // Letter runs: a function name or constant stays, anything else is a product of one-letter variables.
  out = out.replace(
    /(\d(?:\.\d+)?[eE][-+]?\d+)|([A-Za-z]+)((?:_[A-Za-z0-9]+)?)/g,
    (whole, sci: string | undefined, letters: string | undefined, sub: string) => {
      if (sci) return whole;
      if (!letters) return whole;
      if (FUNCTIONS.has(letters) || CONSTANTS.has(letters)) return letters + sub;
      return " " + letters.split("").join("*") + sub + " ";
    },
  );
  // A variable before a parenthesis multiplies it ("n(n+1)"); mathjs would read a function call.
  out = out.replace(/\b([A-Za-z](?:_[A-Za-z0-9]+)?)\s*\(/g, "$1*(");
  return out.trim() || null;
}

function checkNode(node: MathNode, variables: Set<string>): boolean {
  let ok = true;
  node.traverse((n, _path, parent) => {
    if (!ok) return;
    switch (n.type) {
      case "ConstantNode":
        if (typeof (n as unknown as { value: unknown }).value !== "number") ok = false;
        return;
      case "SymbolNode": {
        const name = (n as unknown as { name: string }).name;
        const isCallee = parent?.type === "FunctionNode" && (parent as unknown as { fn: MathNode }).fn === n;
        if (isCallee) {
          if (!FUNCTIONS.has(name)) ok = false;
        } else if (!CONSTANTS.has(name)) {
          if (!/^[A-Za-z](?:_[A-Za-z0-9]+)?$/.test(name)) ok = false;
          else variables.add(name);
        }
        return;
      }
      case "OperatorNode": {
        const op = (n as unknown as { op: string }).op;
        if (!["+", "-", "*", "/", "^", "!"].includes(op)) ok = false;
        return;
      }
      case "ParenthesisNode":
        return;
      case "FunctionNode": {
        const fn = (n as unknown as { fn: MathNode }).fn;
        if (fn.type !== "SymbolNode" || !FUNCTIONS.has((fn as unknown as { name: string }).name)) ok = false;
        return;
      }
      default:
        ok = false;
    }
  });
  return ok;
}

const cache = new Map<string, MathExpr | null>();
const CACHE_LIMIT = 2000;

/** Empties the parse cache (benchmarks measure cold parses with it). */
export function clearMathCache(): void {
  cache.clear();
}

/** The expression `source` (mathjs syntax) parsed and checked; null when it is not one. */
export function parseMathjs(source: string): MathExpr | null {
  const hit = cache.get(source);
  if (hit !== undefined) return hit;
  let result: MathExpr | null = null;
  try {
    const node = parse(source);
    const variables = new Set<string>();
    let literals: { value: string[] | null } | undefined;
    if (checkNode(node, variables)) {
      const compiled = node.compile();
      result = {
        source,
        node,
        get literals() {
          return (literals ??= { value: lineUpLiterals(node, source) }).value;
        },
        hasInfinity: /\bInfinity\b/.test(source),
        variables: [...variables].sort(),
        evaluate: (scope) => {
          try {
            const v = compiled.evaluate({ ...scope });
            return typeof v === "number" ? v : Number.NaN;
          } catch {
            return Number.NaN;
          }
        },
      };
    }
  } catch {
    result = null;
  }
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(source, result);
  return result;
}

/** Longer answers are not parsed as math (compared as text): bounds time and recursion depth. */
export const MAX_MATH_CHARS = MAX_ANSWER_CHARS;

/** LaTeX or plain math → a checked expression; null when it is not math. */
export function mathExpression(latex: string): MathExpr | null {
  if (latex.length > MAX_MATH_CHARS) return null;
  const source = latexToMathjs(latex);
  return source === null ? null : parseMathjs(source);
}

export function closeEnough(a: number, b: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === b;
  const d = Math.abs(a - b);
  return d <= REL_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)) || d < 1e-12;
}

/** mulberry32: a small seeded generator, so comparisons are reproducible. */
function seeded(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

let points: Record<string, number>[] | null = null;
/** Random points shared by every comparison; a variable's value depends only on its name and the point. */
function pointFor(k: number, variable: string): number {
  points ??= Array.from({ length: SAMPLE_POINTS }, () => ({}));
  const p = points[k];
  if (p === undefined) throw new RangeError(`no sample point ${k}: there are ${SAMPLE_POINTS} (0 to ${SAMPLE_POINTS - 1})`);
  // Variable names are letters with an optional subscript (checkNode): never an Object.prototype key.
  const known = p[variable];
  if (known !== undefined) return known;
  const h = fnv1aUtf16(variable); // the same value as before for every name without astral characters
  const value = 0.5 + 2 * seeded((h ^ (k * 0x9e3779b9)) >>> 0)();
  p[variable] = value;
  return value;
}

function exactOf(e: MathExpr, budget: WorkBudget | undefined): Rational | null {
  if (!budget) return null;
  try {
    return exactValue(e.node, e.literals, budget);
  } catch (err) {
    if (err instanceof GradingUnknown) throw err;
    return null; // e.g. a division by zero: no exact value
  }
}

/**
 * Two constant expressions: in floats while both are within a float's exact integers (whole numbers
 * exactly, others within the tolerance); past that range by their exact values when both have one;
 * a value that overflowed with no exact form (±Infinity without `\infty`) makes the verdict unknown.
 */
function constantsEqual(a: MathExpr, b: MathExpr, scaleA: number, scaleB: number, budget: WorkBudget | undefined): boolean {
  const va = a.evaluate({}) * scaleA;
  const vb = b.evaluate({}) * scaleB;
  const inFloatRange = (v: number) => Number.isFinite(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
  if (!(inFloatRange(va) && inFloatRange(vb)) && !Number.isNaN(va) && !Number.isNaN(vb)) {
    // Past a float's exact integers (or overflowed): the exact values decide when both have one.
    const ea = exactOf(a, budget);
    const eb = exactOf(b, budget);
    if (ea && eb) return rationalsEqual(scaleRational(ea, scaleA), scaleRational(eb, scaleB));
    const overflowA = !Number.isFinite(va);
    const overflowB = !Number.isFinite(vb);
    // A side known only exactly (its float overflowed) is a finite number: unequal to a real
    // infinity (\infty), unknown against anything else.
    if ((overflowA && ea) || (overflowB && eb)) {
      const other = overflowA && ea ? { v: vb, e: b } : { v: va, e: a };
      if (!Number.isFinite(other.v) && other.e.hasInfinity) return false;
      throw new GradingUnknown("a value is too large for floating point and the other side has no exact form here");
    }
    if ((overflowA && !a.hasInfinity) || (overflowB && !b.hasInfinity))
      throw new GradingUnknown("a value is too large for floating point and has no exact form here");
  }
  // Whole numbers compare exactly (1000000 ≠ 1000001 whatever the tolerance).
  if (Number.isSafeInteger(va) && Number.isSafeInteger(vb)) return va === vb;
  return closeEnough(va, vb);
}

/** a·scaleA equals b·scaleB (see the rules at the top of this file); `budget` counts the work. */
export function expressionsEqual(a: MathExpr, b: MathExpr, scaleA = 1, scaleB = 1, budget?: WorkBudget): boolean {
  const variables = [...new Set([...a.variables, ...b.variables])];
  if (!variables.length) {
    budget?.spend(2);
    return constantsEqual(a, b, scaleA, scaleB, budget);
  }
  let valid = 0;
  for (let k = 0; k < SAMPLE_POINTS; k++) {
    budget?.spend(2);
    const scope: Record<string, number> = {};
    for (const v of variables) scope[v] = pointFor(k, v);
    const va = a.evaluate(scope) * scaleA;
    const vb = b.evaluate(scope) * scaleB;
    if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
    if (!closeEnough(va, vb)) return false;
    valid++;
  }
  return valid >= MIN_VALID_POINTS;
}

/** The ratio a/b is the same non-zero constant at every sample point (equations equal up to a factor). */
export function proportional(a: MathExpr, b: MathExpr, budget?: WorkBudget): boolean {
  const variables = [...new Set([...a.variables, ...b.variables])];
  if (!variables.length) return false;
  let ratio: number | null = null;
  let valid = 0;
  for (let k = 0; k < SAMPLE_POINTS; k++) {
    budget?.spend(2);
    const scope: Record<string, number> = {};
    for (const v of variables) scope[v] = pointFor(k, v);
    const va = a.evaluate(scope);
    const vb = b.evaluate(scope);
    if (!Number.isFinite(va) || !Number.isFinite(vb)) continue;
    if (vb === 0 || va === 0) {
      if (va !== vb) return false;
      continue;
    }
    const r = va / vb;
    if (ratio === null) ratio = r;
    else if (!closeEnough(r, ratio)) return false;
    valid++;
  }
  return ratio !== null && valid >= MIN_VALID_POINTS;
}

/** Its value when it has no variables (NaN when it is not a real number). */
export function constantValue(e: MathExpr): number | null {
  return e.variables.length ? null : e.evaluate({});
}
