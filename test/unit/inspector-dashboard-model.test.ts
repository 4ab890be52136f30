// The dataset dashboard's view model (src/inspector/dashboardModel.ts) on the REAL ProcessBench data
// (3,400 records): `steplens eval processbench --scorer prm --out DIR` runs with a scripted PRM, and
// the dashboard built the way the extension builds it (a DatasetIndex of one file holding all four
// subsets, plus DIR read back with readScoresFile) must give exactly the CLI's metrics at every
// threshold tried; plus histograms, confusion, record lists and the message validators.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createEvalCommand } from "../../src/cli/commands/eval";
import { DatasetIndex } from "../../src/datasets/datasetIndex";
import { DashboardModel, dashboardRecords, positionBin, subsetOfId, type DashboardRecord } from "../../src/inspector/dashboardModel";
import { readScoresFile } from "../../src/inspector/scoresFile";
import { isDashboardHostMessage, parseDashboardMessage, parseInspectorMessage, POSITION_BINS } from "../../src/inspector/protocol";
import { processBenchDir } from "../support/repo";
import { memoryIo } from "../support/cliIo";
import { fakeEngine } from "../support/fakeEngine";
import { labelLookup } from "../support/processBenchLabels";
import { processBenchMetricsByHand, sameMetric, type HandMetrics } from "../support/processBenchMetrics";
import { itemAt } from "../support/indexing";

const DATA = processBenchDir();
const SUBSETS = ["gsm8k", "math", "olympiadbench", "omnimath"];
type Rec = { id: string; label: number; problem: string; steps: string[] };
const records: Record<string, Rec[]> = Object.fromEntries(SUBSETS.map((s) => [s, JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8"))]));
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-dashboard-"));

/** The value under `key`, or the test fails naming the key and what is there. */
function entryOf<T>(map: Readonly<Record<string, T>>, key: string): T {
  const value = map[key];
  assert.ok(value !== undefined, `no '${key}' (have: ${Object.keys(map).join(", ")})`);
  return value;
}

/** Deterministic pseudo-random in [0, 1) from a string (FNV-1a). */
function unit(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

const labelOf = labelLookup(SUBSETS.flatMap((s) => entryOf(records, s)));

/** The noisy PRM's step scores: correct steps score high-ish, the first wrong one low-ish. */
function noisyScores(problem: string, steps: readonly string[]): number[] {
  const key = problem + steps.join("|");
  const label = labelOf(problem, steps);
  return steps.map((_, index) => {
    const u = unit(`${key}#${index}`);
    return label === -1 || index < label ? 0.35 + 0.65 * u : index === label ? 0.7 * u : u;
  });
}

/** The metrics by hand (test/support/processBenchMetrics.ts) from the data's labels and the scripted scores. */
function handMetrics(threshold: number): { subsets: Record<string, HandMetrics>; averageF1: number } {
  const subsets = Object.fromEntries(
    SUBSETS.map((s) => [
      s,
      processBenchMetricsByHand(
        entryOf(records, s).map((r) => ({ label: r.label, scores: noisyScores(r.problem, r.steps) })),
        threshold,
      ),
    ]),
  );
  return { subsets, averageF1: SUBSETS.reduce((a, s) => a + subsets[s]!.f1!, 0) / SUBSETS.length };
}

/** A PRM that knows the labels but is noisy (noisyScores): the shared scripted engine. */
const noisyPrm = () => fakeEngine({ stepScores: (req) => noisyScores(req.problem, req.steps) });

const out = path.join(tmp(), "run");
const cmd = createEvalCommand(async () => noisyPrm());
async function cliMetrics(
  threshold: number,
): Promise<{ subsets: Record<string, { n: number; accError: number; accCorrect: number; f1: number }>; averageF1: number }> {
  const io = memoryIo();
  const code = await cmd.run(
    ["processbench", "--data", DATA, "--scorer", "prm", "--model", "noisy.gguf", "--threshold", String(threshold), "--out", out, "--json"],
    io,
  );
  assert.equal(code, 0, io.err());
  return JSON.parse(io.out());
}

/** One JSONL file holding all 3,400 records (the dashboard's "ProcessBench set"), indexed like the tree does. */
async function dashboardModel(): Promise<DashboardModel> {
  const file = path.join(tmp(), "processbench-all.jsonl");
  fs.writeFileSync(file, SUBSETS.flatMap((s) => entryOf(records, s).map((r) => JSON.stringify(r))).join("\n") + "\n");
  const index = await DatasetIndex.build(file);
  assert.equal(index.size, 3400);
  const scores = await readScoresFile(out);
  assert.equal(scores.scores.size, 3400);
  assert.equal(scores.file, path.join(out, "raw.jsonl"), "a run folder is read as its raw.jsonl");
  // The same join the editor's dashboard makes (src/inspector/dashboardModel.ts).
  const { records: recs } = dashboardRecords(index, scores, "all");
  return new DashboardModel({ file, title: "processbench-all.jsonl", format: index.detected.format, records: recs, settingsThreshold: 0.5 });
}

test("F1 at a threshold equals `steplens eval processbench`'s on the real data (per subset and the average), at several thresholds", async () => {
  await cliMetrics(0.5); // scores all 3,400 items once (later runs resume)
  const model = await dashboardModel();
  for (const t of [0.5, 0.3, 0.62]) {
    const cli = await cliMetrics(t);
    const view = model.view(t);
    // Both against the metric computed by hand from the labels, and against each other.
    const hand = handMetrics(t);
    assert.deepEqual(
      view.subsets.map((s) => s.subset),
      SUBSETS,
    );
    for (const s of view.subsets) {
      const c = entryOf(cli.subsets, s.subset);
      const h = hand.subsets[s.subset]!;
      assert.equal(s.n, h.n);
      assert.equal(c.n, h.n);
      for (const k of ["accError", "accCorrect", "f1"] as const) {
        assert.ok(sameMetric(c[k], h[k]), `CLI ${s.subset} ${k} at ${t}: ${c[k]} ≠ ${h[k]} by hand`);
        assert.ok(sameMetric(s[k], h[k]), `dashboard ${s.subset} ${k} at ${t}: ${s[k]} ≠ ${h[k]} by hand`);
      }
    }
    assert.ok(Math.abs(cli.averageF1 - hand.averageF1) < 1e-9, `CLI average F1 at ${t}: ${cli.averageF1} ≠ ${hand.averageF1} by hand`);
    assert.ok(Math.abs(view.averageF1! - hand.averageF1) < 1e-9, `dashboard average F1 at ${t}: ${view.averageF1} ≠ ${hand.averageF1} by hand`);
    assert.ok(view.averageF1! > 5 && view.averageF1! < 95, `a non-trivial F1 (${view.averageF1})`);
    assert.equal(view.missing, 0);
  }
});

test("histograms, confusion and record lists add up", async () => {
  const model = await dashboardModel();
  const s = model.summary(0.5);
  assert.equal(s.records, 3400);
  assert.equal(s.labelled, 3400);
  assert.equal(s.scored, 3400);
  const correct = s.scoreHistogram.correct.reduce((a, b) => a + b, 0);
  const erroneous = s.scoreHistogram.erroneous.reduce((a, b) => a + b, 0);
  assert.equal(correct, 193 + 406 + 339 + 241, "all-correct traces");
  assert.equal(erroneous, 207 + 594 + 661 + 759, "erroneous traces");
  // All-correct traces score higher at their lowest step than erroneous ones (by construction of the PRM).
  const mean = (h: number[]) => h.reduce((a, v, i) => a + v * i, 0) / h.reduce((a, b) => a + b, 0);
  assert.ok(mean(s.scoreHistogram.correct) > mean(s.scoreHistogram.erroneous));
  const v = s.view;
  assert.equal(v.positions.label.length, POSITION_BINS.length);
  assert.equal(v.positions.label[0], correct, "the 'none' bin of the labels holds the all-correct traces");
  assert.equal(
    v.positions.prediction.reduce((a, b) => a + b, 0),
    3400,
  );
  assert.equal(
    v.confusion.flat().reduce((a, b) => a + b, 0),
    v.compared,
  );
  const diagonal = v.confusion.reduce((a, row, i) => a + itemAt(row, i, `confusion cell (${i}, ${i})`), 0);
  assert.ok(diagonal >= v.agree, "exact agreements lie on the diagonal (late bins merge positions)");
  // Clicking a confusion cell lists exactly its records.
  const sel = model.select({ kind: "confusion", label: positionBin(-1), prediction: positionBin(0) }, 0.5);
  assert.equal(sel.total, v.confusion[0]?.[1]);
  assert.ok(sel.rows.every((r) => r.label === -1 && r.prediction === 0));
  assert.match(sel.title, /Labelled no error, predicted step 1/);
  const bar = model.select({ kind: "score", group: "erroneous", bin: 3 }, 0.5, 10);
  assert.equal(bar.total, s.scoreHistogram.erroneous[3]);
  assert.ok(bar.rows.length <= 10 && bar.rows.every((r) => r.label !== null && r.label >= 0 && r.minScore! >= 0.15 && r.minScore! < 0.2));
  // The time a slider move's recomputation takes is measured in bench/dashboardBench.ts.
  // The summary is compact: kilobytes, not the records.
  assert.ok(JSON.stringify(s).length < 20_000, `summary is ${JSON.stringify(s).length} bytes`);
});

test("fixed predictions (no scores) do not move with the threshold; unlabelled records are not in the metric", () => {
  const recs: DashboardRecord[] = [
    { record: 0, id: "gsm8k-0", subset: "gsm8k", label: 1, scores: null, prediction: 1 },
    { record: 1, id: "gsm8k-1", subset: "gsm8k", label: -1, scores: null, prediction: 0 },
    { record: 2, id: "x", subset: "gsm8k", label: null, scores: [0.1], prediction: null },
    { record: 3, id: "gsm8k-3", subset: "gsm8k", label: -1, scores: null, prediction: null },
  ];
  const m = new DashboardModel({ file: "f", title: "f", format: "processbench", records: recs, settingsThreshold: 0.5 });
  for (const t of [0, 0.5, 1]) {
    const v = m.view(t);
    assert.equal(v.subsets[0]?.n, 3);
    assert.equal(v.subsets[0]?.accError, 100);
    assert.equal(v.subsets[0]?.accCorrect, 0);
    assert.equal(v.missing, 1, "a labelled record without a prediction counts as wrong, as in steplens eval");
  }
  assert.equal(m.predictionAt(2, 0.05), -1);
  assert.equal(m.predictionAt(2, 0.5), 0);
  assert.equal(subsetOfId("olympiadbench-12", "x"), "olympiadbench");
  assert.equal(subsetOfId("problem-12", "mine"), "mine");
});

test("messages from the webviews are validated: bad types, out-of-range values and stray fields are refused", () => {
  assert.deepEqual(parseDashboardMessage({ type: "threshold", value: 0.42 }), { type: "threshold", value: 0.42 });
  for (const bad of [
    null,
    "x",
    [],
    { type: "threshold", value: 2 },
    { type: "threshold", value: "0.4" },
    { type: "threshold", value: Number.NaN },
    { type: "openRecord", record: -1 },
    { type: "openRecord", record: 1.5 },
    { type: "select", selection: { kind: "confusion", label: 99, prediction: 0 } },
    { type: "select", selection: { kind: "score", group: "all", bin: 1 } },
    { type: "eval", code: "alert(1)" },
  ])
    assert.equal(parseDashboardMessage(bad), null, JSON.stringify(bad));
  assert.deepEqual(
    parseDashboardMessage({ type: "select", selection: { kind: "position", series: "label", bin: 3, extra: "<script>" } }),
    { type: "select", selection: { kind: "position", series: "label", bin: 3 } },
    "only known fields pass",
  );
  assert.deepEqual(parseInspectorMessage({ type: "label", step: 2, label: "first-error" }), { type: "label", step: 2, label: "first-error" });
  assert.equal(parseInspectorMessage({ type: "label", step: 2, label: "wrong" }), null);
  assert.equal(parseInspectorMessage({ type: "run", action: "rm -rf" }), null);
  assert.deepEqual(parseInspectorMessage({ type: "run", action: "progress" }), { type: "run", action: "progress" });
  assert.equal(isDashboardHostMessage({ type: "view", view: { threshold: 0.5 } }), false);
  assert.equal(isDashboardHostMessage({ type: "records", selection: { kind: "score", group: "correct", bin: 0 }, title: "t", rows: [], total: 0 }), true);
});
