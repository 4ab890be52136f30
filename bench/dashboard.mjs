#!/usr/bin/env node
// The dataset dashboard on a 3,400-record ProcessBench set with step scores: host-side time from
// opening to the first summary, and per threshold move (see bench/dashboardBench.ts, bundled here
// with esbuild). Browser-side figures come from the e2e run and are merged in when present.
// Usage: node bench/dashboard.mjs   Results: bench/results/dashboard.json
import esbuild from "esbuild";
import path from "node:path";
import { spawnSync } from "node:child_process";

const root = path.resolve(import.meta.dirname, "..");
const outfile = path.join(root, "out/bench/dashboard.js");
await esbuild.build({
  entryPoints: [path.join(root, "bench/dashboardBench.ts")],
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
