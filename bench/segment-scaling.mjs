#!/usr/bin/env node
// Segmentation scales linearly: times segmentText on generated traces of 1k, 10k and 100k steps in
// three styles ("Step k:" markers, a numbered list, blank-line paragraphs), all with inline and
// display math, and prints the time per step and the ratio of the 100k to the 1k per-step time
// (1.0 = perfectly linear; a quadratic segmenter would give ~100). Ratios are taken within this one
// run, because the machine is noisy: sizes are interleaved, and each size is timed in batches of
// equal work (see `method` in the results). Builds its own bundle of src/formats/text.ts with esbuild.
// Usage: node bench/segment-scaling.mjs [--quick]   Results: bench/results/segment-scaling.json
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
const bundle = path.join(tmp, "text.mjs");
await esbuild.build({
  entryPoints: [path.join(root, "src/formats/text.ts")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "error",
});
const { segmentText } = await import(pathToFileURL(bundle).href);
fs.rmSync(tmp, { recursive: true, force: true });

/** The body of step k: a sentence with inline math, every 7th step a display-math block. */
function body(k) {
  const s = `We compute $a_{${k}} = a_{${k - 1}} + ${k % 13}$, so the running total is ${k * 3} (units).`;
  return k % 7 === 0 ? `${s}\n$$\n\\sum_{i=1}^{${k}} i = \\frac{${k}(${k}+1)}{2}\n$$` : s;
}

const STYLES = {
  markers: (n) => {
    const parts = ["Problem: Compute the running totals of the sequence below.", ""];
    for (let k = 1; k <= n; k++) parts.push(`Step ${k}: ${body(k)}`, "");
    parts.push(`Final Answer: \\boxed{${n * 3}}`);
    return parts.join("\n");
  },
  numbered: (n) => {
    const parts = ["Problem: Compute the running totals of the sequence below.", "", "Solution:"];
    for (let k = 1; k <= n; k++) parts.push(`${k}. ${body(k).replace(/\n/g, "\n   ")}`);
    parts.push("", `Answer: ${n * 3}`);
    return parts.join("\n");
  },
  paragraphs: (n) => {
    const parts = ["# Problem", "", "Compute the running totals of the sequence below.", "", "# Solution", ""];
    for (let k = 1; k <= n; k++) parts.push(body(k), "");
    parts.push(`So the total is $\\boxed{${n * 3}}$.`);
    return parts.join("\r\n"); // CRLF, to time the other line ending too
  },
};
const SIZES = quick ? [1000, 10000] : [1000, 10000, 100000];
/** Each timed batch segments about the same number of steps whatever the size (1k steps x 100 runs, …). */
const BATCH_STEPS = quick ? 20000 : 100000;
const runsPerBatch = (n) => Math.max(1, Math.round(BATCH_STEPS / n));
/** Rounds: every round times one batch of every size, so bursts of load hit all sizes alike. */
const ROUNDS = quick ? 3 : 5;
// A full collection before each batch: no batch pays for the garbage of the one before it, and
// every batch pays for its own (a lone small run would finish before any collection happened).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc");

function check(trace, expected) {
  if (trace.steps.length !== expected) throw new Error(`expected ${expected} steps, got ${trace.steps.length}`);
  if (trace.finalAnswer === null) throw new Error("no final answer found");
}

/** Per-step wall and CPU (user + system of this process) microseconds over one batch. */
function batch(text, n, expected) {
  const runs = runsPerBatch(n);
  gc();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let trace;
  for (let r = 0; r < runs; r++) trace = segmentText(text);
  const wallUs = Number(process.hrtime.bigint() - t0) / 1e3;
  const cpu = process.cpuUsage(cpu0);
  check(trace, expected);
  return { wall: wallUs / (runs * n), cpu: (cpu.user + cpu.system) / (runs * n) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {
  benchmark: "segment-scaling",
  node: process.version,
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model ?? "?",
  loadAverageAtStart: os.loadavg().map((x) => +x.toFixed(2)),
  date: new Date().toISOString(),
  method:
    `${ROUNDS} interleaved rounds; each round times one batch per size of about ${BATCH_STEPS} steps ` +
    "(runs = batch/size), after a full GC; per size the fastest batch is used (the least disturbed by " +
    "other processes on this shared machine); CPU time (user+system) is given next to wall time",
  styles: {},
};

for (const [style, make] of Object.entries(STYLES)) {
  const texts = Object.fromEntries(SIZES.map((n) => [n, make(n)]));
  const expected = (n) => (style === "paragraphs" ? n + 1 : n); // the closing "So the total…" paragraph is a step
  for (const n of SIZES) check(segmentText(texts[n]), expected(n)); // warm-up (JIT) for every size
  const samples = Object.fromEntries(SIZES.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) for (const n of SIZES) samples[n].push(batch(texts[n], n, expected(n)));
  const rows = SIZES.map((n) => {
    const wall = samples[n].map((x) => x.wall);
    const cpu = samples[n].map((x) => x.cpu);
    return {
      steps: n,
      chars: texts[n].length,
      runsPerBatch: runsPerBatch(n),
      usPerStep: +Math.min(...wall).toFixed(3),
      usPerStepMedian: +median(wall).toFixed(3),
      cpuUsPerStep: +Math.min(...cpu).toFixed(3),
      msPerTrace: +((Math.min(...wall) * n) / 1000).toFixed(2),
    };
  });
  const first = rows[0];
  const lastRow = rows[rows.length - 1];
  const ratio = +(lastRow.usPerStep / first.usPerStep).toFixed(2);
  const cpuRatio = +(lastRow.cpuUsPerStep / first.cpuUsPerStep).toFixed(2);
  results.styles[style] = { rows, ratio: { of: `${lastRow.steps}/${first.steps}`, perStepWallTime: ratio, perStepCpuTime: cpuRatio } };
  console.log(`\n${style}`);
  console.log("  steps      chars      ms/trace   µs/step (median)   CPU µs/step");
  for (const r of rows)
    console.log(
      `  ${String(r.steps).padEnd(9)}  ${String(r.chars).padEnd(9)}  ${r.msPerTrace.toFixed(2).padStart(8)}   ${r.usPerStep.toFixed(2).padStart(6)} (${r.usPerStepMedian.toFixed(2).padStart(6)})   ${r.cpuUsPerStep.toFixed(2).padStart(6)}`,
    );
  console.log(`  per-step time ratio ${lastRow.steps}/${first.steps}: wall ${ratio}, CPU ${cpuRatio}`);
}

const worst = Math.max(...Object.values(results.styles).map((s) => s.ratio.perStepWallTime));
const worstCpu = Math.max(...Object.values(results.styles).map((s) => s.ratio.perStepCpuTime));
results.worstRatio = { wall: worst, cpu: worstCpu };
results.loadAverageAtEnd = os.loadavg().map((x) => +x.toFixed(2));
const out = path.join(root, "bench/results/segment-scaling.json");
if (!quick) {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nworst per-step ratio: wall ${worst}, CPU ${worstCpu}; wrote ${path.relative(root, out)}`);
} else console.log(`\nworst per-step ratio: wall ${worst}, CPU ${worstCpu} (--quick: results not written)`);
// Linear means a ratio near 1 (a quadratic segmenter gives ~100 over 1k -> 100k). Allow for noise
// and cache effects, and judge by CPU time, which other processes on a shared machine disturb less.
if (Math.min(worst, worstCpu) > 3) {
  console.error(`segment-scaling: per-step time grew ${Math.min(worst, worstCpu)}x from ${SIZES[0]} to ${SIZES[SIZES.length - 1]} steps: not linear`);
  process.exit(1);
}
