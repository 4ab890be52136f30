#!/usr/bin/env node
// Adversarial inputs stay linear: the timings the unit tests used to assert as wall-clock bounds
// (test/unit/text-final-answer, text-edge, core-line-index), measured here as ratios within one run.
// Each case is timed at size n and 4n; linear work gives a per-unit ratio near 1, quadratic ~4.
// Sizes are interleaved over rounds, each batch does about the same work and starts after a full GC,
// and the fastest batch per size counts (the least disturbed on a shared machine); CPU time is given
// next to wall time. Usage: node bench/adversarial-scaling.mjs [--quick]
// Results: bench/results/adversarial-scaling.json. Exits 1 when a case's per-unit ratio exceeds 3 (as bench/segment-scaling.mjs).
import esbuild from "esbuild";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
const quick = process.argv.includes("--quick");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-"));
const entry = path.join(tmp, "entry.ts");
fs.writeFileSync(
  entry,
  [
    `export { segmentText } from ${JSON.stringify(path.join(root, "src/formats/text.ts"))};`,
    `export { findFinalAnswer } from ${JSON.stringify(path.join(root, "src/core/finalAnswer.ts"))};`,
    `export { LineIndex } from ${JSON.stringify(path.join(root, "src/core/lineIndex.ts"))};`,
  ].join("\n"),
);
const bundle = path.join(tmp, "bundle.mjs");
await esbuild.build({ entryPoints: [entry], outfile: bundle, bundle: true, platform: "node", format: "esm", target: "node20", logLevel: "error" });
const { segmentText, findFinalAnswer, LineIndex } = await import(pathToFileURL(bundle).href);
fs.rmSync(tmp, { recursive: true, force: true });

/** Each case: make(n) builds the input, run(input) does the work, check(input, result) its answer. */
const CASES = {
  "findFinalAnswer: unclosed boxes + answer-looking lines": {
    n: 12_500,
    make: (n) => "\\boxed{".repeat(n) + "x" + "\nAnswer is not a label".repeat(n),
    run: (text) => findFinalAnswer(text),
    check: (_, r) => r === null,
  },
  "segmentText: a long whitespace run": {
    n: 50_000,
    make: (n) => "x" + " ".repeat(n) + "y\n\n",
    run: (text) => segmentText(text),
    check: (_, r) => r.steps.length === 1,
  },
  "segmentText: many $$ paragraphs": {
    n: 5_000,
    make: (n) => "$$ a\n\n".repeat(2 * n + 1),
    run: (text) => segmentText(text),
    check: (text, r) => r.steps.length === (text.length / 6 + 1) / 2,
  },
  "segmentText: many unclosed environments": {
    n: 5_000,
    make: (n) => "\\begin{x}\n\n".repeat(n),
    run: (text) => segmentText(text),
    check: (_, r) => r.steps.length === 9,
  },
  "LineIndex.positionAt: a lookup every 7 characters": {
    n: 50_000,
    make: (n) => {
      const text = "x\n".repeat(n);
      return { text, index: new LineIndex(text) };
    },
    run: ({ text, index }) => {
      let sum = 0;
      for (let o = 0; o < text.length; o += 7) sum += index.positionAt(o).line;
      return sum;
    },
    check: ({ text }, sum) => sum === Array.from({ length: Math.ceil(text.length / 7) }, (_, i) => Math.floor((i * 7) / 2)).reduce((a, b) => a + b, 0),
  },
};
const FACTOR = 4;
const ROUNDS = quick ? 3 : 5;
/** Units of work per timed batch (runs = batch / n), so small and large sizes do the same work. */
const BATCH_UNITS = quick ? 100_000 : 400_000;
const MAX_RATIO = 3;
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

function batch(c, input, n) {
  const runs = Math.max(1, Math.round(BATCH_UNITS / n));
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < runs; r++) c.run(input);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  return { wall: wallUs / (runs * n), cpu: (cpu.user + cpu.system) / (runs * n) };
}

const results = {
  benchmark: "adversarial-scaling",
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "?",
  loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  date: new Date().toISOString(),
  method: `sizes n and ${FACTOR}n interleaved over ${ROUNDS} rounds; each batch about ${BATCH_UNITS} units after a full GC; fastest batch per size; ratio = per-unit time at ${FACTOR}n / at n (linear ≈ 1, quadratic ≈ ${FACTOR})`,
  cases: {},
};
let failed = false;
for (const [name, c] of Object.entries(CASES)) {
  const sizes = [c.n, FACTOR * c.n];
  const inputs = sizes.map((n) => c.make(n));
  for (const input of inputs) if (!c.check(input, c.run(input))) throw new Error(`${name}: wrong result`); // and warm-up
  const samples = sizes.map(() => []);
  for (let r = 0; r < ROUNDS; r++) sizes.forEach((n, i) => samples[i].push(batch(c, inputs[i], n)));
  const best = samples.map((s) => ({ wall: Math.min(...s.map((x) => x.wall)), cpu: Math.min(...s.map((x) => x.cpu)) }));
  const ratio = { wall: +(best[1].wall / best[0].wall).toFixed(2), cpu: +(best[1].cpu / best[0].cpu).toFixed(2) };
  results.cases[name] = { sizes, usPerUnit: best.map((b) => +b.wall.toFixed(4)), cpuUsPerUnit: best.map((b) => +b.cpu.toFixed(4)), ratio };
  const bad = Math.min(ratio.wall, ratio.cpu) > MAX_RATIO;
  failed ||= bad;
  console.log(`${bad ? "✗" : "✓"} ${name}: per-unit ratio ${FACTOR}n/n wall ${ratio.wall}, CPU ${ratio.cpu}`);
}
results.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
if (!quick) {
  const out = path.join(root, "bench/results/adversarial-scaling.json");
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`wrote ${path.relative(root, out)}`);
}
if (failed) {
  console.error(`adversarial-scaling: a per-unit ratio above ${MAX_RATIO}: not linear`);
  process.exit(1);
}
