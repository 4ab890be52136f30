/**
 * Answer equivalence (src/grading): hundreds of pairs written from the forms the issue lists, each
 * checked in both directions, and near-misses that must not be equal.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answersEqual, normalizeAnswer } from "../../src/grading";
import { compareAnswers } from "../../src/grading/equivalence";
import { WORK_BUDGET, WorkBudget } from "../../src/grading/bounds";

type Pair = [string, string];

function checkEqual(pairs: readonly Pair[], expected: boolean): void {
  const wrong: string[] = [];
  for (const [a, b] of pairs) {
    if (answersEqual(a, b) !== expected) wrong.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
    if (answersEqual(b, a) !== expected) wrong.push(`${JSON.stringify(b)} vs ${JSON.stringify(a)} (reversed)`);
  }
  assert.deepEqual(wrong, [], `${wrong.length} pairs were not ${expected ? "equal" : "different"}`);
}

// Generated families: every integer in a few forms.
const INTEGERS = [0, 1, 2, 3, 7, 12, 42, 100, 365, 999, 1000, 1234, 20250, 123456, 1000000, -5, -48, -1200];
function thousands(n: number): string {
  return n.toLocaleString("en-US");
}
const integerPairs: Pair[] = INTEGERS.flatMap((n): Pair[] => [
  [String(n), `${n}.0`],
  [String(n), `$${n}$`],
  [String(n), `\\boxed{${n}}`],
  [String(n), `${n}.`],
  [String(n), `x = ${n}`],
  [thousands(n), String(n)],
  [String(n), `\\(${n}\\)`],
]);
const integerMisses: Pair[] = INTEGERS.flatMap((n): Pair[] => [
  [String(n), String(n + 1)],
  [String(n), String(-n - 1)],
  ...(n === 0 ? [] : [[String(n), `${n}0`] as Pair]),
]);

const FRACTIONS: [number, number][] = [
  [1, 2],
  [1, 3],
  [2, 3],
  [3, 4],
  [5, 8],
  [7, 3],
  [11, 12],
  [22, 7],
];
const fractionPairs: Pair[] = FRACTIONS.flatMap(([p, q]): Pair[] => [
  [`${p}/${q}`, `\\frac{${p}}{${q}}`],
  [`\\dfrac{${p}}{${q}}`, `\\tfrac{${p}}{${q}}`],
  [`\\frac{${2 * p}}{${2 * q}}`, `${p}/${q}`],
  [`-\\frac{${p}}{${q}}`, `\\frac{-${p}}{${q}}`],
  [`-${p}/${q}`, `\\frac{${p}}{-${q}}`],
  [`${(p / q).toPrecision(12)}`, `\\frac{${p}}{${q}}`],
  [`$\\frac{${p}}{${q}}$`, `\\boxed{\\dfrac{${p}}{${q}}}`],
]);
const fractionMisses: Pair[] = FRACTIONS.flatMap(([p, q]): Pair[] => [
  [`${p}/${q}`, `${q}/${p}`],
  ...(Number((p / q).toFixed(2)) === p / q ? [] : [[`\\frac{${p}}{${q}}`, `${(p / q).toFixed(2)}`] as Pair]),
  [`-${p}/${q}`, `${p}/${q}`],
]);

const DECIMALS = ["0.5", "0.25", "3.14", "2.718", "12.5", "0.001", "100.75"];
const decimalPairs: Pair[] = DECIMALS.flatMap((d): Pair[] => [
  [d, `${d}0`],
  [d, d.startsWith("0") ? d.slice(1) : `+${d}`],
  [d, `${d} `],
]);

const hand: Pair[] = [
  // thousands separators and comma decimals
  ["1,234,567", "1234567"],
  ["1{,}000", "1000"],
  ["1 000 000", "1000000"],
  ["12,345.5", "12345.5"],
  ["3,14", "3.14"],
  ["0,5", "1/2"],
  ["2,75", "2.75"],
  // mixed numbers
  ["2\\frac{1}{2}", "5/2"],
  ["2 1/2", "2.5"],
  ["3\\frac{3}{4}", "\\frac{15}{4}"],
  ["-1\\frac{1}{3}", "-4/3"],
  ["1\\dfrac{1}{8}", "1.125"],
  // shorthand fractions
  ["\\frac12", "0.5"],
  ["\\dfrac34", "0.75"],
  ["\\frac{1}{2}", "\\frac 1 2"],
  // percentages
  ["50\\%", "0.5"],
  ["50%", "50"],
  ["12.5\\%", "0.125"],
  ["25 percent", "25%"],
  ["100\\%", "1"],
  ["\\frac{1}{4}", "25\\%"],
  // roots
  ["\\sqrt{8}", "2\\sqrt{2}"],
  ["\\sqrt{2}", "2^{1/2}"],
  ["\\sqrt2", "\\sqrt{2}"],
  ["\\sqrt[3]{27}", "3"],
  ["\\frac{\\sqrt{3}}{2}", "\\sqrt{3}/2"],
  ["\\frac{1}{\\sqrt{2}}", "\\frac{\\sqrt{2}}{2}"],
  ["3\\sqrt{3}", "\\sqrt{27}"],
  ["\\sqrt{12}+\\sqrt{3}", "3\\sqrt3"],
  ["√2", "\\sqrt{2}"],
  // pi
  ["2\\pi", "6.28318530718"],
  ["\\pi/2", "\\frac{\\pi}{2}"],
  ["\\frac{3\\pi}{4}", "0.75\\pi"],
  ["π", "\\pi"],
  ["4\\pi r^2", "4 r^2 \\pi"],
  ["\\pi^2", "\\pi \\cdot \\pi"],
  // scientific notation
  ["1.5\\times 10^{3}", "1500"],
  ["1.5e3", "1500"],
  ["2.5 \\cdot 10^{-4}", "0.00025"],
  ["6.02\\times10^{23}", "6.02e23"],
  ["1E-3", "0.001"],
  ["3 \\times 10^5", "300000"],
  // signs
  ["-3", "- 3"],
  ["-3", "−3"],
  ["+4", "4"],
  ["-(-2)", "2"],
  ["-\\frac{1}{2}", "-0.5"],
  // algebra
  ["x^2+2x+1", "(x+1)^2"],
  ["2x+3", "3+2x"],
  ["\\frac{x}{2}", "0.5x"],
  ["x^2-1", "(x-1)(x+1)"],
  ["2(a+b)", "2a+2b"],
  ["\\frac{x+1}{x-1}", "\\frac{-x-1}{1-x}"],
  ["\\sqrt{x^2}", "x"],
  ["xy", "yx"],
  ["a^2b", "b a^2"],
  ["\\frac{1}{x}+\\frac{1}{y}", "\\frac{x+y}{xy}"],
  ["3x^{2}", "3x^2"],
  ["\\sin^2 x + \\cos^2 x", "1"],
  ["\\ln(e^2)", "2\\ln(e)"],
  ["2\\sin(x)\\cos(x)", "\\sin(2x)"],
  ["\\left(x+1\\right)^2", "x^2+2x+1"],
  ["n(n+1)/2", "\\frac{n^2+n}{2}"],
  ["x_1 + x_2", "x_2 + x_1"],
  ["|x|", "\\sqrt{x^2}"],
  ["5!", "120"],
  ["2^{10}", "1024"],
  ["\\frac{2}{3}x", "\\frac{2x}{3}"],
  // intervals
  ["[1,2)", "[1, 2)"],
  ["(0, \\infty)", "(0,\\infty)"],
  ["(-\\infty, 3]", "\\left(-\\infty, 3\\right]"],
  ["[\\frac{1}{2}, 1]", "[0.5, 1]"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "(3,\\infty)\\cup(-\\infty,2)"],
  ["[0,1] \\cup [2,3]", "[0,1]∪[2,3]"],
  ["(-2, 5)", "(-2,5)"],
  // sets and tuples
  ["\\{1,2\\}", "\\{2,1\\}"],
  ["\\{1, 2, 3\\}", "\\{3, 1, 2\\}"],
  ["1, 2", "2, 1"],
  ["x = 1, 2", "\\{1, 2\\}"],
  ["x = 1 or x = 2", "1, 2"],
  ["1 and 2", "\\{2, 1\\}"],
  ["-1, \\frac{1}{2}", "\\{0.5, -1\\}"],
  ["(1, 2)", "(1,2)"],
  ["(1, 2)", "1, 2"],
  ["(3, -4, 5)", "(3,-4,5)"],
  ["(\\frac{1}{2}, \\sqrt{2})", "(0.5, 2^{0.5})"],
  ["\\{3\\}", "3"],
  // equations
  ["x = 3", "3"],
  ["y = 2x + 1", "2x+1"],
  ["f(x) = x^2", "x^2"],
  ["x^2+y^2=1", "1 = y^2 + x^2"],
  ["2x + 3y = 6", "6 - 3y = 2x"],
  ["x_1 = 4", "4"],
  // degrees
  ["30^\\circ", "30"],
  ["45°", "45"],
  ["90^{\\circ}", "90"],
  ["60 degrees", "60"],
  ["120\\degree", "120"],
  // text
  ["Yes", "yes."],
  ["No", "no"],
  ["\\text{Tuesday}", "tuesday"],
  ["The Pythagorean theorem", "pythagorean   theorem"],
  ["\\textbf{even}", "Even"],
  ["Alice", "alice!"],
  // multiple choice
  ["(B)", "B"],
  ["\\text{(C)}", "C"],
  ["(d)", "D"],
  ["A)", "(A)"],
  ["(E) 42", "E"],
  ["Option B", "(B)"],
  ["b", "B"],
  ["(c)", "c"],
  // units and wrappers
  ["5 cm", "5"],
  ["\\$5", "5"],
  ["12 \\text{ dollars}", "12"],
  ["3 \\mathrm{m}^2", "3"],
  ["18 \\text{ cm}^2", "18"],
  ["$\\$1,250$", "1250"],
  ["\\boxed{\\text{(A)}}", "A"],
  ["**7**", "7"],
  ["\\displaystyle \\frac{1}{2}", "1/2"],
  ["\\[ 4 \\]", "4"],
];

const misses: Pair[] = [
  ["1/2", "2"],
  ["[1,2)", "[1,2]"],
  ["(1,2)", "(2,1)"],
  ["(1,2)", "[1,2]"],
  ["(1,2]", "(1,2)"],
  ["(0, \\infty)", "[0, \\infty)"],
  ["(-\\infty, 2) \\cup (3, \\infty)", "(-\\infty, 2] \\cup (3, \\infty)"],
  ["\\{1,2\\}", "\\{1,2,3\\}"],
  ["\\{1,2\\}", "\\{1,3\\}"],
  ["(1, 2, 3)", "(1, 3, 2)"],
  ["(1, 2)", "(1, 2, 3)"],
  ["2x", "2y"],
  ["x+1", "x+2"],
  ["x^2", "x^3"],
  ["(x+1)^2", "x^2+1"],
  ["\\sqrt{2}", "2"],
  ["\\sqrt{2}", "1.41"],
  ["\\pi", "3.14"],
  ["2\\pi", "\\pi"],
  ["1.5e3", "150"],
  ["10^{3}", "10^{-3}"],
  ["0.3333", "1/3"],
  ["50\\%", "5"],
  ["-3", "3"],
  ["x = 3", "x = 4"],
  ["x^2+y^2=1", "x^2+y^2=2"],
  ["30^\\circ", "60"],
  ["yes", "no"],
  ["Tuesday", "Thursday"],
  ["(A)", "(B)"],
  ["A", "C"],
  ["5 cm", "6"],
  ["1,000", "1"],
  ["1,234", "1.234"],
  ["\\frac{1}{2}", "\\frac{1}{3}"],
  ["2\\frac{1}{2}", "1"],
  ["", "0"],
  ["\\sin(x)", "\\cos(x)"],
  ["e^x", "x^e"],
  ["12", "21"],
  ["x_1", "x_2"],
  ["\\Delta", "\\delta"],
  ["2A", "2a"],
  ["b", "C"],
];

describe("answer equivalence: equal pairs, both directions", () => {
  it(`integers in ${integerPairs.length} forms`, () => checkEqual(integerPairs, true));
  it(`fractions and decimals (${fractionPairs.length + decimalPairs.length} pairs)`, () => checkEqual([...fractionPairs, ...decimalPairs], true));
  it(`hand-written pairs over every form (${hand.length})`, () => checkEqual(hand, true));
});

describe("answer equivalence: near-misses are not equal, both directions", () => {
  it(`hand-written near-misses (${misses.length})`, () => checkEqual(misses, false));
  it(`integer near-misses (${integerMisses.length})`, () => checkEqual(integerMisses, false));
  it(`fraction near-misses (${fractionMisses.length})`, () => checkEqual(fractionMisses, false));
  it("pathological input stays bounded and safe: deep nesting, long lists, answers that try to call functions", { timeout: 10_000 }, () => {
    const deep = "\\frac{".repeat(5000) + "1" + "}{2}".repeat(5000);
    assert.equal(answersEqual(deep, deep + "1"), false);
    assert.equal(answersEqual("(".repeat(3000) + "1" + ")".repeat(3000), "1"), false, "too long for math: compared as text");
    const list = Array.from({ length: 300 }, (_, i) => String(i)).join(", ");
    assert.equal(answersEqual(`\\{${list}\\}`, `\\{${[...list.split(", ")].reverse().join(", ")}\\}`), true);
    assert.equal(answersEqual("import(x)", "x"), false);
    assert.equal(answersEqual("evaluate(1)", "1"), false);
    // Bounded work, counted in WorkBudget units (not timed; throughput: bench/grading-compare.mjs):
    // the oversized answers are refused by their size before any work, the rest stay within the budget.
    const spent = (a: string, b: string) => {
      const budget = new WorkBudget();
      compareAnswers(a, b, budget);
      return budget.spent;
    };
    assert.equal(spent(deep, deep + "1"), 0, "5,000-deep nesting: refused by size");
    assert.equal(spent("(".repeat(3000) + "1" + ")".repeat(3000), "1"), 0, "3,000 parentheses: refused by size");
    for (const [a, b] of [
      [`\\{${list}\\}`, `\\{${[...list.split(", ")].reverse().join(", ")}\\}`],
      ["import(x)", "x"],
      ["evaluate(1)", "1"],
    ] as const) {
      const units = spent(a, b);
      assert.ok(units > 0 && units <= WORK_BUDGET, `${a.slice(0, 20)}…: ${units} work units (budget ${WORK_BUDGET})`);
    }
  });
  it("an empty answer equals nothing, not even another empty one", () => {
    assert.equal(answersEqual("", ""), false);
    assert.equal(answersEqual("  ", "$ $"), false);
  });
});

describe("normalizeAnswer", () => {
  it("gives one canonical text for written variants", () => {
    assert.equal(normalizeAnswer("$\\boxed{1,000}$"), "1000");
    assert.equal(normalizeAnswer("x = 3"), "3");
    assert.equal(normalizeAnswer("\\dfrac{1}{2}"), "\\frac{1}{2}");
    assert.equal(normalizeAnswer("\\text{ Yes }."), "yes");
    assert.equal(normalizeAnswer("[1, 2)"), "[1,2)");
    assert.equal(normalizeAnswer("30^\\circ"), "30");
  });
  it("is idempotent", () => {
    for (const [a, b] of hand) {
      for (const s of [a, b]) assert.equal(normalizeAnswer(normalizeAnswer(s)), normalizeAnswer(s), s);
    }
  });
});

describe("answer equivalence counts", () => {
  it("covers hundreds of pairs", () => {
    const total = integerPairs.length + fractionPairs.length + decimalPairs.length + hand.length + misses.length + integerMisses.length + fractionMisses.length;
    assert.ok(total >= 300, `only ${total} pairs`);
  });
});
