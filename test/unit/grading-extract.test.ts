/** Answer extraction and the majority vote (src/grading). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answersEqual, extractAnswer, majorityAnswer } from "../../src/grading";

const CASES: [string, string | null][] = [
  ["So x = 2 and the area is $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"],
  ["First \\boxed{3}, then corrected: \\boxed{4}", "4"],
  ["Nested \\boxed{\\frac{\\sqrt{2}}{2}} done", "\\frac{\\sqrt{2}}{2}"],
  ["\\fbox{7}", "7"],
  ["Truncated \\boxed{12} and \\boxed{1", "12"],
  ["Step 1: add.\nAnswer: 42 apples", "42"],
  ["**Final Answer:** $\\text{(B)}$", "(B)"],
  ["Final Answer: The final answer is $5$. I hope it is correct.", "5"],
  ["We add them up. The answer is 7. Then we check.", "7"],
  ["Thus the final answer is $x = 3.5$", "x = 3.5"],
  ["so the answer is: 12 dollars.", "12"],
  ["42", "42"],
  ["Natalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips.\n#### 72", "72"],
  ["#### 1,000", "1,000"],
  ["  $-3$  ", "-3"],
  ["\\(\\frac{3}{4}\\)", "\\frac{3}{4}"],
  ["\\boxed{\\text{Tuesday}}", "Tuesday"],
  ["$\\mathrm{18\\ cm}$", "18"],
  ["5 cm.", "5"],
  ["\\$1,250", "1,250"],
  ["(A)", "(A)"],
  ["A long solution without any final answer.\nIt goes on for lines\nand lines.", null],
  ["", null],
  ["\\boxed{}", null],
];

describe("extractAnswer", () => {
  for (const [text, expected] of CASES) {
    it(`${JSON.stringify(text.slice(0, 50))} → ${JSON.stringify(expected)}`, () => assert.equal(extractAnswer(text), expected));
  }
  it("a whole solution and its gold agree after extraction", () => {
    const solution = "Step 1: 3 + 4 = 7.\nStep 2: 7 \\times 2 = 14.\nSo the answer is \\boxed{14}.";
    assert.ok(answersEqual(extractAnswer(solution)!, extractAnswer("$14$")!));
  });
  it("a long text without an answer is null, a short one is itself", () => {
    assert.equal(extractAnswer("x".repeat(121)), null);
    assert.equal(extractAnswer("x".repeat(120)), "x".repeat(120));
  });
});

describe("majorityAnswer", () => {
  it("groups equivalent answers, counts nulls in the share, and keeps the first seen as the value", () => {
    const m = majorityAnswer(["1/2", "0.5", null, "3", "\\frac{1}{2}"]);
    assert.deepEqual(m, { value: "1/2", count: 3, share: 3 / 5 });
  });
  it("breaks ties by the group seen first", () => {
    assert.deepEqual(majorityAnswer(["3", "4", "4", "3"]), { value: "3", count: 2, share: 0.5 });
    assert.deepEqual(majorityAnswer(["4", "3", "3", "4"]), { value: "4", count: 2, share: 0.5 });
  });
  it("is null without any answer", () => {
    assert.equal(majorityAnswer([]), null);
    assert.equal(majorityAnswer([null, null]), null);
  });
  it("a single answer wins with share 1", () => {
    assert.deepEqual(majorityAnswer(["(1,2)"]), { value: "(1,2)", count: 1, share: 1 });
  });
  it("does not merge near-misses", () => {
    const m = majorityAnswer(["[1,2)", "[1,2]", "[1,2]"]);
    assert.deepEqual(m, { value: "[1,2]", count: 2, share: 2 / 3 });
  });
});
