#!/usr/bin/env node
// `steplens synthesize` benchmarks: pipeline overhead against `steplens serve` vs a bare client, the
// local engine's K = 8 parallel generation vs a bare node-llama-cpp loop, peak RSS for 1k vs 10k
// problems, and the resume cost on a folder of 30k records. RANDOM-weight generated models: this
// measures the pipeline and the engine, not judgement. Writes bench/results/synthesis.json.
//
// Usage: node bench/synthesis.mjs [--quick]   (needs dist/cli.js: node src/build/build.mjs)
// The measurement code is bench/synthesisBench.ts, bundled here with esbuild (node-llama-cpp external).
import esbuild from "esbuild";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "..");
const outfile = path.join(root, "out/bench/synthesis.js");
await esbuild.build({
  entryPoints: [path.join(root, "bench/synthesisBench.ts")],
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
