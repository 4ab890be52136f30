import { test } from "node:test";
import assert from "node:assert/strict";
import { inputDiagnostics } from "../../src/annotations/inputDiagnostics";
import { segmentText } from "../../src/formats/text";
import { itemAt, only } from "../support/indexing";

test("no steps: one Information diagnostic on the first line", () => {
  const d = inputDiagnostics(segmentText("\n\n", { withRanges: true }), { contextSize: 4096 });
  assert.deepEqual(
    d.map((x) => [x.line, x.severity, x.code]),
    [[0, "information", "no-steps"]],
  );
  assert.match(only(d, "the no-steps diagnostic").message, /^No steps/);
});

test("a step too long for the context: a Warning on its line, naming the step and the limit; none for endpoints", () => {
  const trace = segmentText(`Problem: p\n\nStep 1: ok.\n\nStep 2: ${"x".repeat(300_000)}\n`, { withRanges: true });
  const d = inputDiagnostics(trace, { contextSize: 4096 });
  const tooLong = only(d, "the too-long diagnostic");
  assert.equal(tooLong.code, "too-long");
  assert.equal(tooLong.line, itemAt(trace.steps, 1, "step 2").range!.start.line);
  assert.match(tooLong.message, /step 2 is \d+ characters; a 4096-token context holds at most 262144/);
  assert.deepEqual(inputDiagnostics(trace, { contextSize: null }), []);
});

test("invalid UTF-8 on disk: a Warning on the first bad byte's line", () => {
  const d = inputDiagnostics(segmentText("Step 1: a\n\nStep 2: b\n", { withRanges: true }), { contextSize: 4096, invalidUtf8Line: 3 });
  assert.deepEqual(
    d.map((x) => [x.line, x.severity, x.code]),
    [[2, "warning", "invalid-utf8"]],
  );
});
