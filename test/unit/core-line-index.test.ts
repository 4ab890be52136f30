import { test } from "node:test";
import assert from "node:assert/strict";
import { LineIndex, computeLineStarts } from "../../src/core/lineIndex";

test("line starts for LF, CRLF, lone CR and a missing final newline", () => {
  assert.deepEqual(computeLineStarts(""), [0]);
  assert.deepEqual(computeLineStarts("a"), [0]);
  assert.deepEqual(computeLineStarts("a\nb"), [0, 2]);
  assert.deepEqual(computeLineStarts("a\r\nb\r\n"), [0, 3, 6]);
  assert.deepEqual(computeLineStarts("a\rb\n\nc"), [0, 2, 4, 5]);
  assert.deepEqual(computeLineStarts("\r\n\r\n"), [0, 2, 4]);
});

test("lineEnd and lineText exclude the line break, whatever its kind", () => {
  const idx = new LineIndex("ab\r\ncd\nef\rgh");
  assert.equal(idx.lineCount, 4);
  assert.deepEqual(
    [0, 1, 2, 3].map((l) => idx.lineText(l)),
    ["ab", "cd", "ef", "gh"],
  );
  assert.deepEqual(
    [0, 1, 2, 3].map((l) => [idx.lineStart(l), idx.lineEnd(l)]),
    [
      [0, 2],
      [4, 6],
      [7, 9],
      [10, 12],
    ],
  );
  // Empty lines between CRLFs.
  const e = new LineIndex("x\r\n\r\ny");
  assert.deepEqual(
    [0, 1, 2].map((l) => [e.lineStart(l), e.lineEnd(l)]),
    [
      [0, 1],
      [3, 3],
      [5, 6],
    ],
  );
});

test("positionAt / offsetAt round-trip over every offset that is not inside a line break", () => {
  const text = "Step 1: x\r\n\r\n$$\ny\n$$\rend";
  const idx = new LineIndex(text);
  for (let o = 0; o <= text.length; o++) {
    const c = text[o - 1];
    if (c === "\r" && text[o] === "\n") continue; // between \r and \n: not a position of its own
    const p = idx.positionAt(o);
    assert.equal(idx.offsetAt(p), o, `offset ${o} -> ${JSON.stringify(p)}`);
  }
});

test("an offset between \\r and \\n maps to the end of its line, as in VS Code", () => {
  const idx = new LineIndex("ab\r\ncd");
  assert.deepEqual(idx.positionAt(3), { line: 0, character: 2 });
  assert.deepEqual(idx.positionAt(4), { line: 1, character: 0 });
});

test("characters are UTF-16 code units: astral characters count two", () => {
  const text = "𝑥 = 1\n😀😀 ok";
  const idx = new LineIndex(text);
  assert.deepEqual(idx.positionAt(text.indexOf("=")), { line: 0, character: 3 });
  assert.deepEqual(idx.positionAt(text.indexOf("ok")), { line: 1, character: 5 });
  assert.equal(idx.offsetAt({ line: 1, character: 5 }), text.indexOf("ok"));
});

test("out-of-range inputs are clamped", () => {
  const idx = new LineIndex("ab\ncd");
  assert.deepEqual(idx.positionAt(-5), { line: 0, character: 0 });
  assert.deepEqual(idx.positionAt(99), { line: 1, character: 2 });
  assert.equal(idx.offsetAt({ line: 0, character: 99 }), 2);
  assert.equal(idx.offsetAt({ line: 7, character: 0 }), 5);
  assert.equal(idx.offsetAt({ line: -1, character: 3 }), 0);
  assert.equal(idx.lineAt(2), 0); // the "\n" belongs to the line it ends
  assert.equal(idx.lineAt(3), 1);
});

test("range gives offsets and positions, with end never before start", () => {
  const idx = new LineIndex("one\r\ntwo\r\nthree");
  assert.deepEqual(idx.range(5, 13), {
    start: { line: 1, character: 0 },
    end: { line: 2, character: 3 },
    startOffset: 5,
    endOffset: 13,
  });
  assert.deepEqual(idx.range(4, 2), { start: { line: 0, character: 3 }, end: { line: 0, character: 3 }, startOffset: 4, endOffset: 4 });
});

test("lookups stay fast on a large document (binary search, no rescans)", () => {
  const text = "x\n".repeat(200_000);
  const idx = new LineIndex(text);
  let sum = 0;
  for (let o = 0; o < text.length; o += 7) sum += idx.positionAt(o).line;
  // Offset o of "x\n" repeated is on line floor(o / 2). The time per lookup stays flat as the
  // document grows: measured as a ratio in bench/adversarial-scaling.mjs.
  let expected = 0;
  for (let o = 0; o < text.length; o += 7) expected += Math.floor(o / 2);
  assert.equal(sum, expected);
});
