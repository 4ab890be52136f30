#!/usr/bin/env node
// `npm run bench`: builds, then runs every benchmark in bench/ one after another (never in parallel:
// the machine is small and shared, and each benchmark reports ratios measured within its own run).
// Results land in bench/results/*.json; the README quotes them. Usage: npm run bench [-- name ...]
import { spawnSync } from "node:child_process";
import path from "node:path";
import fs from "node:fs";

const root = path.resolve(import.meta.dirname, "..");
const all = [
  "segment-scaling",
  "segment-streaming",
  "adversarial-scaling",
  "dataset-index",
  "engine",
  "editor",
  "serve-load",
  "verify",
  "eval-metric",
  "progress",
  "progress-policies",
  "dashboard",
  "search",
  "rewards",
  "reward-log",
  "reward-log-tree",
  "synthesis",
];
const wanted = process.argv.slice(2).filter((a) => !a.startsWith("-"));
const names = wanted.length ? wanted : all;
const build = spawnSync(process.execPath, ["src/build/build.mjs"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const summary = [];
for (const name of names) {
  const file = path.join(root, "bench", `${name}.mjs`);
  if (!fs.existsSync(file)) {
    console.error(`bench: no bench/${name}.mjs`);
    summary.push([name, "missing"]);
    continue;
  }
  console.log(`\n=== bench/${name}.mjs`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [file], { cwd: root, stdio: "inherit" });
  summary.push([name, r.status === 0 ? `ok (${((performance.now() - t0) / 1000).toFixed(1)} s)` : `FAILED (exit ${r.status})`]);
}
console.log("\n=== summary");
for (const [n, s] of summary) console.log(`${n.padEnd(20)} ${s}`);
process.exit(summary.some(([, s]) => !s.startsWith("ok")) ? 1 : 0);
