import { test } from "node:test";
import assert from "node:assert/strict";
import { covered, pos, ranges, seg, texts } from "./text-kit";

test("Problem: + Step k: markers — exact texts, ranges and offsets", () => {
  const src = "Problem: What is 2+2?\n\nStep 1: Add 2 and 2.\nWe get 4.\n\nStep 2: So the answer is \\boxed{4}.\n";
  const t = seg(src);
  assert.equal(t.format, "text");
  assert.equal(t.problem, "What is 2+2?");
  assert.equal(pos(t.problemRange), "0:0-0:21");
  assert.deepEqual(texts(t), ["Add 2 and 2.\nWe get 4.", "So the answer is \\boxed{4}."]);
  assert.deepEqual(ranges(t), ["2:0-3:9", "5:0-5:35"]);
  assert.deepEqual(
    t.steps.map((s) => [s.range!.startOffset, s.range!.endOffset]),
    [
      [23, 53],
      [55, 90],
    ],
  );
  assert.deepEqual(covered(src, t), ["Step 1: Add 2 and 2.\nWe get 4.", "Step 2: So the answer is \\boxed{4}."]);
  assert.equal(t.finalAnswer, "4");
  assert.equal(pos(t.finalAnswerRange), "5:25-5:34");
  assert.equal(src.slice(t.finalAnswerRange!.startOffset, t.finalAnswerRange!.endOffset), "\\boxed{4}");
  assert.equal(t.labels, null);
  assert.deepEqual(t.source, { file: "t.trace.md" });
});

test("bold markers: **Step k**, **Step k:**, **Step k**:, **Step k.**", () => {
  const src = "**Step 1** one\n**Step 2:** two\n**Step 3**: three\n**Step 4.** four\n__Step 5__ five";
  const t = seg(src);
  assert.deepEqual(texts(t), ["one", "two", "three", "four", "five"]);
  assert.deepEqual(ranges(t), ["0:0-0:14", "1:0-1:15", "2:0-2:17", "3:0-3:16", "4:0-4:15"]);
});

test("**Step k: Title** keeps the title bold; the body follows", () => {
  const src = "**Step 1: Set up.**\nLet x be the number.\n\n**Step 2: Solve**\nx = 3.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["**Set up.**\nLet x be the number.", "**Solve**\nx = 3."]);
  assert.deepEqual(ranges(t), ["0:0-1:20", "3:0-4:6"]);
});

test("heading markers at any level; a title on the heading line is the first line of the text", () => {
  const src = "## Step 1\nFirst.\n\n### Step 2: Expand\nSecond.\n\n# Step 3 - Done\n\nThird.\n\n###### Step 4\nFourth.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["First.", "Expand\nSecond.", "Done\n\nThird.", "Fourth."]);
  assert.deepEqual(ranges(t), ["0:0-1:6", "3:0-4:7", "6:0-8:6", "10:0-11:7"]);
});

test("marker spellings: case, separators, extra spaces, no space before the number", () => {
  const src = "STEP 1: a\nstep 2. b\nStep 3 - c\nStep   4 :   d\nStep5: e\nStep 6 — f\nStep 7) g\nStep 8\nh";
  const t = seg(src);
  assert.deepEqual(texts(t), ["a", "b", "c", "d", "e", "f", "g", "h"]);
  assert.deepEqual(ranges(t)[3], "3:0-3:14");
});

test("not markers: prose that starts with 'Step', 'Steps', 'Step 1a', 'Step 1.5', '####### Step'", () => {
  const src = "Step 1: real\nStep 1 is to add.\nSteps 2: no\nStep 1a: no\nStep 1.5 no\n####### Step 9 no\nStep 2: real";
  const t = seg(src);
  assert.deepEqual(texts(t), ["real\nStep 1 is to add.\nSteps 2: no\nStep 1a: no\nStep 1.5 no\n####### Step 9 no", "real"]);
});

test("text before the first marker is a step of its own", () => {
  const src = "Let's solve this carefully.\n\nWe need two facts.\n\nStep 1: fact one\n\nStep 2: fact two";
  const t = seg(src);
  assert.deepEqual(texts(t), ["Let's solve this carefully.\n\nWe need two facts.", "fact one", "fact two"]);
  assert.deepEqual(ranges(t), ["0:0-2:18", "4:0-4:16", "6:0-6:16"]);
});

test("Step 10 follows Step 9; non-monotonic numbering keeps document order", () => {
  const lines = Array.from({ length: 11 }, (_, i) => `Step ${i + 1}: s${i + 1}`);
  assert.deepEqual(
    texts(seg(lines.join("\n"))),
    lines.map((_, i) => `s${i + 1}`),
  );
  assert.deepEqual(texts(seg("Step 3: c\nStep 1: a\nStep 1: a again\nStep 2: b")), ["c", "a", "a again", "b"]);
});

test("a marker with no text of its own keeps its place (indices stay aligned with the author's)", () => {
  const t = seg("Step 1: a\nStep 2:\n\nStep 3: c");
  assert.deepEqual(texts(t), ["a", "", "c"]);
  assert.deepEqual(ranges(t), ["0:0-0:9", "1:0-1:7", "3:0-3:9"]);
});

test("indentation: up to 3 spaces is still a marker; 4 spaces or a tab is indented code", () => {
  const t = seg("Step 1: a\n   Step 2: b\n    Step 3: not a marker\n\tStep 4: not either\nStep\t5:\tc");
  assert.deepEqual(texts(t), ["a", "b\n    Step 3: not a marker\n\tStep 4: not either", "c"]);
  assert.deepEqual(ranges(t), ["0:0-0:9", "1:3-3:19", "4:0-4:9"]);
});

test("trailing whitespace is dropped from text and from ranges; blank lines with spaces separate", () => {
  const src = "Step 1: a   \nmore\t\n   \n\t\nStep 2: b  \n  \n";
  const t = seg(src);
  assert.deepEqual(texts(t), ["a\nmore", "b"]);
  assert.deepEqual(ranges(t), ["0:0-1:4", "4:0-4:9"]);
});

test("problem forms: Question:, **Problem:**, Problem: alone then text, Problem 3:", () => {
  assert.equal(seg("Question: Why?\n\nBecause.").problem, "Why?");
  assert.equal(seg("**Problem:** Find x.\n\nx is 2.").problem, "Find x.");
  assert.equal(seg("**Problem**: Find x.\n\nx is 2.").problem, "Find x.");
  const t = seg("Problem:\nFind x\nsuch that x > 1.\n\nTake x = 2.");
  assert.equal(t.problem, "Find x\nsuch that x > 1.");
  assert.equal(pos(t.problemRange), "0:0-2:16");
  assert.deepEqual(texts(t), ["Take x = 2."]);
  assert.equal(seg("Problem 3: Find y.\n\ny = 1.").problem, "Find y.");
});

test("a # Problem heading runs to the # Solution heading across paragraphs; the header is not a step", () => {
  const src = "# Problem\n\nLet $f(x) = x^2$.\n\nFind $f(3)$.\n\n# Solution\n\nWe substitute.\n\nSo $f(3) = 9$.";
  const t = seg(src);
  assert.equal(t.problem, "Let $f(x) = x^2$.\n\nFind $f(3)$.");
  assert.equal(pos(t.problemRange), "0:0-4:12");
  assert.deepEqual(texts(t), ["We substitute.", "So $f(3) = 9$."]);
  assert.deepEqual(ranges(t), ["8:0-8:14", "10:0-10:14"]);
});

test("## Problem Statement and **Question** headings; an unrelated heading is not a problem", () => {
  assert.equal(seg("## Problem Statement\nFind x.\n\nx = 1.").problem, "Find x.");
  assert.equal(seg("**Question**\nFind x.\n\nx = 1.").problem, "Find x.");
  const t = seg("## Problem solving tips\n\nAlways check.");
  assert.equal(t.problem, "");
  assert.equal(t.problemRange, null);
  assert.deepEqual(texts(t), ["## Problem solving tips\n\nAlways check."]);
});

test("without a solution header the problem ends at the first blank line, step marker or heading", () => {
  assert.deepEqual([seg("Problem: p\n\nfirst\n\nsecond").problem, texts(seg("Problem: p\n\nfirst\n\nsecond"))], ["p", ["first", "second"]]);
  const t = seg("Problem: p\nmore p\nStep 1: s1\nStep 2: s2");
  assert.equal(t.problem, "p\nmore p");
  assert.deepEqual(texts(t), ["s1", "s2"]);
  const h = seg("Problem: p\n## Step 1\ns1");
  assert.equal(h.problem, "p");
  assert.deepEqual(texts(h), ["s1"]);
});

test("Solution: with text on the same line starts the first step there", () => {
  const src = "Problem: p\nSolution: We note that x = 1.\n\nHence 2x = 2.";
  const t = seg(src);
  assert.equal(t.problem, "p");
  assert.deepEqual(texts(t), ["We note that x = 1.", "Hence 2x = 2."]);
  assert.deepEqual(covered(src, t), ["We note that x = 1.", "Hence 2x = 2."]);
});

test("other solution headers: **Solution**, Response:, ## Student Solution, Proof:", () => {
  for (const header of ["**Solution**", "Response:", "## Student Solution", "Proof:", "Solution", "### Reasoning:"]) {
    const t = seg(`Problem: p\n\n${header}\n\nStep 1: a\nStep 2: b`);
    assert.equal(t.problem, "p", header);
    assert.deepEqual(texts(t), ["a", "b"], header);
  }
});

test("a problem that spans paragraphs ends at a later Solution: header", () => {
  const src = "Problem: Let $a = 2$.\n\nFind $a^2$.\n\n$$\na^2 = ?\n\n$$\n\nSolution: $a^2 = 4$.";
  const t = seg(src);
  assert.equal(t.problem, "Let $a = 2$.\n\nFind $a^2$.\n\n$$\na^2 = ?\n\n$$");
  assert.equal(pos(t.problemRange), "0:0-7:2");
  assert.deepEqual(texts(t), ["$a^2 = 4$."]);
});

test("a Proof: label far down a paragraph solution does not pull the paragraphs into the problem", () => {
  const paras = Array.from({ length: 6 }, (_, i) => `Paragraph ${i + 1}.`);
  const t = seg(`Problem: p\n\n${paras.join("\n\n")}\n\nProof: done.`);
  assert.equal(t.problem, "p");
  assert.deepEqual(texts(t), [...paras, "Proof: done."]);
  const near = seg(`Problem: p\n\n${paras.slice(0, 5).join("\n\n")}\n\nProof: done.`);
  assert.equal(near.problem, ["p", ...paras.slice(0, 5)].join("\n\n"));
  assert.deepEqual(texts(near), ["done."]);
});

test("'Problem' or 'Solution' alone on a line is a section heading; inside prose it is not", () => {
  const t = seg("Problem\nFind x.\n\nSolution\nx = 1.");
  assert.equal(t.problem, "Find x.");
  assert.deepEqual(texts(t), ["x = 1."]);
  assert.equal(seg("Problem solving: fun\n\nyes").problem, "");
});

test("a solution header without a problem section is skipped too", () => {
  assert.deepEqual(texts(seg("Solution:\n1. a\n2. b")), ["a", "b"]);
});

test("GSM8K style: Question: … then Answer: … opens the response; the label is not step text", () => {
  const src =
    "Question: Natalia sold 48 clips in April and half as many in May. How many in all?\nAnswer: In May she sold 48/2 = 24 clips.\nIn all she sold 48+24 = 72 clips.";
  const t = seg(src);
  assert.equal(t.problem, "Natalia sold 48 clips in April and half as many in May. How many in all?");
  assert.deepEqual(texts(t), ["In May she sold 48/2 = 24 clips.", "In all she sold 48+24 = 72 clips."]);
  assert.equal(t.finalAnswer, null);
});

test("only a problem: no steps; empty and blank files: nothing", () => {
  for (const src of ["Problem: What is 1+1?", "Problem: What is 1+1?\n\n\n", "# Problem\n\nWhat is 1+1?\n"]) {
    const t = seg(src);
    assert.equal(t.problem, "What is 1+1?", JSON.stringify(src));
    assert.deepEqual(t.steps, []);
    assert.equal(t.finalAnswer, null);
  }
  for (const src of ["", "\n", "  \r\n\t\r\n"]) {
    const t = seg(src);
    assert.deepEqual([t.problem, t.problemRange, t.steps, t.finalAnswer, t.labels], ["", null, [], null, null]);
  }
});

test("an Answer: line after the last step is not a step; it is the final answer", () => {
  const src = "Step 1: 2 + 2 = 4.\nStep 2: So it is 4.\n\nAnswer: 4";
  const t = seg(src);
  assert.deepEqual(texts(t), ["2 + 2 = 4.", "So it is 4."]);
  assert.equal(t.finalAnswer, "4");
  assert.equal(pos(t.finalAnswerRange), "3:8-3:9");
  // Directly under the last step, too.
  assert.deepEqual(texts(seg("Step 1: a\nStep 2: b\nFinal Answer: 4")), ["a", "b"]);
});

test("answer sections: a label line followed by one block, or a bold/heading label", () => {
  const a = seg("Step 1: a\n\nStep 2: b\n\nFinal Answer:\n$$\n\\boxed{12}\n$$\n");
  assert.deepEqual(texts(a), ["a", "b"]);
  assert.equal(a.finalAnswer, "12");
  assert.equal(pos(a.finalAnswerRange), "6:0-6:10");
  const b = seg("First we add.\n\nThen we halve.\n\n**Final Answer**\n\n\\boxed{6}");
  assert.deepEqual(texts(b), ["First we add.", "Then we halve."]);
  assert.equal(b.finalAnswer, "6");
  const c = seg("1. add\n2. halve\n\n## Final Answer\nThe answer is $\\boxed{6}$.");
  assert.deepEqual(texts(c), ["add", "halve"]);
  const d = seg("First we add.\n\nFinal Answer: The final answer is $6$. I hope it is correct.");
  assert.deepEqual(texts(d), ["First we add."]);
  assert.equal(d.finalAnswer, "6");
});

test("an Answer: line in the middle stays in its step; an answer that is all there is stays a step", () => {
  const t = seg("Step 1: Guess.\nAnswer: maybe 3?\nStep 2: No, 4.\nThat is all.");
  assert.deepEqual(texts(t), ["Guess.\nAnswer: maybe 3?", "No, 4.\nThat is all."]);
  assert.equal(t.finalAnswer, "maybe 3?");
  const only = seg("Problem: 2+2?\n\nAnswer: 4");
  assert.deepEqual(texts(only), ["Answer: 4"]);
  assert.equal(only.finalAnswer, "4");
});

test("a paragraph after the last marker belongs to the last step; a \\boxed in it is the final answer", () => {
  const t = seg("Step 1: a\n\nStep 2: b\n\nTherefore the answer is $\\boxed{7}$.");
  assert.deepEqual(texts(t), ["a", "b\n\nTherefore the answer is $\\boxed{7}$."]);
  assert.equal(t.finalAnswer, "7");
});

test("the problem's own \\boxed is never the final answer", () => {
  const t = seg("Problem: Is \\boxed{1} a box?\n\nYes, it is.");
  assert.equal(t.finalAnswer, null);
});
