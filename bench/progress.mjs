#!/usr/bin/env node
// PAV progress rollouts: every prefix forked from the trace evaluated once vs re-evaluating each
// rollout's prefix from scratch, M = 4 and 16, on a 20-step trace, on generated GGUFs with RANDOM
// weights (the tiny one at M = 4 and 16, and the ~100M-parameter one at M = 4, or 4 and 16 with
// --full, unless --quick): prefix tokens evaluated and wall time. Writes bench/results/progress.json
// and bench/results/progress.md.
//
// Usage: node bench/progress.mjs [--quick | --full] [--max-tokens N] [--gpu auto|off]
// The measurement code is bench/progressBench.ts, bundled here with esbuild (node-llama-cpp external).
import esbuild from "esbuild";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "..");
const outfile = path.join(root, "out/bench/progress.js");
await esbuild.build({
  entryPoints: [path.join(root, "bench/progressBench.ts")],
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
