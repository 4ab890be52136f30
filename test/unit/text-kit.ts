// Helpers for the text-format tests: segment, and check the invariants every trace must keep.
import assert from "node:assert/strict";
import { segmentText } from "../../src/formats/text";
import { LineIndex } from "../../src/core/lineIndex";
import type { SourceRange, Trace } from "../../src/core/trace";
import { itemAt } from "../support/indexing";

/** "line:char-line:char" of a range, for compact exact assertions. */
export function pos(r: SourceRange | null): string | null {
  return r ? `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}` : null;
}

/**
 * Checks what must hold for any text trace: indices in order, no "\r" and no line breaks at the
 * ends of step text, ranges whose positions agree with their offsets, in document order, never
 * overlapping, each starting and ending on non-whitespace and containing the step text's lines.
 */
export function checkInvariants(source: string, t: Trace): void {
  const idx = new LineIndex(source);
  const ranges: SourceRange[] = [];
  t.steps.forEach((s, i) => {
    assert.equal(s.index, i);
    assert.ok(!s.text.includes("\r"), `step ${i} text has \\r`);
    assert.ok(!/^\n|\n$/.test(s.text), `step ${i} text has a line break at an end`);
    assert.ok(s.range, `step ${i} has no range`);
    ranges.push(s.range);
    const covered = source.slice(s.range.startOffset, s.range.endOffset).replace(/\r\n?/g, "\n");
    for (const line of s.text.split("\n")) {
      const bare = line.replace(/^\*\*|^__/, "").trim();
      assert.ok(covered.includes(bare), `step ${i}: range ${JSON.stringify(covered)} lacks ${JSON.stringify(bare)}`);
    }
  });
  for (const r of [...ranges, t.problemRange, t.finalAnswerRange]) {
    if (!r) continue;
    assert.deepEqual(idx.positionAt(r.startOffset), r.start);
    assert.deepEqual(idx.positionAt(r.endOffset), r.end);
    assert.ok(r.startOffset <= r.endOffset);
  }
  for (const r of ranges) {
    if (r.endOffset > r.startOffset) {
      assert.ok(/\S/.test(itemAt(source, r.startOffset, "the range's first character")), `range starts on whitespace at ${r.startOffset}`);
      assert.ok(/\S/.test(itemAt(source, r.endOffset - 1, "the range's last character")), `range ends on whitespace at ${r.endOffset}`);
    }
  }
  for (let i = 1; i < ranges.length; i++) assert.ok(itemAt(ranges, i - 1).endOffset <= itemAt(ranges, i).startOffset, `steps ${i - 1} and ${i} overlap`);
  if (t.problemRange && ranges.length)
    assert.ok(t.problemRange.endOffset <= itemAt(ranges, 0, "the first step's range").startOffset, "problem overlaps the first step");
  assert.ok(!t.problem.includes("\r"));
  // Without ranges, the same texts.
  const bare = segmentText(source, { withRanges: false });
  assert.deepEqual(
    bare.steps.map((s) => s.text),
    t.steps.map((s) => s.text),
  );
  assert.ok(bare.steps.every((s) => s.range === null) && bare.problemRange === null && bare.finalAnswerRange === null);
  assert.equal(bare.finalAnswer, t.finalAnswer);
  assert.equal(bare.problem, t.problem);
}

/** Segments with ranges, checks the invariants, returns the trace. */
export function seg(source: string): Trace {
  const t = segmentText(source, { file: "t.trace.md" });
  checkInvariants(source, t);
  return t;
}

export const texts = (t: Trace) => t.steps.map((s) => s.text);
export const ranges = (t: Trace) => t.steps.map((s) => pos(s.range));
/** The source text each step's range covers. */
export const covered = (source: string, t: Trace) => t.steps.map((s) => (s.range ? source.slice(s.range.startOffset, s.range.endOffset) : null));
