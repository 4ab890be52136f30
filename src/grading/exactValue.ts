/**
 * Exact values of constant expressions, as rationals of big integers, so numbers past a float's
 * range or precision compare right: 2^1024 ≠ 2^1025, 10^400 ≠ 10^401, 171! ≠ 172!,
 * 12345678901234567891 ≠ 12345678901234567890 (floats make each pair equal). Covers number literals
 * (their source text, not the rounded float), + − × ÷, integer powers, n!; anything else (roots,
 * π, functions) has no exact value here and is compared in floats. Results past MAX_EXACT_BITS are
 * "unknown" (GradingUnknown). No `vscode` import here.
 */
import type { MathNode } from "mathjs/number";
import { GradingUnknown, MAX_EXACT_BITS, type WorkBudget } from "./bounds";

export interface Rational {
  n: bigint;
  /** Always > 0. */
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  if (a < 0n) a = -a;
  if (b < 0n) b = -b;
  while (b) [a, b] = [b, a % b];
  return a;
}

function make(n: bigint, d: bigint): Rational {
  if (d === 0n) throw new RangeError("division by zero");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d);
  return g > 1n ? { n: n / g, d: d / g } : { n, d };
}

function bits(x: bigint): number {
  return (x < 0n ? -x : x).toString(16).length * 4;
}

function checkSize(r: Rational): Rational {
  if (bits(r.n) + bits(r.d) > MAX_EXACT_BITS) throw new GradingUnknown(`a number needs more than ${MAX_EXACT_BITS} bits to compare exactly`);
  return r;
}

/** A decimal literal ("12", "0.25", "1.5e3", "1e+21") as a rational; null when it is not one. */
export function rationalOfLiteral(text: string): Rational | null {
  const m = /^(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d+))?$/.exec(text);
  if (!m || (!m[1] && !m[2])) return null;
  const frac = m[2] ?? "";
  const exp = Number(m[3] ?? "0") - frac.length;
  if (Math.abs(exp) > 5000) throw new GradingUnknown("a number literal's exponent is too large to compare exactly");
  const digits = BigInt((m[1] || "0") + frac);
  return checkSize(exp >= 0 ? make(digits * 10n ** BigInt(exp), 1n) : make(digits, 10n ** BigInt(-exp)));
}

const add = (a: Rational, b: Rational) => make(a.n * b.d + b.n * a.d, a.d * b.d);
const mul = (a: Rational, b: Rational) => checkSize(make(a.n * b.n, a.d * b.d));

function pow(a: Rational, e: Rational): Rational | null {
  if (e.d !== 1n) return null; // roots are not rational in general: compared in floats
  const k = e.n < 0n ? -e.n : e.n;
  if (a.n === 0n) return e.n < 0n ? null : e.n === 0n ? make(1n, 1n) : make(0n, 1n);
  if ((a.n === 1n || a.n === -1n) && a.d === 1n) return make(k % 2n === 0n ? 1n : a.n, 1n);
  if (BigInt(bits(a.n) + bits(a.d)) * k > BigInt(MAX_EXACT_BITS)) throw new GradingUnknown(`a power needs more than ${MAX_EXACT_BITS} bits to compare exactly`);
  const r = make(a.n ** k, a.d ** k);
  return e.n < 0n ? make(r.d, r.n) : r;
}

function factorial(a: Rational, budget: WorkBudget): Rational | null {
  if (a.d !== 1n || a.n < 0n) return null;
  if (a.n > 5000n) throw new GradingUnknown("a factorial too large to compare exactly");
  budget.spend(Number(a.n) / 8);
  let r = 1n;
  for (let i = 2n; i <= a.n; i++) r *= i;
  return checkSize(make(r, 1n));
}

/**
 * The exact value of a constant mathjs tree, or null when it has none here. `literals` are the
 * source texts of its number constants in tree order (pre-order), used instead of the floats.
 */
export function exactValue(node: MathNode, literals: readonly string[] | null, budget: WorkBudget): Rational | null {
  let next = 0;
  const walk = (n: MathNode): Rational | null => {
    budget.spend();
    switch (n.type) {
      case "ConstantNode": {
        const v = (n as unknown as { value: unknown }).value;
        const lit = literals?.[next++];
        if (typeof v !== "number" || !Number.isFinite(v)) return null;
        return rationalOfLiteral(lit ?? String(v)) ?? rationalOfLiteral(String(v));
      }
      case "ParenthesisNode":
        return walk((n as unknown as { content: MathNode }).content);
      case "OperatorNode": {
        const { fn, args } = n as unknown as { fn: string; args: MathNode[] };
        // Every argument is walked (in order) so the literal count stays in step with the tree.
        const vals = args.map(walk);
        if (vals.some((v) => v === null)) return null;
        const [a, b] = vals as Rational[];
        // A missing operand has no exact value (mathjs never builds such a node; exactOf turned
        // the error of reading one into null before these checks).
        if (a === undefined) return null;
        switch (fn) {
          case "unaryMinus":
            return { n: -a.n, d: a.d };
          case "unaryPlus":
            return a;
          case "factorial":
            return factorial(a, budget);
        }
        if (b === undefined) return null;
        switch (fn) {
          case "add":
            return checkSize(add(a, b));
          case "subtract":
            return checkSize(add(a, { n: -b.n, d: b.d }));
          case "multiply":
            return mul(a, b);
          case "divide":
            return b.n === 0n ? null : mul(a, make(b.d, b.n));
          case "pow":
            return pow(a, b);
          default:
            return null;
        }
      }
      default:
        return null;
    }
  };
  return walk(node);
}

export function rationalsEqual(a: Rational, b: Rational): boolean {
  return a.n === b.n && a.d === b.d;
}

export function isInteger(r: Rational): boolean {
  return r.d === 1n;
}

/** Whether |r| exceeds 2^53 (past a float's exact integers). */
export function beyondFloat(r: Rational): boolean {
  const limit = 2n ** 53n;
  const n = r.n < 0n ? -r.n : r.n;
  return n > limit * r.d;
}

export function scaleRational(r: Rational, scale: number): Rational {
  if (scale === 1) return r;
  if (scale === 0.01) return make(r.n, r.d * 100n);
  throw new RangeError(`unsupported scale ${scale}`);
}
