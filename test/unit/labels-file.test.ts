import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { foldLabels, formatLabelFile, formatLabelLine, parseLabelFile, traceKey } from "../../src/labels/labelFile";
import { applyHumanLabels } from "../../src/labels/traceLabels";
import { itemAt } from "../support/indexing";

const AT = "2025-01-31T10:00:00.000Z";

test("a line is fixed-order JSON", () => {
  assert.equal(
    formatLabelLine({ trace: "traces/a.md", step: 2, label: "incorrect", at: AT }),
    `{"trace":"traces/a.md","step":2,"label":"incorrect","at":"${AT}"}`,
  );
});

test("parse: CRLF, BOM, blank lines; bad lines are reported with file:line and skipped", () => {
  const text = [
    `\uFEFF{"trace":"a.md","step":0,"label":"correct","at":"${AT}"}`,
    "",
    "not json",
    `{"trace":"a.md","step":1,"label":"maybe","at":"${AT}"}`,
    `{"trace":"a.md","step":-1,"label":"correct"}`,
    `{"trace":"","step":1,"label":"correct"}`,
    `[1,2]`,
    `{"trace":"a.md","step":1,"label":"incorrect","at":"yesterday"}`,
    `{"trace":"a.md","step":1.5,"label":"incorrect"}`,
    `{"trace":"a.md","step":3,"label":"first-error"}`,
    "   ",
    `{"trace":"d.json#x","step":2,"label":"clear","at":"${AT}"}`,
    "",
  ].join("\r\n");
  const parsed = parseLabelFile(text, "/ws/.steplens/labels.jsonl");
  assert.equal(parsed.eol, "\r\n");
  assert.deepEqual(parsed.records, [
    { trace: "a.md", step: 0, label: "correct", at: AT, line: 1 },
    { trace: "a.md", step: 3, label: "first-error", at: "", line: 10 },
    { trace: "d.json#x", step: 2, label: "clear", at: AT, line: 12 },
  ]);
  assert.deepEqual(
    parsed.problems.map((p) => [p.details.line, p.message]),
    [
      [3, `not valid JSON (${errorOf("not json")}).`],
      [4, `'label' must be one of correct, incorrect, first-error, clear, found "maybe".`],
      [5, "'step' must be a 0-based integer, found -1."],
      [6, "'trace' must be a non-empty string."],
      [7, "a label line must be a JSON object."],
      [8, `'at' must be an ISO time, found "yesterday".`],
      [9, "'step' must be a 0-based integer, found 1.5."],
    ],
  );
  assert.ok(parsed.problems.every((p) => p.details.file === "/ws/.steplens/labels.jsonl"));
  assert.match(itemAt(parsed.problems, 0, "the problem of line 3").format(), /^\/ws\/\.steplens\/labels\.jsonl:3: not valid JSON .* fix or delete the line\.$/);
  assert.deepEqual(parsed.badLines, ["not json", ...text.split("\r\n").slice(3, 9)]);
  assert.equal(parseLabelFile("", "f").eol, "\n");
  assert.equal(parseLabelFile('{"trace":"a","step":0,"label":"correct"}\n', "f").eol, "\n");
});

function errorOf(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

test("fold: last line wins per (trace, step); clear removes; format sorts", () => {
  const map = foldLabels([
    { trace: "b.md", step: 1, label: "correct", at: "t1" },
    { trace: "a.md", step: 10, label: "incorrect", at: "t2" },
    { trace: "a.md", step: 2, label: "correct", at: "t3" },
    { trace: "b.md", step: 1, label: "incorrect", at: "t4" },
    { trace: "a.md", step: 2, label: "clear", at: "t5" },
    { trace: "c.md", step: 0, label: "clear", at: "t6" },
    { trace: "a.md", step: 2, label: "first-error", at: "t7" },
    { trace: "z.md", step: 0, label: "correct", at: "t8" },
    { trace: "z.md", step: 0, label: "clear", at: "t9" },
  ]);
  assert.deepEqual([...map.keys()].sort(), ["a.md", "b.md"]);
  assert.equal(
    formatLabelFile(map),
    [
      '{"trace":"a.md","step":2,"label":"first-error","at":"t7"}',
      '{"trace":"a.md","step":10,"label":"incorrect","at":"t2"}',
      '{"trace":"b.md","step":1,"label":"incorrect","at":"t4"}',
      "",
    ].join("\n"),
  );
  assert.equal(formatLabelFile(map, "\r\n").split("\r\n").length, 4);
  assert.equal(formatLabelFile(new Map()), "");
});

test("trace keys: workspace-relative with forward slashes, #id for dataset records", () => {
  assert.equal(traceKey(path.join("/ws", "traces", "a.md"), "/ws"), "traces/a.md");
  assert.equal(traceKey("/ws/data/gsm8k.json", "/ws", "gsm8k-17"), "data/gsm8k.json#gsm8k-17");
  assert.equal(traceKey("/elsewhere/x.md", "/ws"), "/elsewhere/x.md");
  assert.equal(traceKey("/ws2/x.md", "/ws"), "/ws2/x.md");
  assert.equal(traceKey("/ws/x.md", null), "/ws/x.md");
});

test("human labels override dataset labels", () => {
  // No human labels: unchanged (same object).
  const base = { kind: "first-error" as const, firstError: 1 };
  assert.equal(applyHumanLabels(base, new Map(), 4), base);
  assert.equal(applyHumanLabels(null, new Map([[9, "correct" as const]]), 4), null); // out of range only
  // The human says step 1 is right after all, and step 3 is wrong.
  assert.deepEqual(
    applyHumanLabels(
      base,
      new Map([
        [1, "correct" as const],
        [3, "incorrect" as const],
      ]),
      4,
    ),
    { kind: "per-step", steps: [true, true, null, false], firstError: 3 },
  );
  // A first-error label makes the steps before it correct, except explicit human labels.
  assert.deepEqual(
    applyHumanLabels(
      { kind: "per-step", steps: [false, false, true, true, true], firstError: 0 },
      new Map([
        [3, "first-error" as const],
        [1, "incorrect" as const],
      ]),
      5,
    ),
    { kind: "per-step", steps: [true, false, true, false, true], firstError: 1 },
  );
  // Unlabelled dataset: only what the human said.
  assert.deepEqual(applyHumanLabels(null, new Map([[2, "first-error" as const]]), 4), { kind: "per-step", steps: [true, true, false, null], firstError: 2 });
  // All correct from the dataset, one human "incorrect".
  assert.deepEqual(applyHumanLabels({ kind: "first-error", firstError: -1 }, new Map([[0, "correct" as const]]), 2), {
    kind: "per-step",
    steps: [true, true],
    firstError: -1,
  });
});
