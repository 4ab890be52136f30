#!/usr/bin/env node
// `steplens serve` under a bounded loopback load. Starts the real CLI (dist/cli.js) on 127.0.0.1
// with the generated tiny GGUF (random weights: this measures the server and queue, not judgement),
// then fires a fixed number of requests at a fixed concurrency, half POST /v1/score (5-step traces)
// and half POST /v1/completions (max_tokens 8), and reports requests/s, p50/p99 latency and that
// nothing was dropped (every request answered 200). A sequential run (concurrency 1) in the same
// process gives the ratio. Bounded in count and time; stops the server with SIGINT and checks it
// drains and exits 0. Writes bench/results/serve-load.json.
//
// Usage: node bench/serve-load.mjs [--requests 200] [--concurrency 8] [--sequential 100] [--sequences 4]
// (npm run bench -- serve-load builds first.)
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
const REQUESTS = arg("requests", 200);
const CONCURRENCY = arg("concurrency", 8);
const SEQUENTIAL = arg("sequential", 100);
const SEQUENCES = arg("sequences", 4);
const DEADLINE_MS = 8 * 60 * 1000;
const REQUEST_TIMEOUT_MS = 60_000;
const t0 = Date.now();
const loadBefore = os.loadavg();
const deadline = setTimeout(() => {
  console.error(`serve-load: over the ${DEADLINE_MS / 1000} s limit, giving up`);
  child?.kill("SIGKILL");
  process.exit(1);
}, DEADLINE_MS);
deadline.unref();

// 1. the CLI bundle and the tiny model
if (!fs.existsSync(path.join(root, "dist/cli.js"))) {
  const b = spawnSync(process.execPath, ["src/build/build.mjs"], { cwd: root, stdio: "inherit" });
  if (b.status !== 0) process.exit(1);
}
const helper = path.join(root, "out/bench/testModels.cjs");
await esbuild.build({
  entryPoints: [path.join(root, "test/support/testModels.ts")],
  outfile: helper,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
});
const { testModel } = createRequire(import.meta.url)(helper);
const modelPath = await testModel({ tokenizer: "spm" });

// 2. the server, as a user starts it
let child;
const serverLog = [];
const url = await new Promise((resolve, reject) => {
  child = spawn(
    process.execPath,
    [path.join(root, "dist/cli.js"), "serve", "--model", modelPath, "--prm", "math-shepherd", "--port", "0", "--concurrency", String(SEQUENCES), "--quiet"],
    {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    },
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

// 3. the requests
const problem = "Solve for x: 2x + 3 = 7.";
const steps = ["Subtract 3 from both sides: 2x = 4.", "Divide both sides by 2: x = 2.", "Check: 2 * 2 + 3 = 7.", "So x = 2.", "The answer is \\boxed{2}."];
function requestFor(i) {
  return i % 2 === 0
    ? { route: "/v1/score", body: { problem, steps: steps.map((s) => `${s} (${i})`) } }
    : { route: "/v1/completions", body: { model: "generator", prompt: `Step ${i}: 2x = `, max_tokens: 8, temperature: 0 } };
}

async function one(i) {
  const { route, body } = requestFor(i);
  const start = performance.now();
  try {
    const res = await fetch(url + route, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const json = await res.json();
    const ok = res.status === 200 && (route === "/v1/score" ? json.steps?.length === steps.length : json.choices?.length === 1);
    return { route, status: res.status, ok, ms: performance.now() - start };
  } catch (e) {
    return { route, status: 0, ok: false, ms: performance.now() - start, error: String(e) };
  }
}

async function load(count, concurrency, offset) {
  const results = new Array(count);
  let next = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await one(offset + i);
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { results, seconds };
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
function summarize({ results, seconds }, concurrency) {
  const lat = (rs) => rs.map((r) => r.ms).sort((a, b) => a - b);
  const all = lat(results);
  const byRoute = {};
  for (const route of ["/v1/score", "/v1/completions"]) {
    const rs = results.filter((r) => r.route === route);
    const l = lat(rs);
    byRoute[route] = { requests: rs.length, p50Ms: +pct(l, 50).toFixed(1), p99Ms: +pct(l, 99).toFixed(1) };
  }
  return {
    requests: results.length,
    concurrency,
    answered200: results.filter((r) => r.status === 200).length,
    valid: results.filter((r) => r.ok).length,
    dropped: results.filter((r) => !r.ok).length,
    errors: [...new Set(results.filter((r) => !r.ok).map((r) => r.error ?? `HTTP ${r.status}`))].slice(0, 5),
    seconds: +seconds.toFixed(2),
    requestsPerSecond: +(results.length / seconds).toFixed(2),
    p50Ms: +pct(all, 50).toFixed(1),
    p99Ms: +pct(all, 99).toFixed(1),
    maxMs: +all.at(-1).toFixed(1),
    byRoute,
  };
}

await load(4, 2, 10_000); // warm-up (first evaluation allocates buffers)
const sequential = summarize(await load(SEQUENTIAL, 1, 20_000), 1);
console.log(`sequential: ${sequential.requests} requests, ${sequential.requestsPerSecond} req/s, p50 ${sequential.p50Ms} ms, p99 ${sequential.p99Ms} ms`);
const concurrent = summarize(await load(REQUESTS, CONCURRENCY, 0), CONCURRENCY);
console.log(
  `concurrent: ${concurrent.requests} requests at ${CONCURRENCY}, ${concurrent.requestsPerSecond} req/s, p50 ${concurrent.p50Ms} ms, p99 ${concurrent.p99Ms} ms, dropped ${concurrent.dropped}`,
);
const health = await (await fetch(url + "/health")).json();

// 4. graceful stop
const stopStart = performance.now();
const exitCode = await new Promise((resolve) => {
  child.removeAllListeners("exit");
  child.on("exit", (code) => resolve(code));
  child.kill("SIGINT");
});
const stopMs = performance.now() - stopStart;

const result = {
  benchmark: "serve-load",
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    // 1-minute load average before and after: other work on the machine shows up here
    loadAverage1m: { before: +loadBefore[0].toFixed(2), after: +os.loadavg()[0].toFixed(2) },
  },
  model: { file: path.basename(modelPath), note: "generated tiny GGUF, random weights (plumbing, not judgement)" },
  server: { sequences: SEQUENCES, prmAdapter: "math-shepherd", healthAfterLoad: health },
  sequential,
  concurrent,
  throughputRatioConcurrentOverSequential: +(concurrent.requestsPerSecond / sequential.requestsPerSecond).toFixed(2),
  shutdown: { signal: "SIGINT", exitCode, ms: +stopMs.toFixed(0) },
  totalSeconds: +((Date.now() - t0) / 1000).toFixed(1),
};
fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
fs.writeFileSync(path.join(root, "bench/results/serve-load.json"), JSON.stringify(result, null, 2) + "\n");
console.log(
  `ratio concurrent/sequential throughput: ${result.throughputRatioConcurrentOverSequential}x; shutdown exit ${exitCode} in ${result.shutdown.ms} ms`,
);
console.log("wrote bench/results/serve-load.json");
const failed = concurrent.dropped > 0 || sequential.dropped > 0 || exitCode !== 0;
if (failed) console.error("serve-load: FAILED (dropped requests or unclean exit)", concurrent.errors, sequential.errors);
process.exit(failed ? 1 : 0);
