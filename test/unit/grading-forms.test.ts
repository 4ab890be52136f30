/**
 * The answer forms added with the Math-Verify comparison (docs/grading.md), each checked against a
 * hand-known verdict, both directions where the relation is symmetric.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { answersEqual, extractAnswer, gradePair } from "../../src/grading";

function both(a: string, b: string, expected: boolean): void {
  assert.equal(answersEqual(a, b), expected, `${a} vs ${b}`);
  assert.equal(answersEqual(b, a), expected, `${b} vs ${a}`);
}

describe("grading forms: inequalities, ±, matrices, equations", () => {
  it("an inequality in one variable is its interval", () => {
    both("x > 3", "(3, \\infty)", true);
    both("x \\geq -1", "[-1, \\infty)", true);
    both("x \\le 2", "(-\\infty, 2]", true);
    both("1 < x \\leq 2", "(1, 2]", true);
    both("3 \\ge x", "(-\\infty, 3]", true);
    both("x > 3", "[3, \\infty)", false);
    both("1 < x < 2", "(1, 2]", false);
    both("x < 3", "(3, \\infty)", false);
  });
  it("a ± b is the set {a + b, a − b}", () => {
    both("1 \\pm \\sqrt{2}", "1 + \\sqrt{2}, 1 - \\sqrt{2}", true);
    both("\\pm 3", "3, -3", true);
    both("2 \\pm 1", "\\{1, 3\\}", true);
    both("1 \\pm \\sqrt{2}", "1 + \\sqrt{2}", false);
  });
  it("matrices: the same cells row by row, whatever the brackets", () => {
    const p = "\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}";
    both(p, "\\begin{bmatrix}1 & 2 \\\\ 3 & 4\\end{bmatrix}", true);
    both(p, "\\left[\\begin{array}{cc}1 & 2 \\\\ 3 & 4\\end{array}\\right]", true);
    both("\\begin{pmatrix}\\frac12 \\\\ 2\\end{pmatrix}", "\\begin{pmatrix}0.5 \\\\ 2\\end{pmatrix}", true);
    both(p, "\\begin{pmatrix}1 & 3 \\\\ 2 & 4\\end{pmatrix}", false);
    both(p, "\\begin{pmatrix}1 & 2\\end{pmatrix}", false);
  });
  it("equations: lhs − rhs up to a non-zero factor; y = f(x) as an equation too", () => {
    both("2x+4y-3=0", "y=-x/2+3/4", true);
    both("y = 2x + 1", "2x - y + 1 = 0", true);
    both("y = 2x + 1", "2x + 1", true);
    both("2x+4y-3=0", "y=-x/2+3/2", false);
    both("y = 2x + 1", "y = 2x - 1", false);
    both("x^2 + y^2 = 1", "x^2 + y^2 = 2", false);
  });
  it("mixed numbers and \\cfrac", () => {
    both("2\\frac12", "\\frac52", true);
    both("2\\frac12", "1", false);
    both("\\cfrac{3}{4}", "0.75", true);
  });
  it("a unit letter after a number goes; a variable stays", () => {
    both("153 m", "153", true);
    both("12 \\text{ cm}", "12", true);
    both("2 x", "2", false);
  });
});

describe("grading forms: extraction", () => {
  it("several boxes listed together are one list; boxes elsewhere are not", () => {
    assert.equal(extractAnswer("The solutions are \\boxed{1} and \\boxed{2}."), "1, 2");
    assert.equal(extractAnswer("So $x = \\boxed{2}$ or $x = \\boxed{1}$."), "2, 1");
    assert.equal(extractAnswer("\\[ \\boxed{10, 11} \\quad \\text{and} \\quad \\boxed{-2} \\]"), "10, 11, -2");
    assert.equal(extractAnswer("\\boxed{-2} and \\boxed{-2}"), "-2", "the same box twice is stated once");
    assert.equal(extractAnswer("First \\boxed{5} was wrong; the final result is \\boxed{7}."), "7");
    assert.equal(gradePair("1, 2", "The solutions are \\boxed{2} and \\boxed{1}.").equal, true);
  });
  it('"the answer is $13$. I hope it is correct." reads 13', () => {
    assert.equal(extractAnswer("The answer is $13$. I hope it is correct."), "13");
    assert.equal(extractAnswer("the answer is $x = 3.5$. Next we check it."), "x = 3.5", "the point inside math does not end the sentence");
  });
  it("a box inside the answer keeps its content", () => {
    assert.equal(gradePair("90^\\circ", "\\(\\boxed{180^\\circ - 90^\\circ = \\boxed{90^\\circ}}\\)").equal, true);
    assert.equal(gradePair("80^\\circ", "\\(\\boxed{180^\\circ - 90^\\circ = \\boxed{90^\\circ}}\\)").equal, false);
  });
  it("a gold without a box is read whole up to 2,000 characters, lines and all", () => {
    const cases = "f(n) = \\begin{cases}\nn & \\text{if } n \\text{ odd}, \\\\\n0 & \\text{otherwise}.\n\\end{cases}";
    const r = gradePair(cases, `Hence \\boxed{${cases.replace(/\n/g, " ")}}`);
    assert.equal(r.equal, true, JSON.stringify(r));
    const long = `\\text{${"a long worded answer ".repeat(8)}}`;
    assert.equal(gradePair(long, `\\boxed{${long}}`).equal, true);
    assert.equal(extractAnswer(long + "\nsecond line"), null, "a prediction is not read whole past one short line");
  });
});
