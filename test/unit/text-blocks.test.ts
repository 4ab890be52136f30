// Display math, code, think blocks, numbered lists and paragraphs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ranges, seg, texts } from "./text-kit";

test("$$…$$ with blank lines and a 'Step' line inside is never split", () => {
  const src = "Step 1: We have\n$$\na = 1\n\nStep 2: not a marker\n$$\nso a = 1.\n\nStep 2: next";
  const t = seg(src);
  assert.deepEqual(texts(t), ["We have\n$$\na = 1\n\nStep 2: not a marker\n$$\nso a = 1.", "next"]);
  assert.deepEqual(ranges(t), ["0:0-6:9", "8:0-8:12"]);
});

test("\\[…\\] and \\begin{align}…\\end{align} (nested environments) are never split", () => {
  const src = "First:\n\\[\nx = 1\n\n\\]\n\nSecond:\n\\begin{align}\na &= b \\\\\n\n\\begin{cases} 1 \\\\\n\n 2 \\end{cases}\n\n\\end{align}\n\nThird.";
  const t = seg(src);
  assert.deepEqual(texts(t), [
    "First:\n\\[\nx = 1\n\n\\]",
    "Second:\n\\begin{align}\na &= b \\\\\n\n\\begin{cases} 1 \\\\\n\n 2 \\end{cases}\n\n\\end{align}",
    "Third.",
  ]);
});

test("display math on one line, and \\\\[2pt] (a line break, not \\[) open nothing", () => {
  const t = seg("a $$x$$ b\n\nc \\\\[2pt] d\n\ne \\$\\$ f\n\ng");
  assert.deepEqual(texts(t), ["a $$x$$ b", "c \\\\[2pt] d", "e \\$\\$ f", "g"]);
});

test("a paragraph that is only display math joins the paragraph before it", () => {
  const src = "We compute\n\n$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$\n\nso the sum is 55.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["We compute\n\n$$\n\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}\n$$", "so the sum is 55."]);
  assert.deepEqual(ranges(t), ["0:0-4:2", "6:0-6:17"]);
  // At the very start there is nothing to join: it is a step.
  assert.deepEqual(texts(seg("$$x=1$$\n\nThen y.")), ["$$x=1$$", "Then y."]);
});

test("a stray unclosed $$ is ignored instead of swallowing the rest of the trace", () => {
  const t = seg("Step 1: costs $$ 5\n\nStep 2: b\n\nStep 3: c");
  assert.deepEqual(texts(t), ["costs $$ 5", "b", "c"]);
  const u = seg("Intro \\begin{align} x\n\nSecond.\n\n\\[ y \\]\n\nThird.");
  assert.deepEqual(texts(u), ["Intro \\begin{align} x", "Second.\n\n\\[ y \\]", "Third."]);
});

test("fenced code (``` and ~~~) with blank lines and markers inside is never split", () => {
  const src = "Step 1: run\n```python\nx = 1\n\nStep 2: print(x)\n```\n\nStep 2: then\n~~~~\na\n\n~~~\nb\n~~~~\nStep 3: end";
  const t = seg(src);
  assert.deepEqual(texts(t), ["run\n```python\nx = 1\n\nStep 2: print(x)\n```", "then\n~~~~\na\n\n~~~\nb\n~~~~", "end"]);
  assert.deepEqual(ranges(t), ["0:0-5:3", "7:0-13:4", "14:0-14:11"]);
});

test("an unclosed fence runs to the end (CommonMark)", () => {
  const t = seg("Step 1: a\n```\ncode\n\nStep 2: inside");
  assert.deepEqual(texts(t), ["a\n```\ncode\n\nStep 2: inside"]);
});

test("indented code blocks: markers inside do not count, and the block continues the paragraph before", () => {
  const src = "We run:\n\n    x = 1\n\n    Step 2: print(x)\n\nThen we stop.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["We run:\n\n    x = 1\n\n    Step 2: print(x)", "Then we stop."]);
  assert.deepEqual(ranges(t), ["0:0-4:20", "6:0-6:13"]);
});

test("paragraphs: a heading-only paragraph joins the one after it", () => {
  const t = seg("## Setting up\n\nLet n = 5.\n\n## Computing\n\nThen 2n = 10.");
  assert.deepEqual(texts(t), ["## Setting up\n\nLet n = 5.", "## Computing\n\nThen 2n = 10."]);
  assert.deepEqual(ranges(t), ["0:0-2:10", "4:0-6:13"]);
});

test("a single paragraph of several lines is cut into lines; display math and indented lines stay attached", () => {
  const src = "48 / 2 = 24 clips in May.\n$$\n48 + 24 = 72\n$$\n  (half of April)\n    so 72 in all.\nThe answer is 72.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["48 / 2 = 24 clips in May.\n$$\n48 + 24 = 72\n$$", "(half of April)\n    so 72 in all.", "The answer is 72."]);
  assert.deepEqual(ranges(t), ["0:0-3:2", "4:2-5:17", "6:0-6:17"]);
});

test("a single one-line paragraph is one step", () => {
  const t = seg("Problem: 1+1?\n\nIt is 2.");
  assert.deepEqual(texts(t), ["It is 2."]);
  assert.deepEqual(ranges(t), ["2:0-2:8"]);
});

test("numbered items (1. and 2)) split the solution; the number is not step text", () => {
  const src = "1. Add: 2 + 3 = 5.\n2) Double: 10.\n10. Halve: 5.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["Add: 2 + 3 = 5.", "Double: 10.", "Halve: 5."]);
  assert.deepEqual(ranges(t), ["0:0-0:18", "1:0-1:14", "2:0-2:13"]);
});

test("a nested numbered list inside an item is not a split; continuation lines stay", () => {
  const src = "1. Consider cases:\n   1. x > 0\n   2. x < 0\n\n   Both work.\n2. Conclude.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["Consider cases:\n   1. x > 0\n   2. x < 0\n\n   Both work.", "Conclude."]);
});

test("numbered items with a preamble line and explanation paragraphs between items", () => {
  const src = "We proceed in steps.\n\n1. **Expand.**\n\nWe get x^2 + 2x + 1.\n\n2. **Factor.**\n\nIt is (x+1)^2.\n\nSo the minimum is 0.";
  const t = seg(src);
  assert.deepEqual(texts(t), ["We proceed in steps.", "**Expand.**\n\nWe get x^2 + 2x + 1.", "**Factor.**\n\nIt is (x+1)^2.\n\nSo the minimum is 0."]);
});

test("a numbered list that does not cover the solution is not how it is split", () => {
  const src = "First we note two facts.\n\nThere are cases:\n1. x > 0\n2. x < 0\n\nIn both, x^2 > 0.\n\nHence the claim.";
  assert.deepEqual(texts(seg(src)), ["First we note two facts.", "There are cases:\n1. x > 0\n2. x < 0", "In both, x^2 > 0.", "Hence the claim."]);
  // A single item is not a list to split on.
  assert.deepEqual(texts(seg("1. only one\n\nthen prose")), ["1. only one", "then prose"]);
});

test("explicit markers win over numbered items inside steps", () => {
  const src = "Step 1: Two cases:\n1. a\n2. b\nStep 2: Done.";
  assert.deepEqual(texts(seg(src)), ["Two cases:\n1. a\n2. b", "Done."]);
});

test("'3.14 is pi' and '1.5 times' are not numbered items", () => {
  assert.deepEqual(texts(seg("3.14 is pi\n\n1.5 times 2 is 3")), ["3.14 is pi", "1.5 times 2 is 3"]);
});

test("<think> block: solution text, segmented on its own; tags are not step text", () => {
  const src = "Problem: 2+3?\n\n<think>\nHmm, 2 + 3.\n\nThat is 5.\n</think>\n\nStep 1: 2 + 3 = 5.\nStep 2: So \\boxed{5}.";
  const t = seg(src);
  assert.equal(t.problem, "2+3?");
  assert.deepEqual(texts(t), ["Hmm, 2 + 3.", "That is 5.", "2 + 3 = 5.", "So \\boxed{5}."]);
  assert.deepEqual(ranges(t), ["3:0-3:11", "5:0-5:10", "8:0-8:18", "9:0-9:21"]);
  assert.equal(t.finalAnswer, "5");
});

test("think tags inline: '<think>Okay…' and '…done.</think>The answer…'", () => {
  const src = "<think>Okay, 6 * 7.\nThat is 42.</think>The product is 42.\n\nAnswer: 42";
  const t = seg(src);
  assert.deepEqual(texts(t), ["Okay, 6 * 7.", "That is 42.", "The product is 42."]);
  assert.deepEqual(ranges(t), ["0:7-0:19", "1:0-1:11", "1:19-1:37"]);
  assert.equal(t.finalAnswer, "42");
});

test("markers inside the think block, paragraphs after it; an unclosed think runs to the end", () => {
  const t = seg("<think>\nStep 1: a\nStep 2: b\n</think>\nSo: a, b.\n\nDone.");
  assert.deepEqual(texts(t), ["a", "b", "So: a, b.", "Done."]);
  const u = seg("Problem: p\n<think>\nfirst\n\nsecond");
  assert.equal(u.problem, "p");
  assert.deepEqual(texts(u), ["first", "second"]);
});

test("<think> inside a code fence is just code", () => {
  const t = seg("Step 1: the tag\n```\n<think>\n\n</think>\n```\nStep 2: b");
  assert.deepEqual(texts(t), ["the tag\n```\n<think>\n\n</think>\n```", "b"]);
});
