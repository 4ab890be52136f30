// The ProcessBench runner on the real data with a scripted engine (scores / critic answers derived
// from each item, so results are known): resume after an interruption without redoing finished items
// (engine calls counted), torn last lines, refused resumes with other settings, failures retried,
// threshold tuning on gsm8k, and the critic's boxed majority vote.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CancelledError } from "../../src/core/errors";
import type { GenerateRequest, ScoreRequest } from "../../src/engines/engine";
import { processBenchFiles } from "../../src/eval/processbenchData";
import { runProcessBench } from "../../src/eval/processbenchRunner";
import { criticScorer, prmScorer } from "../../src/eval/scorers";
import { readPredictions } from "../../src/eval/predictions";
import { tuneThreshold, firstBelow, thresholdCandidates, evaluateThreshold } from "../../src/eval/thresholdTuning";
import { processBenchDir } from "../support/repo";
import { fakeEngine, type FakeEngine } from "../support/fakeEngine";
import { labelLookup } from "../support/processBenchLabels";
import { itemAt } from "../support/indexing";

const DATA = processBenchDir();
type Rec = { id: string; problem: string; steps: string[]; label: number };
const data: Rec[] = ["gsm8k", "math"].flatMap((s) => JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8")) as Rec[]);
/** The data's label of a trace (the scripted engines answer by it). */
const labelOf = labelLookup(data);
/** The ProcessBench label of each record by its id (the data's own answer, not the runner's). */
const labelById = new Map(data.map((r) => [r.id, r.label]));

/** Scores that put the first error exactly at the label (0.2 there, 0.9 before, 0.6 after); a perfect PRM at 0.5. */
function scoresFor(req: ScoreRequest): number[] {
  const label = labelOf(req.problem, req.steps);
  return req.steps.map((_, i) => (label === -1 || i < label ? 0.9 : i === label ? 0.2 : 0.6));
}

/** The shared scripted engine (test/support/fakeEngine.ts) as a PRM that knows the labels, or a critic. */
function scriptedEngine(hooks: { onScore?: (n: number, req: ScoreRequest) => void; generate?: (req: GenerateRequest) => string[] } = {}): FakeEngine {
  return fakeEngine({
    stepScores: (req, n) => {
      hooks.onScore?.(n, req);
      return scoresFor(req);
    },
    generations: hooks.generate,
  });
}

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), "steplens-runner-"));
const lines = (file: string) => fs.readFileSync(file, "utf8").split("\n").filter(Boolean);

test("resume: interrupted after 7 items, the rerun computes only the other 13 (engine calls counted)", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k"]);
  const ac = new AbortController();
  const first = scriptedEngine({ onScore: (n) => n === 7 && ac.abort() });
  await assert.rejects(runProcessBench({ files, limit: 20, outDir: out, scorer: prmScorer(first, "m"), signal: ac.signal }), CancelledError);
  assert.equal(first.count("scoreSteps"), 7);
  // The 7th item was abandoned when the signal fired: 6 finished lines, nothing half-written.
  assert.equal(lines(path.join(out, "raw.jsonl")).length, 6);

  const second = scriptedEngine();
  const progress: number[] = [];
  const r = await runProcessBench({ files, limit: 20, outDir: out, scorer: prmScorer(second, "m"), onProgress: (p) => progress.push(p.done) });
  assert.equal(second.count("scoreSteps"), 14);
  assert.deepEqual([r.computed, r.resumed], [14, 6]);
  assert.equal(progress[0], 6);
  assert.equal(progress[progress.length - 1], 20);
  const raw = lines(path.join(out, "raw.jsonl")).map((l) => JSON.parse(l));
  assert.equal(new Set(raw.map((x) => x.id)).size, 20);
  const preds = await readPredictions(r.predictionsFile);
  assert.equal(preds.predictions.size, 20);
  // The scripted PRM is perfect at threshold 0.5: every prediction is the record's label in the data.
  for (const [id, p] of preds.predictions) assert.equal(p, labelById.get(id), `prediction of ${id}`);
  assert.equal(r.metrics.subsets.gsm8k?.accError, 100);

  // A third run does nothing at all.
  const third = scriptedEngine();
  const again = await runProcessBench({ files, limit: 20, outDir: out, scorer: prmScorer(third, "m") });
  assert.equal(third.count("scoreSteps"), 0);
  assert.deepEqual(again.metrics, r.metrics);
  assert.ok(fs.existsSync(path.join(out, "metrics.json")));
});

test("--concurrency 4: every item is scored exactly once and the metric matches a sequential run", async () => {
  const files = processBenchFiles(DATA, ["gsm8k"]);
  const slow = scriptedEngine();
  const seen: string[] = [];
  const original = slow.scoreSteps.bind(slow);
  slow.scoreSteps = async (req, opts) => {
    seen.push(req.problem);
    await new Promise((r) => setTimeout(r, (seen.length * 7) % 5));
    return original(req, opts);
  };
  const par = await runProcessBench({ files, limit: 40, outDir: tmpDir(), scorer: prmScorer(slow, "m"), concurrency: 4 });
  const seq = await runProcessBench({ files, limit: 40, outDir: tmpDir(), scorer: prmScorer(scriptedEngine(), "m") });
  assert.equal(slow.count("scoreSteps"), 40);
  const ids = fs
    .readFileSync(path.join(path.dirname(par.predictionsFile), "raw.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l).id);
  assert.equal(new Set(ids).size, 40, "every item once");
  assert.deepEqual(par.metrics, seq.metrics);
  assert.deepEqual(fs.readFileSync(par.predictionsFile, "utf8"), fs.readFileSync(seq.predictionsFile, "utf8"));
});

test("a torn last line is cut off and only that item is recomputed", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k"]);
  await runProcessBench({ files, limit: 5, outDir: out, scorer: prmScorer(scriptedEngine(), "m") });
  const raw = path.join(out, "raw.jsonl");
  const text = fs.readFileSync(raw, "utf8");
  const kept = text.split("\n").filter(Boolean).slice(0, 3).join("\n") + "\n";
  fs.writeFileSync(raw, kept + itemAt(text.split("\n"), 3, "item 4's line").slice(0, 25)); // item 4's line torn mid-write, item 5's gone
  const e = scriptedEngine();
  const r = await runProcessBench({ files, limit: 5, outDir: out, scorer: prmScorer(e, "m") });
  assert.equal(e.count("scoreSteps"), 2);
  assert.ok(r.tornBytes > 0);
  assert.equal(lines(raw).length, 5);
  lines(raw).forEach((l) => JSON.parse(l));
});

test("resuming with other settings is refused, naming run.json", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k"]);
  await runProcessBench({ files, limit: 2, outDir: out, scorer: prmScorer(scriptedEngine(), "model-a") });
  await assert.rejects(
    runProcessBench({ files, limit: 2, outDir: out, scorer: prmScorer(scriptedEngine(), "model-b") }),
    (e: Error & { details?: { file?: string } }) => /other settings/.test(e.message) && e.details?.file === path.join(out, "run.json"),
  );
});

test("a failing item is reported, counted as no prediction, and retried by the next run", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k"]);
  const flaky = scriptedEngine({
    onScore: (n) => {
      if (n === 3) throw new Error("context too small for this trace");
    },
  });
  const r = await runProcessBench({ files, limit: 6, outDir: out, scorer: prmScorer(flaky, "m") });
  assert.equal(r.failures.length, 1);
  assert.match(itemAt(r.failures, 0, "the failed item").message, /context too small/);
  assert.equal(r.metrics.missing, 1);
  const retry = scriptedEngine();
  const r2 = await runProcessBench({ files, limit: 6, outDir: out, scorer: prmScorer(retry, "m") });
  assert.equal(retry.count("scoreSteps"), 1);
  assert.equal(r2.metrics.missing, 0);
});

test("--tune-threshold gsm8k picks the F1-best threshold there and applies it to math", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k", "math"]);
  const r = await runProcessBench({ files, outDir: out, scorer: prmScorer(scriptedEngine(), "m"), tuneOn: "gsm8k" });
  // Scores are 0.2 / 0.6 / 0.9: candidates 0.2-ε, 0.4, 0.75, 0.9+ε; only 0.4 separates errors (0.2) from the rest.
  assert.equal(r.threshold?.tunedOn, "gsm8k");
  assert.ok(Math.abs(r.threshold!.value - 0.4) < 1e-12, String(r.threshold!.value));
  assert.equal(r.threshold!.tuning!.candidates, 4);
  assert.equal(r.threshold!.tuning!.f1, 100);
  assert.deepEqual([r.metrics.subsets.math?.accError, r.metrics.subsets.math?.accCorrect, r.metrics.averageF1], [100, 100, 100]);
  // --limit 1 leaves gsm8k with one class only: tuning is refused with the reason.
  await assert.rejects(
    runProcessBench({ files, limit: 1, outDir: tmpDir(), scorer: prmScorer(scriptedEngine(), "m"), tuneOn: "gsm8k" }),
    /needs gsm8k items both with and without an error/,
  );
});

test("threshold tuning by hand: candidates, prediction rule, ties to the lowest threshold", () => {
  assert.equal(firstBelow([0.9, 0.4, 0.1], 0.5), 1);
  assert.equal(firstBelow([0.9, 0.8], 0.5), -1);
  const items = [
    { label: -1, scores: [0.9, 0.7] },
    { label: 1, scores: [0.8, 0.3] },
    { label: 0, scores: [0.6, 0.9] },
    { label: -1, scores: [0.65, 0.95] },
  ];
  // Distinct scores 0.3 0.6 0.65 0.7 0.8 0.9 0.95 → 8 candidates.
  assert.equal(thresholdCandidates(items).length, 8);
  // T = 0.625 (between 0.6 and 0.65): preds -1, 1, 0, -1 → all right → F1 100.
  assert.deepEqual(evaluateThreshold(items, 0.625), { accError: 100, accCorrect: 100, f1: 100 });
  const best = tuneThreshold(items);
  assert.equal(best.f1, 100);
  assert.ok(Math.abs(best.threshold - 0.625) < 1e-12);
  // With T = 0.45 (between 0.3 and 0.6): preds -1, 1, -1, -1 → acc_error 50, acc_correct 100.
  const m = evaluateThreshold(items, 0.45);
  assert.deepEqual([m.accError, m.accCorrect], [50, 100]);
});

test("critic scorer: ProcessBench's template, K samples in one call, the boxed majority is the prediction", async () => {
  const out = tmpDir();
  const files = processBenchFiles(DATA, ["gsm8k"]);
  const engine = scriptedEngine({
    generate: (req) => {
      const prompt = JSON.stringify(req.prompt);
      assert.ok(prompt.includes("<paragraph_0>"));
      // Recover the item's label from its paragraphs (same lookup as the PRM script).
      const steps: string[] = [];
      for (let i = 0; ; i++) {
        const m = new RegExp(`<paragraph_${i}>\\\\n([\\s\\S]*?)\\\\n</paragraph_${i}>`).exec(prompt);
        if (!m) break;
        steps.push(JSON.parse(`"${m[1]}"`));
      }
      const problem = JSON.parse(`"${/\[Math Problem\]\\n\\n([\s\S]*?)\\n\\n\[Solution\]/.exec(prompt)![1]}"`);
      const label = labelOf(problem, steps);
      const wrong = label === -1 ? 0 : -1;
      // 3 samples: two give the label, one a wrong index → the majority is the label.
      return [`review \\boxed{${label}}`, `\\boxed{${wrong}}`, `\\boxed{${label}}`];
    },
  });
  const r = await runProcessBench({ files, limit: 8, outDir: out, scorer: criticScorer(engine, { samples: 3, model: "m" }) });
  assert.equal(engine.count("generate"), 8);
  assert.equal(r.metrics.subsets.gsm8k?.accError, 100);
  const raw = lines(path.join(out, "raw.jsonl")).map((l) => JSON.parse(l));
  assert.ok(raw.every((x) => x.valid === 3 && x.malformed === 0));
});
