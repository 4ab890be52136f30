import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import { CancelledError, StepLensError } from "../../src/core/errors";
import type { Progress } from "../../src/core/progress";
import { readTraces } from "../../src/formats/records";
import { detectFormat } from "../../src/formats/detect";
import { collect, failures, jsonl, outcomes, readAll, traces, withTempDir } from "./formats-kit";
import { itemAt } from "../support/indexing";

const pb = (i: number) => ({ id: `r${i}`, problem: `p${i}`, steps: [`s${i}`], label: -1 });

test("readTraces: a text trace is one record with file ranges", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("t.md", "Problem: 1+1?\n\nStep 1: One plus one.\nStep 2: It is \\boxed{2}.\n");
    const results = await readAll(file);
    assert.equal(results.length, 1);
    const r = itemAt(results, 0, "the text trace");
    assert.ok(r.ok);
    assert.equal(r.trace.format, "text");
    assert.equal(r.trace.source.file, file);
    assert.equal(r.trace.finalAnswer, "2");
    assert.ok(r.trace.steps.length >= 2);
    assert.ok(
      r.trace.steps.every((s) => s.range !== null),
      "text steps carry their range in the file",
    );
  });
});

test("readTraces: every kind of bad record is reported with file and line, and the rest still come", async () => {
  await withTempDir(async (tmp) => {
    const lines = [
      JSON.stringify(pb(0)), // 1 ok
      '{"id": "r1", "problem": "p", "steps": ["a"], "label": -1', // 2 truncated JSON
      "", // 3 blank: not a record
      JSON.stringify({ id: "r2", problem: "p", steps: "a", label: -1 }), // 4 wrong type
      JSON.stringify({ id: "r3", steps: ["a"], label: -1 }), // 5 missing field
      "[1, 2, 3]", // 6 not an object
      JSON.stringify(pb(4)), // 7 ok
    ];
    const file = tmp.file("mixed.jsonl", lines.join("\n"));
    const results = await readAll(file, { format: "processbench" });
    assert.equal(outcomes(results), "ok#0@1 bad#1@2 bad#2@4 bad#3@5 bad#4@6 ok#5@7");
    const messages = failures(results).map((f) => f.error.format());
    assert.match(itemAt(messages, 0, "the message of line 2"), new RegExp(`^${escape(file)}:2: record 1 is not valid JSON: `));
    assert.match(
      itemAt(messages, 1, "the message of line 4"),
      new RegExp(`^${escape(file)}:4: record 2: field 'steps' must be an array of strings, found a string\\.`),
    );
    assert.match(
      itemAt(messages, 2, "the message of line 5"),
      new RegExp(`^${escape(file)}:5: record 3: field 'problem' must be a string, the field is missing\\.`),
    );
    assert.match(
      itemAt(messages, 3, "the message of line 6"),
      new RegExp(`^${escape(file)}:6: record 4: a ProcessBench record must be a JSON object, found an array\\.`),
    );
    assert.ok(
      failures(results).every((f) => f.error instanceof StepLensError && f.error.details.hint),
      "every error says what to do",
    );
    assert.deepEqual(
      traces(results).map((t) => t.source.id),
      ["r0", "r4"],
    );
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("readTraces: a JSON list cut short yields its complete records, then one error, then stops", async () => {
  await withTempDir(async (tmp) => {
    const whole = JSON.stringify([pb(0), pb(1), pb(2)], null, 2);
    const file = tmp.file("cut.json", whole.slice(0, whole.indexOf('"r2"') + 10));
    const results = await readAll(file, { highWaterMark: 16 });
    assert.deepEqual(
      results.map((r) => r.ok),
      [true, true, false],
    );
    const last = itemAt(failures(results), 0, "the failure of record 2");
    assert.equal(last.record, 2);
    assert.match(
      last.error.format(),
      /cut\.json:\d+: the JSON array is never closed: the file ends inside record 2, which starts on line 18\. The file may be truncated/,
    );
  });
});

test("readTraces: cancellation through an AbortSignal stops the stream with CancelledError", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("many.jsonl", jsonl(Array.from({ length: 2000 }, (_, i) => pb(i))));
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(async () => {
      for await (const r of readTraces(file, { signal: controller.signal, highWaterMark: 1024 })) {
        assert.ok(r.ok);
        if (++seen === 10) controller.abort();
      }
    }, CancelledError);
    assert.equal(seen, 10);
  });
});

test("readTraces: progress reports bytes read of the file size, ending at the whole file", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("p.jsonl", jsonl(Array.from({ length: 1000 }, (_, i) => pb(i))));
    const size = fs.statSync(file).size;
    const seen: Progress[] = [];
    const results = await collect(readTraces(file, { onProgress: (p) => seen.push(p), highWaterMark: 4096 }));
    assert.equal(results.length, 1000);
    assert.ok(seen.length >= 4, `several reports (${seen.length})`);
    assert.ok(seen.every((p) => p.total === size));
    assert.ok(
      seen.every((p, i) => i === 0 || p.done >= seen[i - 1]!.done),
      "monotonic",
    );
    assert.deepEqual(seen[seen.length - 1], { done: size, total: size, message: "1000 records" });
  });
});

test("readTraces: a precomputed detection is used as is", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("d.jsonl", jsonl([pb(0)]));
    const detected = await detectFormat(file, { format: "jsonl" });
    const r = itemAt(await readAll(file, { detected, format: "processbench" }), 0, "the record");
    assert.ok(r.ok && r.trace.format === "jsonl");
  });
});
