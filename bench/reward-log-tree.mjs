#!/usr/bin/env node
// The Datasets tree's time to show a new rollout after it is written to a reward log, in the real
// extension host: runs the "Reward log" suite of test/vscode (code-server) with
// STEPLENS_REWARD_LOG_BENCH_OUT set; the suite appends rollouts with the real writer while the tree
// follows the log and records, per rollout, the time from the write to the view's refresh event with
// the rollout in the tree's data (writes 300 ms apart, as a trainer's batches come). Writes
// bench/results/reward-log-tree.json. Usage: node bench/reward-log-tree.mjs
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(os.tmpdir(), `steplens-reward-log-tree-${process.pid}.json`);
const r = spawnSync(process.execPath, [path.join(root, "test/runner/run-vscode-tests.mjs")], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, STEPLENS_TEST_GREP: "Reward log", STEPLENS_REWARD_LOG_BENCH_OUT: out },
  timeout: 10 * 60 * 1000,
});
if (r.status !== 0 || !fs.existsSync(out)) {
  console.error("reward-log-tree: the extension-host suite failed or wrote no figures");
  process.exit(1);
}
const { treeLatencyMs } = JSON.parse(fs.readFileSync(out, "utf8"));
fs.rmSync(out, { force: true });
const sorted = [...treeLatencyMs].sort((a, b) => a - b);
const result = {
  description:
    "Write of one rollout to a reward log open in the Datasets view → the view's refresh event with the rollout in the tree's data (real extension host in code-server; folder watcher + 1 s poll; refresh throttle 250 ms, lapsed between writes).",
  writeToTreeMs: {
    median: Math.round(sorted[Math.floor(sorted.length / 2)] * 10) / 10,
    max: Math.round(sorted[sorted.length - 1] * 10) / 10,
    samples: treeLatencyMs.map((x) => Math.round(x * 10) / 10),
  },
  machine: { cpus: os.cpus().length, node: process.version, load: os.loadavg().map((x) => +x.toFixed(2)) },
  measuredAt: new Date().toISOString(),
};
fs.writeFileSync(path.join(root, "bench/results/reward-log-tree.json"), JSON.stringify(result, null, 2) + "\n");
console.log(`reward-log-tree: write → tree median ${result.writeToTreeMs.median} ms, max ${result.writeToTreeMs.max} ms`);
