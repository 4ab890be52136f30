// Label lines with keys missing or of the wrong type, through the label file's valibot schema
// (src/labels/labelFile.ts): each gets its own message (the documented ones) and is skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseLabelFile } from "../../src/labels/labelFile";

test("missing keys and wrong types are named; extra fields are ignored; 'at' is optional", () => {
  const lines = [
    '{"step":0,"label":"correct"}',
    '{"trace":"a.md","label":"correct"}',
    '{"trace":"a.md","step":0}',
    '{"trace":7,"step":0,"label":"correct"}',
    '{"trace":"a.md","step":"0","label":"correct"}',
    '{"trace":"a.md","step":0,"label":"correct","at":5}',
    '{"trace":"a.md","step":2,"label":"first-error","by":"me"}',
  ];
  const parsed = parseLabelFile(lines.join("\n"), "labels.jsonl");
  assert.deepEqual(
    parsed.problems.map((p) => [p.details.line, p.message]),
    [
      [1, "'trace' must be a non-empty string."],
      [2, "'step' must be a 0-based integer, found nothing."],
      [3, "'label' must be one of correct, incorrect, first-error, clear, found nothing."],
      [4, "'trace' must be a non-empty string."],
      [5, `'step' must be a 0-based integer, found "0".`],
      [6, "'at' must be an ISO time, found 5."],
    ],
  );
  assert.deepEqual(parsed.records, [{ trace: "a.md", step: 2, label: "first-error", at: "", line: 7 }]);
  assert.equal(parsed.badLines.length, 6, "the bad lines are kept for compaction");
});
