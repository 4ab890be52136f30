import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentText } from "../../src/formats/text";
import { StepLensError } from "../../src/core/errors";
import { pos, seg, texts } from "./text-kit";
import { itemAt } from "../support/indexing";

test("front matter: block problem, first_error label, id, other keys in meta", () => {
  const src = "---\nid: alg-7\nproblem: |\n  Find x.\n  Then y.\nfirst_error: 1\ngenerator: demo-model\n---\nStep 1: x = 1.\nStep 2: y = 3.\n";
  const t = seg(src);
  assert.equal(t.problem, "Find x.\nThen y.");
  assert.equal(pos(t.problemRange), "3:2-4:9");
  assert.equal(src.slice(t.problemRange!.startOffset, t.problemRange!.endOffset), "Find x.\n  Then y.");
  assert.deepEqual(t.labels, { kind: "first-error", firstError: 1 });
  assert.deepEqual(t.source, { file: "t.trace.md", id: "alg-7" });
  assert.deepEqual(t.meta, { generator: "demo-model" });
  assert.deepEqual(texts(t), ["x = 1.", "y = 3."]);
  assert.equal(pos(itemAt(t.steps, 0, "step 1").range), "8:0-8:14");
});

test("front matter values: plain, quoted (with # inside), single-quoted, folded, comments", () => {
  const src = [
    "---",
    "# a comment line",
    'question: "What is 2 # 3?"   # trailing comment',
    "label: -1 # all correct",
    "note: 'it''s fine'",
    "summary: >",
    "  one",
    "  two",
    "",
    "  three",
    "plain: a long",
    "  continued value",
    "---",
    "It is 5.",
  ].join("\n");
  const t = seg(src);
  assert.equal(t.problem, "What is 2 # 3?");
  assert.equal(src.slice(t.problemRange!.startOffset, t.problemRange!.endOffset), '"What is 2 # 3?"');
  assert.deepEqual(t.labels, { kind: "first-error", firstError: -1 });
  assert.deepEqual(t.meta, { note: "it's fine", summary: "one two\nthree", plain: "a long continued value" });
  assert.deepEqual(texts(t), ["It is 5."]);
});

test("CRLF front matter", () => {
  const t = seg("---\r\nproblem: Add 1 and 1.\r\nfirst_error: 0\r\n---\r\n\r\nStep 1: 1 + 1 = 3.\r\n");
  assert.equal(t.problem, "Add 1 and 1.");
  assert.deepEqual(t.labels, { kind: "first-error", firstError: 0 });
  assert.equal(pos(itemAt(t.steps, 0, "step 1").range), "5:0-5:18");
});

test("front matter without a problem key: the body's Problem: section is the problem", () => {
  const t = seg("---\nfirst_error: -1\n---\nProblem: p\n\nStep 1: a");
  assert.equal(t.problem, "p");
  assert.deepEqual(texts(t), ["a"]);
});

test("a leading --- that is not YAML is a thematic break, not front matter", () => {
  const t = seg("---\nSome text here.\n---\n\nMore.");
  assert.deepEqual(texts(t), ["---\nSome text here.\n---", "More."]);
  assert.equal(t.labels, null);
  const unclosed = seg("---\nfirst_error: 1\n\nStep 1: a");
  assert.equal(unclosed.labels, null);
});

test("a label that is not an integer is an error naming the file, the line and the fix", () => {
  assert.throws(
    () => segmentText("---\nproblem: p\nfirst_error: second\n---\nStep 1: a\nStep 2: b", { file: "bad.trace.md" }),
    (e: unknown) => {
      assert.ok(e instanceof StepLensError);
      assert.equal(e.details.file, "bad.trace.md");
      assert.equal(e.details.line, 3);
      assert.equal(e.details.code, "bad-label");
      assert.match(e.format(), /^bad\.trace\.md:3: front matter "first_error: second" is not a step index\. Write the 0-based index .* \(0 to 1\), or -1/);
      return true;
    },
  );
});

test("a label past the last step is an error that says how many steps there are", () => {
  assert.throws(
    () => segmentText("---\nlabel: 2\n---\nStep 1: a\nStep 2: b", { file: "x.trace" }),
    (e: unknown) => {
      assert.ok(e instanceof StepLensError);
      assert.equal(e.details.line, 2);
      assert.equal(e.details.code, "label-out-of-range");
      assert.match(e.message, /the trace has 2 steps/);
      return true;
    },
  );
  assert.throws(() => segmentText("---\nlabel: -2\n---\nStep 1: a"), StepLensError);
});

test("with onProblem, a bad label is reported instead of thrown: the steps stay and labels is null", () => {
  const problems: StepLensError[] = [];
  const t = segmentText("---\nproblem: p\nfirst_error: second\n---\nStep 1: a\nStep 2: b", {
    file: "bad.trace.md",
    onProblem: (e) => problems.push(e),
  });
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["a", "b"],
  );
  assert.equal(t.problem, "p");
  assert.equal(t.labels, null);
  assert.equal(problems.length, 1);
  assert.ok(problems[0] instanceof StepLensError);
  assert.equal(problems[0]!.details.code, "bad-label");
  assert.equal(problems[0]!.details.file, "bad.trace.md");
  assert.equal(problems[0]!.details.line, 3);
  assert.match(problems[0]!.format(), /^bad\.trace\.md:3: front matter "first_error: second" is not a step index\. Write the 0-based index/);
});

test("with onProblem, a label past the last step is reported with the step count, and ranges are kept", () => {
  const problems: StepLensError[] = [];
  const source = "---\nfirst_error: 9\n---\nStep 1: a\n\nStep 2: b\n\nStep 3: c";
  const t = segmentText(source, { file: "x.trace.md", onProblem: (e) => problems.push(e) });
  assert.equal(t.steps.length, 3);
  assert.deepEqual(
    t.steps.map((s) => s.range?.start.line),
    [3, 5, 7],
  );
  assert.equal(t.labels, null);
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.details.code, "label-out-of-range");
  assert.equal(problems[0]!.details.line, 2);
  assert.match(problems[0]!.message, /"first_error: 9" is out of range: the trace has 3 steps/);
  assert.match(problems[0]!.details.hint ?? "", /-1 \(all correct\) or 0 to 2/);
  // -2 is out of range too; a trace with no steps says so.
  const more: StepLensError[] = [];
  assert.equal(segmentText("---\nlabel: -2\n---\nStep 1: a", { onProblem: (e) => more.push(e) }).labels, null);
  assert.equal(segmentText("---\nlabel: 0\n---\n", { onProblem: (e) => more.push(e) }).steps.length, 0);
  assert.deepEqual(
    more.map((e) => e.details.code),
    ["label-out-of-range", "label-out-of-range"],
  );
  assert.match(more[1]!.details.hint ?? "", /no steps/);
});

test("with onProblem, a valid label is kept and nothing is reported", () => {
  const problems: StepLensError[] = [];
  const t = segmentText("---\nfirst_error: 1\n---\nStep 1: a\nStep 2: b", { onProblem: (e) => problems.push(e) });
  assert.deepEqual(t.labels, { kind: "first-error", firstError: 1 });
  assert.equal(segmentText("---\nlabel: -1\n---\nStep 1: a", { onProblem: (e) => problems.push(e) }).labels?.firstError, -1);
  assert.equal(problems.length, 0);
});
