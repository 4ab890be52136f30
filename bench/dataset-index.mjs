#!/usr/bin/env node
// Memory and time to index a generated 100k-record ProcessBench-style dataset for the tree view
// (src/datasets/datasetIndex.ts), compared within this one run against (a) one plain streaming pass
// of readTraces over the same file and (b) holding every parsed trace in memory (the naive tree).
// Also: loading one record on demand, filtering all records, and paging.
// Writes bench/results/dataset-index.json. Usage: node bench/dataset-index.mjs [--records N]
import esbuild from "esbuild";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";

// Re-run with --expose-gc so heap figures are taken after a full collection.
if (typeof globalThis.gc !== "function") {
  const r = spawnSync(process.execPath, ["--expose-gc", import.meta.filename, ...process.argv.slice(2)], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { values } = parseArgs({ options: { records: { type: "string", default: "100000" } } });
const N = Number(values.records);
const root = path.resolve(import.meta.dirname, "..");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-dsindex-"));

try {
  // Bundle the modules under test (the same way the unit tests are built).
  const entry = path.join(work, "entry.ts");
  fs.writeFileSync(
    entry,
    `export { DatasetIndex } from ${JSON.stringify(path.join(root, "src/datasets/datasetIndex.ts"))};\nexport { readTraces } from ${JSON.stringify(path.join(root, "src/formats/records.ts"))};\n`,
  );
  const bundle = path.join(work, "bundle.mjs");
  await esbuild.build({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "error",
    external: ["node-llama-cpp", "vscode"],
  });
  const { DatasetIndex, readTraces } = await import(bundle);

  // A deterministic ProcessBench-like dataset: 3–12 steps of 40–160 characters, ~60% with an error.
  let seed = 42;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const words = "the sum of each term gives total so we multiply by two then subtract three and divide by four which equals".split(" ");
  const sentence = (len) => {
    let s = "";
    while (s.length < len) s += `${words[Math.floor(rand() * words.length)]} `;
    return `${s.trim()} = ${Math.floor(rand() * 1000)}.`;
  };
  const jsonl = path.join(work, "dataset.jsonl");
  const array = path.join(work, "dataset.json");
  const out = fs.openSync(jsonl, "w");
  const outArray = fs.openSync(array, "w");
  fs.writeSync(outArray, "[\n");
  const predictions = [];
  let buffer = [];
  for (let i = 0; i < N; i++) {
    const steps = Array.from({ length: 3 + Math.floor(rand() * 10) }, () => sentence(40 + rand() * 120));
    const label = rand() < 0.4 ? -1 : Math.floor(rand() * steps.length);
    const line = JSON.stringify({ id: `bench-${i}`, generator: "gen", problem: sentence(120), steps, final_answer_correct: label === -1, label });
    buffer.push(line);
    predictions.push({ id: `bench-${i}`, prediction: rand() < 0.7 ? label : -1 });
    if (buffer.length === 1000 || i === N - 1) {
      fs.writeSync(out, buffer.join("\n") + "\n");
      fs.writeSync(outArray, buffer.join(",\n") + (i === N - 1 ? "\n]\n" : ",\n"));
      buffer = [];
    }
  }
  fs.closeSync(out);
  fs.closeSync(outArray);
  const bytes = fs.statSync(jsonl).size;

  const heap = () => {
    globalThis.gc();
    globalThis.gc();
    return process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  };
  const ms = (t0) => performance.now() - t0;

  // (a) one plain streaming pass (parse every record, keep nothing); timed twice (before and after the
  // index, so neither gets all the JIT warm-up), the faster kept.
  const streamPass = async () => {
    const t = performance.now();
    let n = 0;
    for await (const r of readTraces(jsonl)) if (r.ok) n++;
    return [performance.now() - t, n];
  };
  const [firstMs, count] = await streamPass();
  let streamMs = firstMs;
  let t0;

  // The index.
  const heap0 = heap();
  t0 = performance.now();
  const index = await DatasetIndex.build(jsonl);
  const indexMs = ms(t0);
  const indexHeap = heap() - heap0;
  if (index.size !== N || count !== N) throw new Error(`expected ${N} records, indexed ${index.size}, streamed ${count}`);

  streamMs = Math.min(streamMs, (await streamPass())[0]);
  t0 = performance.now();
  const arrayIndex = await DatasetIndex.build(array);
  const arrayIndexMs = ms(t0);
  if (arrayIndex.size !== N) throw new Error(`JSON list: indexed ${arrayIndex.size}`);

  // On-demand loads of random records.
  const loads = [];
  for (let i = 0; i < 200; i++) {
    const r = Math.floor(rand() * N);
    const t = performance.now();
    const trace = await index.loadTrace(r);
    loads.push(performance.now() - t);
    if (trace.source.id !== `bench-${r}`) throw new Error(`record ${r} loaded as ${trace.source.id}`);
  }
  loads.sort((a, b) => a - b);

  // Predictions, filters, pages.
  t0 = performance.now();
  index.setPredictionsById(predictions);
  const attachMs = ms(t0);
  const withPredictionsHeap = heap() - heap0; // + the id → record map and the prediction column
  t0 = performance.now();
  const mismatches = index.filter({ mismatchesOnly: true }).length;
  const filterMs = ms(t0);
  t0 = performance.now();
  const errors = index.filter({ label: "error", hideBad: true }).length;
  const filter2Ms = ms(t0);
  t0 = performance.now();
  const middle = Math.floor(Math.ceil(mismatches / 200) / 2);
  const page = index.page({ mismatchesOnly: true }, middle, 200);
  const pageMs = ms(t0);

  // (b) the naive tree: every parsed trace held in memory.
  const heap1 = heap();
  t0 = performance.now();
  const all = [];
  for await (const r of readTraces(jsonl)) if (r.ok) all.push(r.trace);
  const naiveMs = ms(t0);
  const naiveHeap = heap() - heap1;
  if (all.length !== N) throw new Error("naive load incomplete");

  const result = {
    benchmark: "dataset-index",
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version, platform: `${process.platform}-${process.arch}` },
    dataset: { records: N, bytes, megabytes: +(bytes / 2 ** 20).toFixed(1), format: "processbench (JSONL and JSON list, generated)" },
    index: {
      seconds: +(indexMs / 1000).toFixed(2),
      recordsPerSecond: Math.round(N / (indexMs / 1000)),
      jsonListSeconds: +(arrayIndexMs / 1000).toFixed(2),
      heapBytes: indexHeap,
      heapBytesPerRecord: +(indexHeap / N).toFixed(1),
      heapBytesWithPredictions: withPredictionsHeap,
      indexBytes: index.memoryBytes(),
      indexBytesPerRecord: +(index.memoryBytes() / N).toFixed(1),
    },
    streamingPass: { seconds: +(streamMs / 1000).toFixed(2), note: "readTraces over the same JSONL, nothing kept (the faster of two runs)" },
    naiveAllInMemory: { seconds: +(naiveMs / 1000).toFixed(2), heapBytes: naiveHeap, heapBytesPerRecord: Math.round(naiveHeap / N) },
    ratios: {
      indexTimeOverStreamingPass: +(indexMs / streamMs).toFixed(2),
      naiveHeapOverIndexHeap: +(naiveHeap / Math.max(1, indexHeap)).toFixed(1),
    },
    loadRecordMs: { p50: +loads[Math.floor(loads.length * 0.5)].toFixed(3), p99: +loads[Math.floor(loads.length * 0.99)].toFixed(3) },
    attachPredictionsMs: +attachMs.toFixed(1),
    filterMs: { mismatchesOnly: +filterMs.toFixed(2), labelError: +filter2Ms.toFixed(2) },
    pageMs: +pageMs.toFixed(3),
    counts: { mismatches, withError: errors, pageItems: page.items.length },
  };
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results/dataset-index.json"), JSON.stringify(result, null, 2) + "\n");
  console.log(JSON.stringify(result, null, 2));
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
