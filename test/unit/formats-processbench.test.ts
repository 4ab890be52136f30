import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { processBenchTrace } from "../../src/formats/processbench";
import { StepLensError } from "../../src/core/errors";
import { failures, FIXTURES, jsonl, lineOutcomes, PROCESSBENCH_DIR, readAll, traces, withTempDir } from "./formats-kit";
import { itemAt } from "../support/indexing";

const ctx = { file: "pb.jsonl", record: 4, line: 9 };

test("processbench: a record becomes a trace with first-error labels, id, source and final answer", () => {
  const t = processBenchTrace(
    { id: "gsm8k-7", generator: "Qwen2-7B-Instruct", problem: "2+2?", steps: ["\nTwo plus two.\n", "Is \\boxed{4}."], final_answer_correct: true, label: -1 },
    ctx,
  );
  assert.equal(t.format, "processbench");
  assert.equal(t.problem, "2+2?");
  assert.deepEqual(t.steps, [
    { index: 0, text: "Two plus two.", range: null },
    { index: 1, text: "Is \\boxed{4}.", range: null },
  ]);
  assert.equal(t.finalAnswer, "4");
  assert.deepEqual(t.labels, { kind: "first-error", firstError: -1 });
  assert.deepEqual(t.source, { file: "pb.jsonl", record: 4, line: 9, id: "gsm8k-7" });
  assert.deepEqual(t.meta, { generator: "Qwen2-7B-Instruct", finalAnswerCorrect: true });
  assert.equal(t.problemRange, null);
});

test("processbench: final answer is the last \\boxed{} searching steps backwards, else null", () => {
  const base = { problem: "p", label: -1 };
  assert.equal(processBenchTrace({ ...base, steps: ["\\boxed{1}", "\\boxed{\\frac{1}{2}} so", "Done."] }, ctx).finalAnswer, "\\frac{1}{2}");
  assert.equal(processBenchTrace({ ...base, steps: ["x = 35", "So 35 students."] }, ctx).finalAnswer, null);
  assert.equal(processBenchTrace({ ...base, steps: ["x", "The final answer is 12."] }, ctx).finalAnswer, "12");
});

test("processbench: a record without an id gets its record index as id", () => {
  assert.equal(processBenchTrace({ problem: "p", steps: ["a"], label: 0 }, ctx).source.id, "4");
});

test("processbench: missing fields, wrong types and out-of-range labels name file, line, record and field", () => {
  const cases: [unknown, RegExp][] = [
    [{ steps: ["a"], label: -1 }, /field 'problem' must be a string, the field is missing/],
    [{ problem: 3, steps: ["a"], label: -1 }, /field 'problem' must be a string, found a number/],
    [{ problem: "p", steps: "a", label: -1 }, /field 'steps' must be an array of strings, found a string/],
    [{ problem: "p", steps: ["a", 2], label: -1 }, /'steps\[1\]' must be a string, found a number/],
    [{ problem: "p", steps: ["a"] }, /field 'label' must be an integer/],
    [{ problem: "p", steps: ["a"], label: 0.5 }, /field 'label' must be an integer/],
    [{ problem: "p", steps: ["a", "b"], label: 2 }, /'label' is 2 but the record has 2 steps \(valid: -1 to 1\)/],
    [{ problem: "p", steps: ["a"], label: -2 }, /'label' is -2/],
    [[1, 2], /a ProcessBench record must be a JSON object, found an array/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => processBenchTrace(value, ctx),
      (e: unknown) => e instanceof StepLensError && pattern.test(e.message) && /^record 4: /.test(e.message) && e.format().startsWith("pb.jsonl:9: record 4: "),
      String(pattern),
    );
  }
});

test("processbench: the JSON-list and JSONL fixtures give the same traces (auto-detected)", async () => {
  const list = await readAll(path.join(FIXTURES(), "processbench.json"));
  const lines = await readAll(path.join(FIXTURES(), "processbench.jsonl"));
  assert.equal(failures(list).length + failures(lines).length, 0);
  const strip = (ts: ReturnType<typeof traces>) => ts.map((t) => ({ ...t, source: { ...t.source, file: "", line: 0 } }));
  assert.deepEqual(strip(traces(list)), strip(traces(lines)));
  assert.deepEqual(
    traces(list).map((t) => [t.source.id, t.source.line, t.labels?.firstError]),
    [
      ["toy-0", 2, -1],
      ["toy-1", 14, 1],
    ],
  );
  assert.deepEqual(
    traces(lines).map((t) => t.source.line),
    [1, 2],
  );
});

test("processbench: bad records in a JSON list are reported with their line and skipped", async () => {
  await withTempDir(async (tmp) => {
    const good = (id: string) => ({ id, problem: "p", steps: ["s1", "s2"], label: 1 });
    const text = [
      "[",
      JSON.stringify(good("a"), null, 2).replace(/^/gm, "  ") + ",",
      '  {"id": "b", "problem": "p", "steps": ["s1",',
      '     "s2"] "label": -1},', // line 12: a missing comma
      '  {"id": "c", "problem": "p", "steps": ["s1"], "label": 5},',
      '  {"id": "d", "problem": "p", "steps": ["[{\\"tricky\\"}]"], "label": -1}',
      "]",
    ].join("\n");
    const file = tmp.file("bad.json", text);
    const results = await readAll(file);
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, false, false, true],
    );
    const [b, c] = failures(results);
    assert.ok(b && c, "two failures: records 1 and 2");
    assert.equal(b.record, 1);
    assert.equal(b.error.details.file, file);
    assert.equal(b.error.details.line, 12, "the line of the syntax error inside the multi-line element");
    assert.match(
      b.error.format(),
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:12: record 1 is not valid JSON: .*\\(column \\d+\\)\\. Fix this element`),
    );
    assert.equal(c.error.details.line, 13);
    assert.match(c.error.message, /record 2: 'label' is 5 but the record has 1 steps/);
    assert.equal(traces(results)[1]?.steps[0]?.text, '[{"tricky"}]');
    assert.equal(traces(results)[1]?.source.record, 3);
  });
});

test("processbench: an explicit --format on a JSONL file with a missing label reports every such line", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file(
      "x.jsonl",
      jsonl([
        { problem: "p", steps: ["a"] },
        { problem: "p", steps: ["a"], label: 0 },
        { problem: "p", steps: ["a"] },
      ]),
    );
    const results = await readAll(file, { format: "processbench" });
    assert.equal(lineOutcomes(results), "bad@1 ok@2 bad@3");
    assert.match(
      itemAt(failures(results), 0, "the failure of line 1").error.format(),
      /x\.jsonl:1: record 0: field 'label' must be an integer.*use --format jsonl/,
    );
  });
});

// The real ProcessBench release (SCIENCE.md §3): counts and label distributions.
const SUBSETS: [name: string, total: number, withError: number, correct: number][] = [
  ["gsm8k", 400, 207, 193],
  ["math", 1000, 594, 406],
  ["olympiadbench", 1000, 661, 339],
  ["omnimath", 1000, 759, 241],
];

for (const [name, total, withError, correct] of SUBSETS) {
  test(`processbench: the real ${name}.json streams as ${total} records (${withError} with an error, ${correct} correct)`, async (t) => {
    const file = path.join(PROCESSBENCH_DIR, `${name}.json`);
    if (!fs.existsSync(file)) {
      t.diagnostic(`${file} is not on this machine`);
      assert.fail(`${file} is missing: the real-data test needs test/fixtures/processbench/ (or STEPLENS_PROCESSBENCH_DIR)`);
    }
    const results = await readAll(file, { highWaterMark: 4096 });
    assert.equal(failures(results).length, 0);
    const ts = traces(results);
    assert.equal(ts.length, total);
    assert.ok(ts.every((tr) => tr.format === "processbench"));
    assert.equal(ts.filter((tr) => tr.labels?.firstError !== -1).length, withError);
    assert.equal(ts.filter((tr) => tr.labels?.firstError === -1).length, correct);
    assert.deepEqual(
      ts.map((tr) => tr.source.record),
      ts.map((_, i) => i),
    );
    // The streamed records equal what a whole-file JSON.parse gives.
    const whole = JSON.parse(fs.readFileSync(file, "utf8")) as { id: string; problem: string; steps: string[]; label: number; generator: string }[];
    ts.forEach((tr, i) => {
      const w = itemAt(whole, i, `whole-file record ${i}`);
      assert.equal(tr.source.id, w.id);
      assert.equal(tr.problem, w.problem);
      assert.deepEqual(
        tr.steps.map((s) => s.text),
        w.steps.map((s) => s.replace(/^[\r\n]+|[\r\n]+$/g, "")),
      );
      assert.equal(tr.labels?.firstError, w.label);
      assert.equal(tr.meta?.generator, w.generator);
    });
    const first = itemAt(ts, 0, "the first record");
    assert.equal(first.source.id, `${name}-0`);
    assert.equal(first.source.line, 2, "the first record starts on line 2 (after the opening '[')");
    // The line of each record really is where its `{` sits.
    const lines = fs.readFileSync(file, "utf8").split("\n");
    for (const tr of [itemAt(ts, 1, "the second record"), itemAt(ts, ts.length - 1, "the last record")])
      assert.match(itemAt(lines, (tr.source.line ?? 0) - 1, `the line of record ${tr.source.record}`), /^\s*\{/);
  });
}

test("processbench: the real gsm8k first record has the documented fields", async () => {
  const results = await readAll(path.join(PROCESSBENCH_DIR, "gsm8k.json"));
  const first = itemAt(traces(results), 0, "the first gsm8k record");
  assert.equal(first.source.id, "gsm8k-0");
  assert.equal(first.meta?.generator, "Qwen2-7B-Instruct");
  assert.match(first.problem, /^Sue lives in a fun neighborhood/);
  assert.equal(typeof first.meta?.finalAnswerCorrect, "boolean");
  assert.ok(first.steps.length > 1);
});
