#!/usr/bin/env node
// Answer grading throughput (pairs per second: in-process and through `steplens grade`) and search
// cost (evaluated + generated tokens per problem) of best-of-N vs step-level beam search at the same
// N, on the generated tiny GGUF with RANDOM weights (--100m adds the ~100M-parameter one).
// Writes bench/results/search.json and bench/results/search.md.
//
// Usage: node bench/search.mjs [--problems N] [--gpu auto|off] [--100m]
// The measurement code is bench/searchBench.ts, bundled here with esbuild (node-llama-cpp external).
import esbuild from "esbuild";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "..");
const outfile = path.join(root, "out/bench/search.js");
await esbuild.build({
  entryPoints: [path.join(root, "bench/searchBench.ts")],
  outfile,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  sourcemap: "inline",
  logLevel: "error",
  external: ["node-llama-cpp", "@node-llama-cpp/*", "vscode"],
});
const r = spawnSync(process.execPath, ["--enable-source-maps", outfile, ...process.argv.slice(2)], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
