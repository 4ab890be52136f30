// ProcessBench's metric on the REAL ProcessBench data, against values computed by hand from counts
// (the counts were taken with a separate script over the same JSON files; they are written out below).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { computeProcessBenchMetrics, f1Of, PROCESSBENCH_SUBSETS } from "../../src/eval/processbenchMetric";
import { processBenchFiles } from "../../src/eval/processbenchData";
import { evaluatePredictions } from "../../src/eval/scorePredictions";
import { processBenchDir } from "../support/repo";
import { itemAt } from "../support/indexing";

interface Rec {
  id: string;
  label: number;
}
const DATA = processBenchDir();
const records: Record<string, Rec[]> = Object.fromEntries(
  PROCESSBENCH_SUBSETS.map((s) => [s, (JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8")) as Rec[]).map(({ id, label }) => ({ id, label }))]),
);
const files = processBenchFiles(DATA);
/** The value under `key`, or the test fails naming the key and what is there. */
function entryOf<T>(map: Readonly<Record<string, T>>, key: string): T {
  const value = map[key];
  assert.ok(value !== undefined, `no '${key}' (have: ${Object.keys(map).join(", ")})`);
  return value;
}

function tmpFile(name: string): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "steplens-eval-")), name);
}
function writePredictions(pick: (r: Rec, i: number) => number | undefined, extra: string[] = []): string {
  const file = tmpFile("predictions.jsonl");
  const lines: string[] = [];
  for (const s of PROCESSBENCH_SUBSETS)
    entryOf(records, s).forEach((r, i) => {
      const p = pick(r, i);
      if (p !== undefined) lines.push(JSON.stringify({ id: r.id, prediction: p }));
    });
  fs.writeFileSync(file, [...lines, ...extra].join("\n") + "\n");
  return file;
}
const close = (a: number | null, b: number, msg?: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${msg ?? ""} ${a} ≠ ${b}`);

test("the real data has ProcessBench's published sizes (total / with error / correct)", () => {
  const sizes = Object.fromEntries(
    PROCESSBENCH_SUBSETS.map((s) => [
      s,
      [entryOf(records, s).length, entryOf(records, s).filter((r) => r.label !== -1).length, entryOf(records, s).filter((r) => r.label === -1).length],
    ]),
  );
  assert.deepEqual(sizes, { gsm8k: [400, 207, 193], math: [1000, 594, 406], olympiadbench: [1000, 661, 339], omnimath: [1000, 759, 241] });
});

test("F1 is the harmonic mean, 0 when both accuracies are 0, null for an empty group", () => {
  assert.equal(f1Of(0, 0), 0);
  assert.equal(f1Of(100, 0), 0);
  close(f1Of(50, 100), 66.66666666666667);
  assert.equal(f1Of(null, 50), null);
});

test("predicting -1 everywhere: acc_correct 100, acc_error 0, F1 0 on every subset; average 0", async () => {
  const r = await evaluatePredictions(
    files,
    writePredictions(() => -1),
  );
  for (const s of PROCESSBENCH_SUBSETS) {
    assert.equal(entryOf(r.metrics.subsets, s).accCorrect, 100, s);
    assert.equal(entryOf(r.metrics.subsets, s).accError, 0, s);
    assert.equal(entryOf(r.metrics.subsets, s).f1, 0, s);
  }
  assert.equal(r.metrics.averageF1, 0);
  assert.equal(r.metrics.missing, 0);
});

test("predicting the true label: 100 / 100 / 100, average 100, n per subset", async () => {
  const r = await evaluatePredictions(
    files,
    writePredictions((rec) => rec.label),
  );
  for (const s of PROCESSBENCH_SUBSETS)
    assert.deepEqual([entryOf(r.metrics.subsets, s).accError, entryOf(r.metrics.subsets, s).accCorrect, entryOf(r.metrics.subsets, s).f1], [100, 100, 100]);
  assert.deepEqual(
    PROCESSBENCH_SUBSETS.map((s) => entryOf(r.metrics.subsets, s).n),
    [400, 1000, 1000, 1000],
  );
  assert.equal(r.metrics.averageF1, 100);
});

test("true label for the first half only, the rest missing: error items come first in every file, so F1 is 0", async () => {
  // First halves: gsm8k 200 of 207 error items, 0 of 193 correct; math 500/594, 0/406;
  // olympiadbench 500/661, 0/339; omnimath 500/759, 0/241.
  const half = (s: string) => entryOf(records, s).length / 2;
  const positions = new Map(PROCESSBENCH_SUBSETS.flatMap((s) => entryOf(records, s).map((rec, i) => [rec.id, [s, i] as const])));
  const r = await evaluatePredictions(
    files,
    writePredictions((rec) => (positions.get(rec.id)![1] < half(positions.get(rec.id)![0]) ? rec.label : undefined)),
  );
  const m = r.metrics;
  close(entryOf(m.subsets, "gsm8k").accError, (100 * 200) / 207);
  close(entryOf(m.subsets, "math").accError, (100 * 500) / 594);
  close(entryOf(m.subsets, "olympiadbench").accError, (100 * 500) / 661);
  close(entryOf(m.subsets, "omnimath").accError, (100 * 500) / 759);
  for (const s of PROCESSBENCH_SUBSETS) {
    assert.equal(entryOf(m.subsets, s).accCorrect, 0);
    assert.equal(entryOf(m.subsets, s).f1, 0);
    assert.equal(entryOf(m.subsets, s).missing, half(s));
  }
  assert.equal(m.missing, 1700);
});

test("true label on even positions, no prediction on odd ones: hand-computed per subset and average", async () => {
  const file = writePredictions((rec, i) => (i % 2 === 0 ? rec.label : undefined));
  const r = await evaluatePredictions(files, file);
  // Hits among even positions (counted by hand from the files): error hits / n_error, correct hits / n_correct.
  const hand: Record<string, [number, number, number, number]> = {
    gsm8k: [104, 207, 96, 193],
    math: [299, 594, 201, 406],
    olympiadbench: [339, 661, 161, 339],
    omnimath: [385, 759, 115, 241],
  };
  let sum = 0;
  for (const s of PROCESSBENCH_SUBSETS) {
    const [he, ne, hc, nc] = entryOf(hand, s);
    const ae = (100 * he) / ne;
    const ac = (100 * hc) / nc;
    const f1 = (2 * ae * ac) / (ae + ac);
    sum += f1;
    close(entryOf(r.metrics.subsets, s).accError, ae, s);
    close(entryOf(r.metrics.subsets, s).accCorrect, ac, s);
    close(entryOf(r.metrics.subsets, s).f1, f1, s);
    assert.equal(entryOf(r.metrics.subsets, s).missing, entryOf(records, s).length / 2);
  }
  close(r.metrics.averageF1, sum / 4);
  close(r.metrics.averageF1, 49.60008742803975);
  assert.equal(r.metrics.missing, 1700);
  assert.equal(r.metrics.missingIds.length, 20);
});

test("a wrong index on an error item is a miss; a step index on a correct item is a miss", () => {
  const items = [
    { id: "a", subset: "x", label: 2 },
    { id: "b", subset: "x", label: 2 },
    { id: "c", subset: "x", label: -1 },
    { id: "d", subset: "x", label: -1 },
  ];
  const m = computeProcessBenchMetrics(
    items,
    new Map([
      ["a", 2],
      ["b", 3],
      ["c", -1],
      ["d", 0],
    ]),
  );
  assert.deepEqual([entryOf(m.subsets, "x").accError, entryOf(m.subsets, "x").accCorrect, entryOf(m.subsets, "x").f1], [50, 50, 50]);
});

test("missing ids count as wrong and are reported; unknown ids and bad lines are reported, not fatal", async () => {
  const drop = new Set(["gsm8k-0", "math-5", "omnimath-999"]);
  const file = writePredictions(
    (rec) => (drop.has(rec.id) ? undefined : rec.label),
    [
      JSON.stringify({ id: "not-a-real-id", prediction: 1 }),
      "{not json",
      JSON.stringify({ id: "gsm8k-1", prediction: 1.5 }),
      JSON.stringify({ prediction: 3 }),
    ],
  );
  const r = await evaluatePredictions(files, file);
  assert.equal(r.metrics.missing, 3);
  assert.deepEqual(new Set(r.metrics.missingIds), drop);
  assert.equal(r.unknown, 1);
  assert.deepEqual(r.unknownIds, ["not-a-real-id"]);
  const total = 3400;
  assert.deepEqual(
    r.problems.map((p) => p.line),
    [total - 3 + 2, total - 3 + 3, total - 3 + 4],
  );
  assert.match(itemAt(r.problems, 1, "the problem of the 1.5 prediction").message, /integer/);
  // gsm8k-0 has label != -1? Either way one gsm8k item is now wrong: F1 drops below 100.
  assert.ok(entryOf(r.metrics.subsets, "gsm8k").f1! < 100);
  assert.equal(entryOf(r.metrics.subsets, "gsm8k").missing, 1);
});

test("a torn last line in a predictions file is ignored and reported", async () => {
  const file = tmpFile("p.jsonl");
  fs.writeFileSync(file, JSON.stringify({ id: "gsm8k-0", prediction: -1 }) + "\n" + '{"id": "gsm8k-1", "predic');
  const r = await evaluatePredictions(processBenchFiles(path.join(DATA, "gsm8k.json")), file);
  assert.equal(r.tornLine, 2);
  assert.deepEqual(r.problems, []);
  assert.equal(entryOf(r.metrics.subsets, "gsm8k").n, 400);
  assert.equal(r.metrics.missing, 399);
});

test("--subset and --limit select items; a single file is its own subset", async () => {
  const file = writePredictions((rec) => rec.label);
  const r = await evaluatePredictions(processBenchFiles(DATA, ["math", "gsm8k"]), file, { limit: 10 });
  assert.deepEqual(Object.keys(r.metrics.subsets), ["gsm8k", "math"]);
  assert.equal(entryOf(r.metrics.subsets, "math").n, 10);
  // The first 10 items of each file all have errors; --limit samples both classes instead (math: 594
  // with an error, 406 without → 6 and 4), so with perfect predictions every metric is defined and 100.
  assert.deepEqual([entryOf(r.metrics.subsets, "math").nError, entryOf(r.metrics.subsets, "math").nCorrect], [6, 4]);
  assert.deepEqual([entryOf(r.metrics.subsets, "gsm8k").nError, entryOf(r.metrics.subsets, "gsm8k").nCorrect], [5, 5], "gsm8k: 207 / 193 → 5 and 5");
  assert.equal(entryOf(r.metrics.subsets, "math").f1, 100);
  assert.equal(r.metrics.averageF1, 100);
  assert.throws(() => processBenchFiles(DATA, ["nope"]), /no nope\.json/);
  assert.deepEqual(processBenchFiles(path.join(DATA, "omnimath.json")), [{ subset: "omnimath", file: path.join(DATA, "omnimath.json") }]);
});
