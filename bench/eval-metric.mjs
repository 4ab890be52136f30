#!/usr/bin/env node
// `steplens eval processbench --predictions` (metric only, no model) on all 3,400 ProcessBench items:
// wall time and peak RSS of the built CLI (dist/cli.js) as a child process, 5 runs, median time and
// the largest peak. For scale, in the same run: a bare `node -e ""` (Node's own start-up time and
// memory) and the CLI reading the same data with `segment --json` (the reader alone). The predictions
// file is generated (the true label for 60% of the items, -1 or a wrong index otherwise, a fixed
// pseudo-random choice) and the metric it prints is checked against the value computed here.
// Usage: node bench/eval-metric.mjs [--no-build]   Results: bench/results/eval-metric.json
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runMeasured } from "./peakRss.mjs";

const root = path.resolve(import.meta.dirname, "..");
const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));
// The real ProcessBench data ships in test/fixtures/processbench/; STEPLENS_PROCESSBENCH_DIR points at another copy.
const DATA = process.env.STEPLENS_PROCESSBENCH_DIR || path.join(root, "test/fixtures/processbench");
if (!fs.existsSync(path.join(DATA, "gsm8k.json"))) {
  console.error(`bench/eval-metric: ProcessBench data not found in ${DATA} (set STEPLENS_PROCESSBENCH_DIR)`);
  process.exit(1);
}
const SUBSETS = ["gsm8k", "math", "olympiadbench", "omnimath"];
if (!process.argv.includes("--no-build")) {
  const b = spawnSync(process.execPath, ["src/build/build.mjs"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const cli = path.join(root, "dist/cli.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-eval-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));

// Deterministic predictions and the metric they must give (computed here independently).
let state = 12345;
const rand = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
const lines = [];
const expected = {};
for (const s of SUBSETS) {
  const recs = JSON.parse(fs.readFileSync(path.join(DATA, `${s}.json`), "utf8"));
  let nE = 0,
    hE = 0,
    nC = 0,
    hC = 0;
  for (const r of recs) {
    const p = rand() < 0.6 ? r.label : r.label === -1 ? Math.floor(rand() * r.steps.length) : -1;
    lines.push(JSON.stringify({ id: r.id, prediction: p }));
    if (r.label === -1) {
      nC++;
      if (p === -1) hC++;
    } else {
      nE++;
      if (p === r.label) hE++;
    }
  }
  const ae = (100 * hE) / nE,
    ac = (100 * hC) / nC;
  expected[s] = { n: recs.length, accError: ae, accCorrect: ac, f1: ae + ac ? (2 * ae * ac) / (ae + ac) : 0 };
}
const expectedAvg = SUBSETS.reduce((a, s) => a + expected[s].f1, 0) / SUBSETS.length;
const predictions = path.join(tmp, "predictions.jsonl");
fs.writeFileSync(predictions, lines.join("\n") + "\n");

/** Runs the CLI with stdout captured: wall time and peak RSS (bench/peakRss.mjs). */
async function measure(argv) {
  const r = await runMeasured(argv, { stdout: "capture", pollMs: 20 });
  return { code: r.code, wallS: r.wallS, peakRssMb: r.peakRssMb, out: r.stdout, bytes: r.stdoutBytes, err: r.stderr };
}

async function series(name, argv, runs = 5) {
  const rs = [];
  for (let i = 0; i < runs; i++) {
    const r = await measure(argv);
    if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`);
    rs.push(r);
  }
  const times = rs.map((r) => r.wallS).sort((a, b) => a - b);
  return {
    runsS: rs.map((r) => +r.wallS.toFixed(3)),
    medianS: +times[Math.floor(times.length / 2)].toFixed(3),
    peakRssMb: +Math.max(...rs.map((r) => r.peakRssMb)).toFixed(1),
    last: rs[rs.length - 1],
  };
}

const node = await series("node -e", ["-e", ""]);
const metric = await series("eval --predictions", [cli, "eval", "processbench", "--data", DATA, "--predictions", predictions, "--json"]);
const reader = await series("segment (reader only)", [cli, "segment", path.join(DATA, "omnimath.json"), "--json"], 3);

const printed = JSON.parse(metric.last.out);
let maxDiff = Math.abs(printed.averageF1 - expectedAvg);
for (const s of SUBSETS) for (const k of ["n", "accError", "accCorrect", "f1"]) maxDiff = Math.max(maxDiff, Math.abs(printed.subsets[s][k] - expected[s][k]));
if (maxDiff > 1e-9) throw new Error(`metric mismatch (max difference ${maxDiff}): ${metric.last.out}`);

const result = {
  bench: "eval-metric",
  what: "steplens eval processbench --predictions (metric only) on all 3,400 ProcessBench items; child process, 5 runs",
  date: new Date().toISOString(),
  loadAverage1mStartEnd: [loadAtStart[0], +os.loadavg()[0].toFixed(2)],
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", node: process.version, totalMemGb: +(os.totalmem() / 2 ** 30).toFixed(1) },
  items: lines.length,
  predictionsBytes: fs.statSync(predictions).size,
  metric: { medianS: metric.medianS, runsS: metric.runsS, peakRssMb: metric.peakRssMb },
  nodeStartup: { medianS: node.medianS, peakRssMb: node.peakRssMb },
  metricOverStartup: { seconds: +(metric.medianS - node.medianS).toFixed(3), rssMb: +(metric.peakRssMb - node.peakRssMb).toFixed(1) },
  itemsPerS: Math.round(lines.length / metric.medianS),
  readerOnlyOmnimath: { medianS: reader.medianS, peakRssMb: reader.peakRssMb, items: 1000 },
  checked: { averageF1: printed.averageF1, expectedAverageF1: expectedAvg, maxDifference: maxDiff },
};
fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/results/eval-metric.json"), JSON.stringify(result, null, 2) + "\n");
console.log(
  `eval processbench --predictions, 3,400 items: median ${metric.medianS} s (node start-up alone ${node.medianS} s), peak RSS ${metric.peakRssMb} MB (bare node ${node.peakRssMb} MB); ${result.itemsPerS} items/s; average F1 ${printed.averageF1.toFixed(2)} checked`,
);
