import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DatasetIndex } from "../../src/datasets/datasetIndex";
import { readTraces } from "../../src/formats/records";
import { CancelledError, StepLensError } from "../../src/core/errors";
import { processBenchDir } from "../support/repo";

const PROCESSBENCH = path.join(processBenchDir(), "gsm8k.json");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-dsindex-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

const pb = (id: string, steps: string[], label: number) =>
  JSON.stringify({ id, generator: "g", problem: `Problem ${id}`, steps, final_answer_correct: label === -1, label });

test("ProcessBench gsm8k: every record indexed, and each loads exactly as readTraces reads it", async () => {
  const index = await DatasetIndex.build(PROCESSBENCH, { highWaterMark: 4093 });
  assert.equal(index.size, 400);
  assert.equal(index.detected.format, "processbench");
  assert.equal(index.stats.badRecords, 0);
  assert.equal(index.filter({ label: "error" }).length, 207);
  assert.equal(index.filter({ label: "correct" }).length, 193);
  const expected: { id: string; line: number; label: number; steps: number }[] = [];
  let r = 0;
  for await (const result of readTraces(PROCESSBENCH)) {
    assert.ok(result.ok);
    const s = index.summary(r);
    assert.equal(s.id, result.trace.source.id);
    assert.equal(s.line, result.line);
    assert.equal(s.groundTruth, result.trace.labels!.firstError);
    assert.equal(s.steps, result.trace.steps.length);
    if (r % 37 === 0 || r === 399) assert.deepEqual(await index.loadTrace(r), result.trace);
    expected.push({ id: s.id, line: s.line, label: s.groundTruth!, steps: s.steps });
    r++;
  }
  assert.equal(r, 400);
  assert.equal(index.id(0), "gsm8k-0");
  assert.equal(index.recordOf("gsm8k-399"), 399);
  assert.equal(index.recordOf("nope"), -1);
});

test("JSONL with CRLF, blank lines, a BOM, multi-byte text and tiny chunks: exact offsets", async () => {
  const lines = [pb("é-1", ["ça fait 4", "中文 step"], 1), "", pb("🙂-2", ["🙂".repeat(40), "b"], -1), "   ", pb("x3", ["one", "two", "three"], 2)];
  const file = write("multi.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n") + "\r\n")]));
  for (const highWaterMark of [1, 3, 7, 64, 65536]) {
    const index = await DatasetIndex.build(file, { highWaterMark });
    assert.equal(index.size, 3, `hwm ${highWaterMark}`);
    assert.deepEqual(
      [0, 1, 2].map((r) => index.id(r)),
      ["é-1", "🙂-2", "x3"],
    );
    assert.deepEqual(
      [0, 1, 2].map((r) => index.summary(r).line),
      [1, 3, 5],
    );
    assert.deepEqual(
      [0, 1, 2].map((r) => index.summary(r).groundTruth),
      [1, -1, 2],
    );
    const t = await index.loadTrace(1);
    assert.equal(t.steps[0]?.text, "🙂".repeat(40));
    assert.deepEqual(t.source, { file, record: 1, line: 3, id: "🙂-2" });
    assert.equal((await index.loadTrace(0)).steps[1]?.text, "中文 step");
  }
});

test("a bad line is flagged with file:line and skipped; the records around it are intact", async () => {
  const file = write(
    "bad.jsonl",
    [pb("a", ["s"], -1), '{"id": "b", "problem": "p", "steps": [}', pb("c", ["s", "t"], 0), '{"id":"d","problem":"p","steps":["x"],"label":5}'].join("\n"),
  );
  const index = await DatasetIndex.build(file, { format: "processbench" });
  assert.equal(index.size, 4);
  assert.equal(index.stats.badRecords, 2);
  const bad = index.summary(1);
  assert.equal(bad.bad, true);
  assert.equal(bad.groundTruth, null);
  assert.equal(bad.error?.details.file, file);
  assert.equal(bad.error?.details.line, 2);
  assert.match(bad.error!.format(), /bad\.jsonl:2: record 1 is not valid JSON/);
  assert.match(index.summary(3).error!.format(), /bad\.jsonl:4: record 3: 'label' is 5 but the record has 1 steps/);
  assert.equal(index.summary(2).groundTruth, 0);
  assert.equal((await index.loadTrace(2)).source.id, "c");
  await assert.rejects(index.loadTrace(1), (e: unknown) => e instanceof StepLensError && e.details.line === 2);
  assert.deepEqual(
    index.problems().map((e) => e.details.line),
    [2, 4],
  );
  // Bad records are shown unless hidden, and never match a label filter.
  assert.deepEqual([...index.filter()], [0, 1, 2, 3]);
  assert.deepEqual([...index.filter({ hideBad: true })], [0, 2]);
  assert.deepEqual([...index.filter({ label: "error" })], [2]);
});

test("JSON list: brackets and quotes inside strings, multi-line elements, empty elements", async () => {
  const a = JSON.stringify({ id: "a", problem: 'has "quotes" and [brackets], {braces}', steps: ["x]", "\\", "y,z"], label: -1 }, null, 2);
  const b = JSON.stringify({ id: "b", problem: "p", steps: ["only"], label: 0 });
  const file = write("list.json", `[\n${a},\n\n  ${b} ,\n,\n${b}\n]\n`);
  for (const highWaterMark of [2, 5, 1 << 16]) {
    const index = await DatasetIndex.build(file, { highWaterMark });
    assert.equal(index.size, 4, `hwm ${highWaterMark}`);
    assert.equal(index.containerError, null);
    assert.deepEqual(
      [0, 1, 2, 3].map((r) => index.summary(r).line),
      [2, 13, 14, 15],
    );
    assert.equal(index.summary(2).bad, true);
    assert.match(index.summary(2).error!.message, /record 2 is empty/);
    const t = await index.loadTrace(0);
    assert.equal(t.problem, 'has "quotes" and [brackets], {braces}');
    assert.deepEqual(
      t.steps.map((s) => s.text),
      ["x]", "\\", "y,z"],
    );
    assert.equal((await index.loadTrace(3)).source.id, "b");
  }
  // The same lines and outcomes as the streaming reader.
  const viaReader: [number, boolean][] = [];
  for await (const r of readTraces(file)) viaReader.push([r.line, r.ok]);
  assert.deepEqual(viaReader, [
    [2, true],
    [13, true],
    [14, false],
    [15, true],
  ]);
});

test("a JSON list that is never closed keeps the records before the break and reports it", async () => {
  const file = write("truncated.json", `[${pb("a", ["s"], -1)},\n${pb("b", ["s"], 0)},\n{"id": "c", "problem": "p`);
  const index = await DatasetIndex.build(file, { format: "processbench" });
  assert.equal(index.size, 2);
  assert.match(index.containerError!.format(), /truncated\.json:3: the JSON array is never closed: the file ends inside record 2, which starts on line 3/);
  assert.equal(index.problems().length, 1);
});

test("predictions, scores, filters and pages", async () => {
  const records = [-1, 0, 1, 2, -1, 1, 0].map((label, i) => pb(`r${i}`, ["a", "b", "c"], label));
  const index = await DatasetIndex.build(write("f.jsonl", records.join("\n")));
  const attached = index.setPredictionsById([
    { id: "r0", prediction: -1 }, // agree
    { id: "r1", prediction: 1 }, // mismatch
    { id: "r2", prediction: 1 }, // agree
    { id: "r3", prediction: -1 }, // mismatch
    { id: "ghost", prediction: 0 },
  ]);
  assert.deepEqual(attached, { matched: 4, unknownIds: ["ghost"], unknownCount: 1 });
  assert.deepEqual([...index.filter({ mismatchesOnly: true })], [1, 3]);
  assert.deepEqual(index.agreement(), { compared: 4, agree: 2 });
  assert.deepEqual(index.summary(1), { record: 1, id: "r1", line: 2, steps: 3, groundTruth: 0, prediction: 1, agreement: false, score: null, bad: false });
  assert.equal(index.summary(5).agreement, null);

  assert.deepEqual([...index.filter({ label: "correct" })], [0, 4]);
  assert.deepEqual([...index.filter({ label: "error" })], [1, 2, 3, 5, 6]);
  assert.deepEqual([...index.filter({ label: 1 })], [2, 5]);

  index.setScoresById([0.9, 0.1, 0.5, 0.25, 0.75, 0.5, 1].map((score, i) => ({ id: `r${i}`, score })));
  index.setScore(6, null);
  assert.deepEqual([...index.filter({ scoreRange: { min: 0.25, max: 0.75 } })], [2, 3, 4, 5]);
  assert.deepEqual([...index.filter({ scoreRange: { min: 0.25, max: 0.75 }, label: "error" })], [2, 3, 5]);
  assert.deepEqual([...index.filter({ scoreRange: { min: 0.25, max: 0.75 }, mismatchesOnly: true })], [3]);
  assert.deepEqual([...index.filter({ scoreRange: { min: 0, max: 0.1 } })], [1]); // bounds are inclusive, scores kept exactly

  // A changed prediction invalidates cached filter results.
  index.setPrediction(0, 2);
  assert.deepEqual([...index.filter({ mismatchesOnly: true })], [0, 1, 3]);
  index.clearPredictions();
  assert.deepEqual([...index.filter({ mismatchesOnly: true })], []);

  const p0 = index.page({}, 0, 3);
  const p2 = index.page({}, 2, 3);
  assert.deepEqual([p0.total, p0.pages, p0.items.map((i) => i.id)], [7, 3, ["r0", "r1", "r2"]]);
  assert.deepEqual(
    p2.items.map((i) => i.id),
    ["r6"],
  );
  assert.deepEqual(index.page({ label: 7 }, 0).items, []);
  assert.equal(index.page({ label: 7 }, 0).pages, 1);
});

test("ids repeat across 1024-record id blocks correctly; memory stays compact", async () => {
  const n = 5000;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) lines.push(pb(i % 3 === 0 ? `id-${i}` : `ü${i}`, ["s1", "s2"], i % 2 ? 1 : -1));
  const index = await DatasetIndex.build(write("many.jsonl", lines.join("\n")));
  assert.equal(index.size, n);
  for (const r of [0, 1, 1023, 1024, 1025, 2047, 2048, 4999]) assert.equal(index.id(r), r % 3 === 0 ? `id-${r}` : `ü${r}`);
  assert.equal(index.recordOf("ü4999"), 4999);
  for (let r = 0; r < n; r++) if (index.recordOf(index.id(r)) !== r) assert.fail(`record ${r} not found by its id`);
  assert.equal(index.recordOf("id-1"), -1);
  assert.equal(index.stats.duplicateIds, 0);
  const perRecord = index.memoryBytes() / n;
  assert.ok(perRecord < 64, `index memory ${perRecord.toFixed(1)} bytes per record`);
});

test("duplicate ids: the first record wins and the duplicates are counted", async () => {
  const index = await DatasetIndex.build(write("dups.jsonl", [pb("x", ["a"], -1), pb("y", ["a"], -1), pb("x", ["a"], 0), pb("x", ["a"], 0)].join("\n")));
  assert.equal(index.recordOf("x"), 0);
  assert.equal(index.stats.duplicateIds, 2);
  assert.deepEqual(index.setPredictionsById([{ id: "x", prediction: 0 }]), { matched: 1, unknownIds: [], unknownCount: 0 });
  assert.deepEqual([index.summary(0).prediction, index.summary(2).prediction], [0, null]);
});

test("records without labels, with numeric ids, and the generic JSONL reader", async () => {
  const file = write(
    "generic.jsonl",
    [JSON.stringify({ id: 17, question: "q", steps: ["a", "b"] }), JSON.stringify({ question: "q2", response: "Step 1: x\nStep 2: y" })].join("\n"),
  );
  const index = await DatasetIndex.build(file);
  assert.equal(index.detected.format, "jsonl");
  assert.deepEqual([index.summary(0).id, index.summary(0).groundTruth, index.summary(0).steps], ["17", null, 2]);
  assert.equal(index.summary(1).id, "1");
  assert.deepEqual([...index.filter({ label: "correct" })], []);
  assert.equal((await index.loadTrace(1)).problem, "q2");
});

test("a changed file is refused on load; text files are not datasets; cancellation stops the pass", async () => {
  const file = write("changing.jsonl", pb("a", ["s"], -1));
  const index = await DatasetIndex.build(file);
  fs.appendFileSync(file, `\n${pb("b", ["s"], -1)}`);
  await assert.rejects(index.loadTrace(0), (e: unknown) => e instanceof StepLensError && e.details.code === "stale-index");

  const text = write("trace.md", "Problem: p\n\nStep 1: a\nStep 2: b\n");
  await assert.rejects(DatasetIndex.build(text), (e: unknown) => e instanceof StepLensError && e.details.code === "not-a-dataset");

  const big = write("big.jsonl", Array.from({ length: 2000 }, (_, i) => pb(`r${i}`, ["a"], -1)).join("\n"));
  const c2 = new AbortController();
  const pending = DatasetIndex.build(big, { highWaterMark: 512, signal: c2.signal });
  setImmediate(() => c2.abort());
  await assert.rejects(pending, CancelledError);
});

test("progress reports bytes read", async () => {
  const file = write("progress.jsonl", Array.from({ length: 300 }, (_, i) => pb(`r${i}`, ["a"], -1)).join("\n"));
  const seen: { done: number; total?: number }[] = [];
  await DatasetIndex.build(file, { onProgress: (p) => seen.push(p) });
  const size = fs.statSync(file).size;
  assert.equal(seen.at(-1)?.done, size);
  assert.equal(seen.at(-1)?.total, size);
});
