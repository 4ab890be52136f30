/**
 * Grading is bounded on any input (issue 21's adversarial inputs): each verdict is checked against
 * hand-known truth, the work is counted (WorkBudget units), and every test has a time limit.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compareAnswers, extractAnswer, gradePair, MAX_ANSWER_CHARS, WORK_BUDGET } from "../../src/grading";
import { MAX_SCAN_CHARS } from "../../src/grading/extractAnswer";
import { WorkBudget } from "../../src/grading/bounds";

const LIMIT = { timeout: 20_000 };
const numbers = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

describe("grading bounds: the adversarial inputs", () => {
  it("\\boxed{ nested 20,000 deep (160 KB): found in one pass, its verdict unknown with the reason", LIMIT, () => {
    const deep = "\\boxed{".repeat(20_000) + "1" + "}".repeat(20_000);
    assert.ok(deep.length > 150_000);
    const r = gradePair("1", deep);
    assert.equal(r.equal, false);
    assert.match(r.unknown ?? "", /characters long/);
    assert.ok(r.extracted.length <= MAX_ANSWER_CHARS + 1, "what is printed is capped");
    // A shallow nesting is still unwrapped and equal.
    assert.equal(gradePair("1", "\\boxed{".repeat(30) + "1" + "}".repeat(30)).equal, true);
  });

  it('"the answer is" repeated 60,000 times: the last phrase with a value is read', LIMIT, () => {
    // The last phrase has nothing after it; the one before reads the last "the answer is" as its value.
    assert.equal(extractAnswer("the answer is ".repeat(60_000)), "the answer is");
    assert.equal(gradePair("7", "the answer is ".repeat(60_000) + "7.").equal, true);
  });

  it("only the last 64 Ki characters of a solution are searched (MAX_SCAN_CHARS)", LIMIT, () => {
    assert.equal(MAX_SCAN_CHARS, 65_536);
    assert.equal(extractAnswer("x ".repeat(2_000_000) + "so \\boxed{42}"), "42", "a 4 MB solution ending in its box");
    assert.equal(extractAnswer("\\boxed{42}" + " y".repeat(40_000)), null, "a box 80,000 characters before the end is not read");
    assert.equal(extractAnswer("\\boxed{42}" + " y".repeat(30_000)), "42");
  });

  it("a boxed set of 8,000 numbers against its reverse: unknown (too long), never quadratic", LIMIT, () => {
    const n = numbers(8000);
    const r = gradePair(`\\boxed{\\{${n.join(",")}\\}}`, `\\boxed{\\{${[...n].reverse().join(",")}\\}}`);
    assert.equal(r.equal, false);
    assert.match(r.unknown ?? "", /characters long/);
  });

  it("a set against its reverse costs linear work: 4× the elements, at most ~4× the units", LIMIT, () => {
    const cost = (k: number) => {
      const n = numbers(k);
      const budget = new WorkBudget();
      const r = compareAnswers(`\\{${n.join(", ")}\\}`, `\\{${[...n].reverse().join(", ")}\\}`, budget);
      assert.deepEqual(r, { equal: true, unknown: null }, `${k} elements`);
      return budget.spent;
    };
    const small = cost(100);
    const big = cost(400);
    assert.ok(big <= 5 * small, `work for 400 elements (${big}) vs 100 (${small}) grows linearly`);
    assert.ok(big < WORK_BUDGET);
  });

  it("a union of 6,000 intervals against its reverse: unknown; a union of 50 in any order: equal", LIMIT, () => {
    const parts = (k: number) => Array.from({ length: k }, (_, i) => `(${2 * i}, ${2 * i + 1})`);
    const big = compareAnswers(parts(6000).join(" \\cup "), [...parts(6000)].reverse().join(" \\cup "));
    assert.equal(big.equal, false);
    assert.ok(big.unknown);
    assert.deepEqual(compareAnswers(parts(50).join(" \\cup "), [...parts(50)].reverse().join(" \\cup ")), { equal: true, unknown: null });
  });

  it("deep bracket nesting within the length cap is unknown, not a deep recursion", LIMIT, () => {
    const r = compareAnswers("(".repeat(500) + "1" + ")".repeat(500), "1");
    assert.equal(r.equal, false);
    assert.match(r.unknown ?? "", /nests brackets 500 deep/);
  });

  it("pairwise element comparisons past the work budget give unknown", LIMIT, () => {
    // Elements that differ in text but not in value pair up only pairwise: ~300²/2 comparisons.
    const n = numbers(300);
    const a = `\\{${n.map((k) => `${k}.0`).join(", ")}\\}`;
    const b = `\\{${[...n].reverse().join(", ")}\\}`;
    const budget = new WorkBudget();
    const r = compareAnswers(a, b, budget);
    assert.equal(r.equal, false);
    assert.match(r.unknown ?? "", /work units/);
    assert.ok(budget.spent <= WORK_BUDGET + 100, `stopped at the budget (${budget.spent})`);
    // The same with 40 elements fits the budget and is equal.
    const m = numbers(40);
    assert.deepEqual(compareAnswers(`\\{${m.map((k) => `${k}.0`).join(", ")}\\}`, `\\{${[...m].reverse().join(", ")}\\}`), { equal: true, unknown: null });
  });
});

describe("grading bounds: numbers past a float's range compare exactly", () => {
  const unequal: [string, string][] = [
    ["2^{1024}", "2^{1025}"],
    ["10^{400}", "10^{401}"],
    ["171!", "172!"],
    ["12345678901234567891", "12345678901234567890"],
    ["10^{400}+1", "10^{400}"],
    ["\\frac{10^{400}+1}{10^{400}}", "1"],
  ];
  for (const [a, b] of unequal) {
    it(`${a} ≠ ${b} (both directions)`, LIMIT, () => {
      assert.deepEqual(compareAnswers(a, b), { equal: false, unknown: null });
      assert.deepEqual(compareAnswers(b, a), { equal: false, unknown: null });
    });
  }
  const equal: [string, string][] = [
    ["2^{1024}", "2 \\cdot 2^{1023}"],
    ["10^{400}", "100^{200}"],
    ["172!", "172 \\cdot 171!"],
    ["2^{-3}", "0.125"],
    ["1.5e3", "1500"],
    ["0.1+0.2", "0.3"],
  ];
  for (const [a, b] of equal) {
    it(`${a} = ${b}`, LIMIT, () => assert.deepEqual(compareAnswers(a, b), { equal: true, unknown: null }));
  }
  it("a power too large to build exactly is unknown, not equal", LIMIT, () => {
    const r = compareAnswers("2^{1000000000}", "2^{1000000001}");
    assert.equal(r.equal, false);
    assert.match(r.unknown ?? "", /bits/);
    const s = compareAnswers("\\sqrt{10^{800}}", "\\sqrt{10^{801}}");
    assert.equal(s.equal, false, "an overflow to Infinity on both sides is not equality");
  });
  it("\\infty is still infinite: (-\\infty, 2) = (-\\infty,2)", LIMIT, () => {
    assert.deepEqual(compareAnswers("(-\\infty, 2)", "(-\\infty,2)"), { equal: true, unknown: null });
    assert.deepEqual(compareAnswers("\\infty", "-\\infty"), { equal: false, unknown: null });
    assert.deepEqual(compareAnswers("2^{1024}", "\\infty"), { equal: false, unknown: null }, "a huge finite number is not infinity");
    assert.deepEqual(compareAnswers("\\sqrt{10^{300}}", "10^{150}"), { equal: true, unknown: null }, "within the tolerance when one side has no exact form");
  });
});
