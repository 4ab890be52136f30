// The dataset dashboard's test set: the real ProcessBench (all four subsets, 3,400 records) in ONE
// JSONL file, plus what `steplens eval processbench --scorer prm --out DIR` leaves for it (run.json
// and raw.jsonl with step scores). The scores are synthetic and deterministic (a noisy PRM that knows
// the labels: correct steps 0.35–1, the first wrong step 0–0.7, later steps 0–1), and the metric
// they give at a threshold is computed here independently of StepLens, for the tests to compare.
// Used by test/e2e/inspector.e2e.mjs and bench/dashboard.mjs.
// Usage as a script: node bench/dashboard-fixture.mjs <out-dir>
import fs from "node:fs";
import path from "node:path";

export const SUBSETS = ["gsm8k", "math", "olympiadbench", "omnimath"];

export function processBenchDir(root) {
  const dir = process.env.STEPLENS_PROCESSBENCH_DIR || path.join(root, "test/fixtures/processbench");
  if (!SUBSETS.every((s) => fs.existsSync(path.join(dir, `${s}.json`)))) throw new Error(`ProcessBench is missing from ${dir}`);
  return dir;
}

/** Deterministic pseudo-random in [0, 1) from a string (FNV-1a). */
function unit(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 2 ** 32;
}

export function syntheticScores(r) {
  const key = r.problem + r.steps.join("|");
  return r.steps.map((_, i) => {
    const u = unit(`${key}#${i}`);
    return r.label === -1 || i < r.label ? 0.35 + 0.65 * u : i === r.label ? 0.7 * u : u;
  });
}

/** ProcessBench's metric (percentages; average = unweighted mean of subset F1s), written out here on its own. */
export function expectedMetrics(items, threshold) {
  const per = {};
  for (const it of items) {
    const g = (per[it.subset] ??= { nE: 0, hE: 0, nC: 0, hC: 0 });
    let p = -1;
    for (let i = 0; i < it.scores.length; i++)
      if (it.scores[i] < threshold) {
        p = i;
        break;
      }
    if (it.label === -1) {
      g.nC++;
      if (p === -1) g.hC++;
    } else {
      g.nE++;
      if (p === it.label) g.hE++;
    }
  }
  const subsets = {};
  for (const [s, g] of Object.entries(per)) {
    const accError = (100 * g.hE) / g.nE;
    const accCorrect = (100 * g.hC) / g.nC;
    subsets[s] = { accError, accCorrect, f1: accError + accCorrect === 0 ? 0 : (2 * accError * accCorrect) / (accError + accCorrect) };
  }
  const f1s = Object.values(subsets).map((x) => x.f1);
  return { subsets, averageF1: f1s.reduce((a, b) => a + b, 0) / f1s.length };
}

/** Writes <dir>/processbench-3400.jsonl and <dir>/steplens-eval-prm/{run.json,raw.jsonl}; returns paths and the items. */
export function writeDashboardFixture(root, dir) {
  const data = processBenchDir(root);
  fs.mkdirSync(path.join(dir, "steplens-eval-prm"), { recursive: true });
  const lines = [];
  const raw = [];
  const items = [];
  for (const subset of SUBSETS) {
    for (const r of JSON.parse(fs.readFileSync(path.join(data, `${subset}.json`), "utf8"))) {
      const scores = syntheticScores(r);
      lines.push(JSON.stringify(r));
      raw.push(JSON.stringify({ id: r.id, subset, scores }));
      items.push({ id: r.id, subset, label: r.label, scores });
    }
  }
  const dataset = path.join(dir, "processbench-3400.jsonl");
  fs.writeFileSync(dataset, lines.join("\n") + "\n");
  const out = path.join(dir, "steplens-eval-prm");
  fs.writeFileSync(
    path.join(out, "run.json"),
    JSON.stringify({ config: { scorer: "prm", model: "synthetic-noisy-prm" }, created: new Date(0).toISOString() }, null, 2) + "\n",
  );
  fs.writeFileSync(path.join(out, "raw.jsonl"), raw.join("\n") + "\n");
  return { dataset, out, items };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error("usage: node bench/dashboard-fixture.mjs <out-dir>");
    process.exit(2);
  }
  const { dataset, out, items } = writeDashboardFixture(path.resolve(import.meta.dirname, ".."), path.resolve(dir));
  console.log(`${dataset} (${items.length} records)\n${out}/raw.jsonl\naverage F1 at 0.5: ${expectedMetrics(items, 0.5).averageF1.toFixed(4)}`);
}
