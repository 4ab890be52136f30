#!/usr/bin/env node
// Rewards served to trainers, on loopback. Starts the real CLI (`steplens serve`, dist/cli.js) with the
// generated tiny GGUF (random weights: this measures the reward path — gate, segmentation, PRM call,
// queue, HTTP — not judgement) and measures:
//   - rewards/s and p50/p99 latency of POST /v1/reward (one rollout per request, as verl's naive
//     manager sends them) at a fixed concurrency, and of POST /get_reward (OpenRLHF's shape);
//   - the server's overhead vs the scorer in-process: the same rollouts through scoreReward() on an
//     engine in this process, one at a time, vs one at a time over HTTP (ratio of per-reward times);
//   - the server's RSS before and after the load (memory flat).
// Bounded in count and time. Writes bench/results/rewards.json.
// Usage: node bench/rewards.mjs [--requests 300] [--concurrency 8] [--sequential 100] [--sequences 4]
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import esbuild from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const REQUESTS = arg("requests", 300);
const CONCURRENCY = arg("concurrency", 8);
const SEQUENTIAL = arg("sequential", 100);
const SEQUENCES = arg("sequences", 4);
const DEADLINE_MS = 8 * 60 * 1000;
const t0 = Date.now();
const loadBefore = os.loadavg();
let child;
setTimeout(() => {
  console.error(`rewards: over the ${DEADLINE_MS / 1000} s limit, giving up`);
  child?.kill("SIGKILL");
  process.exit(1);
}, DEADLINE_MS).unref();

if (!fs.existsSync(path.join(root, "dist/cli.js"))) {
  const b = spawnSync(process.execPath, ["src/build/build.mjs"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(1);
}
// In-process side: the engine factory and the scorer, bundled from the sources.
const helper = path.join(root, "out/bench/rewardsInProcess.cjs");
fs.mkdirSync(path.dirname(helper), { recursive: true });
fs.writeFileSync(
  path.join(root, "out/bench/rewardsInProcess.ts"),
  `export { testModel } from "../../test/support/testModels";
export { createEngine } from "../../src/engines/createEngine";
export { DEFAULT_CONFIG } from "../../src/config";
export { rewardOptionsFromConfig, scoreReward } from "../../src/rewards/rewardScorer";
`,
);
await esbuild.build({
  entryPoints: [path.join(root, "out/bench/rewardsInProcess.ts")],
  outfile: helper,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
  external: ["node-llama-cpp", "@node-llama-cpp/*"],
});
const lib = createRequire(import.meta.url)(helper);
const modelPath = await lib.testModel({ tokenizer: "spm" });

const rssKb = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
};

const serverLog = [];
const url = await new Promise((resolve, reject) => {
  child = spawn(
    process.execPath,
    [
      path.join(root, "dist/cli.js"),
      "serve",
      "--model",
      modelPath,
      "--prm",
      "math-shepherd",
      "--port",
      "0",
      "--sequences",
      String(SEQUENCES),
      "--gpu",
      "off",
      "--quiet",
    ],
    { cwd: root, stdio: ["ignore", "pipe", "pipe"] },
  );
  let out = "";
  child.stdout.on("data", (d) => {
    out += d;
    const m = /listening on (http:\/\/[^\s]+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.stderr.on("data", (d) => serverLog.push(String(d)));
  child.on("exit", (code) => reject(new Error(`steplens serve exited early (${code}):\n${serverLog.join("")}`)));
});
console.log(`server: ${url} (model ${path.basename(modelPath)}, ${SEQUENCES} sequences)`);

const problem = "Solve for x: 2x + 3 = 7.";
const rollout = (i) =>
  [
    `Step 1: Subtract 3 from both sides: 2x = ${4 + (i % 7)}.`,
    "Step 2: Divide both sides by 2.",
    "Step 3: Check the result by substitution.",
    "Step 4: So x is found.",
    "<answer>\\boxed{2}</answer>",
  ].join("\n");
const gated = (i) => rollout(i) + "\nStep 1: a second solution.";

async function one(i, route) {
  const body =
    route === "/v1/reward"
      ? { items: [{ prompt: problem, response: i % 10 === 9 ? gated(i) : rollout(i) }] }
      : { query: [`${problem}\n${rollout(i)}`], prompts: [`${problem}\n`], labels: [""] };
  const start = performance.now();
  try {
    const res = await fetch(url + route, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-StepLens-Client": `bench-${i % CONCURRENCY}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(60_000),
    });
    const json = await res.json();
    const r = route === "/v1/reward" ? json.items?.[0]?.reward : json.rewards?.[0];
    return { ok: res.status === 200 && typeof r === "number" && r >= 0 && r <= 1, ms: performance.now() - start, status: res.status };
  } catch (e) {
    return { ok: false, ms: performance.now() - start, status: 0, error: String(e) };
  }
}

async function load(count, concurrency, route, offset) {
  const results = new Array(count);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await one(offset + i, route);
      }
    }),
  );
  return { results, seconds: (performance.now() - start) / 1000 };
}
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
function summarize({ results, seconds }, concurrency) {
  const l = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    requests: results.length,
    concurrency,
    valid: results.filter((r) => r.ok).length,
    dropped: results.filter((r) => !r.ok).length,
    seconds: +seconds.toFixed(2),
    rewardsPerSecond: +(results.length / seconds).toFixed(1),
    p50Ms: +pct(l, 50).toFixed(1),
    p99Ms: +pct(l, 99).toFixed(1),
    maxMs: +l.at(-1).toFixed(1),
  };
}

await load(8, 2, "/v1/reward", 50_000); // warm-up
const rssBefore = rssKb(child.pid);
const concurrent = summarize(await load(REQUESTS, CONCURRENCY, "/v1/reward", 0), CONCURRENCY);
console.log(
  `/v1/reward: ${concurrent.requests} at ${CONCURRENCY}: ${concurrent.rewardsPerSecond} rewards/s, p50 ${concurrent.p50Ms} ms, p99 ${concurrent.p99Ms} ms, dropped ${concurrent.dropped}`,
);
const openrlhf = summarize(await load(REQUESTS, CONCURRENCY, "/get_reward", 10_000), CONCURRENCY);
console.log(
  `/get_reward: ${openrlhf.requests} at ${CONCURRENCY}: ${openrlhf.rewardsPerSecond} rewards/s, p50 ${openrlhf.p50Ms} ms, p99 ${openrlhf.p99Ms} ms, dropped ${openrlhf.dropped}`,
);
const sequentialHttp = summarize(await load(SEQUENTIAL, 1, "/v1/reward", 20_000), 1);
const rssAfter = rssKb(child.pid);
const health = await (await fetch(url + "/health")).json();

// In-process: the same rollouts, same model and adapter, one at a time.
const config = structuredClone(lib.DEFAULT_CONFIG);
config.engine.kind = "local";
config.models = { prm: modelPath, verifier: modelPath, generator: modelPath, prover: modelPath };
config.local = { ...config.local, gpu: "off", sequences: SEQUENCES };
const engine = await lib.createEngine(config);
const opts = lib.rewardOptionsFromConfig(config);
for (let i = 0; i < 8; i++) await lib.scoreReward(engine, { prompt: problem, response: rollout(50_000 + i) }, opts);
const inStart = performance.now();
for (let i = 0; i < SEQUENTIAL; i++)
  await lib.scoreReward(engine, { prompt: problem, response: (20_000 + i) % 10 === 9 ? gated(20_000 + i) : rollout(20_000 + i) }, opts);
const inProcessMsPerReward = (performance.now() - inStart) / SEQUENTIAL;
await engine.dispose();
const httpMsPerReward = (sequentialHttp.seconds * 1000) / SEQUENTIAL;

const exitCode = await new Promise((resolve) => {
  child.removeAllListeners("exit");
  child.on("exit", (code) => resolve(code));
  child.kill("SIGINT");
});

const result = {
  benchmark: "rewards",
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    loadAverage1m: { before: +loadBefore[0].toFixed(2), after: +os.loadavg()[0].toFixed(2) },
  },
  model: { file: path.basename(modelPath), note: "generated tiny GGUF, random weights (plumbing, not judgement); 1 in 10 rollouts is gated (no model call)" },
  server: { sequences: SEQUENCES, defaults: "SPARK's gate, scalar PRM min", healthAfterLoad: health },
  v1Reward: concurrent,
  getReward: openrlhf,
  sequentialHttp,
  overhead: {
    inProcessMsPerReward: +inProcessMsPerReward.toFixed(2),
    httpMsPerReward: +httpMsPerReward.toFixed(2),
    ratioHttpOverInProcess: +(httpMsPerReward / inProcessMsPerReward).toFixed(2),
    note: "one run, one request at a time on both sides",
  },
  serverRssKb: { beforeLoad: rssBefore, afterLoad: rssAfter, growthKb: rssAfter - rssBefore, requests: REQUESTS * 2 + SEQUENTIAL },
  shutdown: { signal: "SIGINT", exitCode },
  totalSeconds: +((Date.now() - t0) / 1000).toFixed(1),
};
fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/results/rewards.json"), JSON.stringify(result, null, 2) + "\n");
console.log(
  `overhead: in-process ${result.overhead.inProcessMsPerReward} ms/reward, over HTTP ${result.overhead.httpMsPerReward} ms/reward (ratio ${result.overhead.ratioHttpOverInProcess}); server RSS ${rssBefore} → ${rssAfter} kB`,
);
console.log("wrote bench/results/rewards.json");
const failed = concurrent.dropped + openrlhf.dropped + sequentialHttp.dropped > 0 || exitCode !== 0;
if (failed) console.error("rewards: FAILED (dropped requests or unclean exit)");
process.exit(failed ? 1 : 0);
