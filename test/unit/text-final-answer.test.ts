import { test } from "node:test";
import assert from "node:assert/strict";
import { findFinalAnswer, findLastBoxed, lastBoxedContent, matchAnswerLabel } from "../../src/core/finalAnswer";
import { LineIndex } from "../../src/core/lineIndex";

test("the last balanced \\boxed wins, nested braces kept", () => {
  assert.equal(lastBoxedContent("first \\boxed{1}, then \\boxed{\\frac{1}{2}}"), "\\frac{1}{2}");
  assert.equal(lastBoxedContent("\\boxed{\\left\\{ x : x^{2} = 4 \\right\\}}"), "\\left\\{ x : x^{2} = 4 \\right\\}");
  assert.equal(lastBoxedContent("\\boxed{ 42 }"), "42");
  assert.equal(lastBoxedContent("no box here"), null);
});

test("escaped braces do not count, an unbalanced (truncated) box is ignored", () => {
  assert.equal(lastBoxedContent("\\boxed{\\{1,2\\}}"), "\\{1,2\\}");
  assert.equal(lastBoxedContent("\\boxed{7} and then \\boxed{\\frac{1}{2"), "7");
  assert.equal(lastBoxedContent("} stray \\boxed{3} {"), "3");
});

test("outer box of nested boxes; \\fbox and a space before the brace; empty boxes skipped", () => {
  assert.equal(lastBoxedContent("\\boxed{\\boxed{1} + 1}"), "\\boxed{1} + 1");
  assert.equal(lastBoxedContent("\\fbox{9}"), "9");
  assert.equal(lastBoxedContent("\\boxed {5}"), "5");
  assert.equal(lastBoxedContent("\\boxed{5} \\boxed{}"), "5");
  assert.equal(lastBoxedContent("\\boxedx{5}"), null);
});

test("findLastBoxed reports the span of the whole command", () => {
  const text = "So $\\boxed{x^{2}}$.";
  const m = findLastBoxed(text);
  assert.ok(m);
  assert.equal(text.slice(m.start, m.end), "\\boxed{x^{2}}");
  assert.equal(m.content, "x^{2}");
});

test("answer labels: colon, heading or closed bold needed", () => {
  const v = (s: string) => matchAnswerLabel(s)?.value ?? null;
  assert.equal(v("Answer: 42"), "42");
  assert.equal(v("ANSWER: 42"), "42");
  assert.equal(v("Final Answer: 42"), "42");
  assert.equal(v("final answer:42"), "42");
  assert.equal(v("**Final Answer:** 42"), "42");
  assert.equal(v("**Final Answer**: 42"), "42");
  assert.equal(v("**Answer**"), "");
  assert.equal(v("## Final Answer"), "");
  assert.equal(v("## Final Answer ##"), "");
  assert.equal(v("## Final Answer: 7"), "7");
  assert.equal(v("Answer: **4**"), "**4**");
  assert.equal(v("Answer is 4"), null);
  assert.equal(v("Answers: many"), null);
  assert.equal(v("The answer: 4"), null);
  assert.equal(v("    Answer: 4"), null); // indented code
});

test("answer-line values: bold, dollars, \\( \\), a trailing period and the Minerva phrasing are dropped", () => {
  const a = (s: string) => findFinalAnswer(s)?.text ?? null;
  assert.equal(a("Answer: 42."), "42");
  assert.equal(a("Answer: **4**"), "4");
  assert.equal(a("**Final Answer: 4**"), "4");
  assert.equal(a("Answer: $x = 3$"), "x = 3");
  assert.equal(a("Answer: $$12$$"), "12");
  assert.equal(a("Answer: \\(\\pi\\)"), "\\pi");
  assert.equal(a("Final Answer: The final answer is $18$. I hope it is correct."), "18");
  assert.equal(a("Answer: $1$ and $2$"), "$1$ and $2$"); // two formulas: kept as written
  assert.equal(a("Final Answer:"), null);
});

test("a box beats an answer line; the last answer line wins; lines end at CR too", () => {
  assert.equal(findFinalAnswer("Answer: 3\n\\boxed{4}\nAnswer: 5")?.text, "4");
  assert.equal(findFinalAnswer("Answer: 3\r\nmore\r\nAnswer: 5\r\n")?.text, "5");
  assert.equal(findFinalAnswer("Answer: 3\rAnswer: 6")?.text, "6");
  assert.equal(findFinalAnswer("Answer: 3\n")?.kind, "answer-line");
  assert.equal(findFinalAnswer("\\boxed{3}")?.kind, "boxed");
});

test("start/end restrict the search; offsets stay absolute; ranges need a LineIndex", () => {
  const text = "Problem: \\boxed{1}?\r\nAnswer: 7\r\n";
  const start = text.indexOf("Answer");
  const m = findFinalAnswer(text, { start, lineIndex: new LineIndex(text) });
  assert.ok(m);
  assert.equal(m.text, "7");
  assert.equal(m.startOffset, text.indexOf("7"));
  assert.equal(m.endOffset, text.indexOf("7") + 1);
  assert.deepEqual(m.range, { start: { line: 1, character: 8 }, end: { line: 1, character: 9 }, startOffset: m.startOffset, endOffset: m.endOffset });
  assert.equal(findFinalAnswer(text)?.text, "1");
  assert.equal(findFinalAnswer(text)?.range, null);
  assert.equal(findFinalAnswer(text, { end: 5 }), null);
});

test("multi-line box content is normalised to LF and trimmed", () => {
  assert.equal(findFinalAnswer("\\boxed{\r\n a \\\\\r\n b\r\n}")?.text, "a \\\\\n b");
});

test("linear on adversarial input: many unclosed boxes and many answer-looking lines", () => {
  // The time it takes grows linearly with the input: measured as a ratio in bench/adversarial-scaling.mjs.
  const text = "\\boxed{".repeat(50_000) + "x" + "\nAnswer is not a label".repeat(50_000);
  assert.equal(findFinalAnswer(text), null);
});
