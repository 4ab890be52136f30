#!/usr/bin/env node
// Editor measurements (issue 5), taken inside the real VS Code extension host: builds the
// integration suite, then runs only its "Editor bench" suite (test/vscode/editorBench.test.ts) in
// code-server with STEPLENS_EDITOR_BENCH=1, which writes bench/results/editor.json:
//   - hover latency from the in-memory annotations and right after a cache hit;
//   - time from opening a 50-step trace to its first annotation (engine cold, running, from cache);
//   - re-scoring cost after editing the last step vs the first (evaluated tokens and time);
//   - extension host memory with a 100,000-record dataset open in the tree.
// The model is the generated tiny test model (random weights, CPU, 1 thread): plumbing figures.
// Usage: node bench/editor.mjs [--no-build]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "bench/results/editor.json");
if (!process.argv.includes("--no-build")) {
  const b = spawnSync(process.execPath, ["src/build/build.mjs", "--tests"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(b.status ?? 1);
}
const before = fs.existsSync(out) ? fs.statSync(out).mtimeMs : 0;
const r = spawnSync(process.execPath, ["test/runner/run-vscode-tests.mjs", "--no-build"], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, STEPLENS_EDITOR_BENCH: "1", STEPLENS_TEST_GREP: "^Editor bench" },
});
if (r.status !== 0) process.exit(r.status ?? 1);
if (!fs.existsSync(out) || fs.statSync(out).mtimeMs === before) {
  console.error("bench/editor.mjs: the suite ran but bench/results/editor.json was not written");
  process.exit(1);
}
console.log(fs.readFileSync(out, "utf8"));
