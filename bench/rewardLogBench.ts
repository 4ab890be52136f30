// The reward log's costs (issue 23), measured within one run so only ratios are compared:
//  1. rewards/s of the reward server with --reward-log vs without, on loopback HTTP, batches of 16
//     rollouts (half pass the gate, half are gated) at concurrency 4, rounds alternating off/on:
//       - judge = the generated tiny GGUF on the CPU (RANDOM weights: the reward path as served);
//       - judge = an instant fake engine (the worst case for logging: nothing but HTTP, gate, log).
//  2. the live dataset: time from a line being appended to the index tailing the log having it
//     (the editor's file watcher + poll, without the tree's 250 ms refresh throttle), with the log
//     already holding 100,000 rollouts; the time to open (index) that log; the index's memory.
// Writes bench/results/reward-log.json. Usage: node bench/reward-log.mjs [--rounds 6] [--requests 40]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEFAULT_CONFIG, type StepLensConfig } from "../src/config";
import { createEngine } from "../src/engines/createEngine";
import type { Engine } from "../src/engines/engine";
import { RewardLogIndex } from "../src/datasets/rewardLogIndex";
import { RewardLog } from "../src/rewards/rewardLog";
import { rewardOptionsFromConfig, scoreReward } from "../src/rewards/rewardScorer";
import { StepLensServer } from "../src/server/stepLensServer";
import { fakeEngine } from "../test/support/fakeEngine";
import { testModel } from "../test/support/testModels";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg("rounds", 6);
const REQUESTS = arg("requests", 40);
const BATCH = 16;
const CONCURRENCY = 4;
const TAIL_RECORDS = arg("records", 100_000);
const root = process.cwd();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-reward-log-bench-"));
const deadline = setTimeout(
  () => {
    console.error("reward-log bench: over 9 minutes, giving up");
    process.exit(1);
  },
  9 * 60 * 1000,
);
deadline.unref();

const GOOD = (i: number) => `Step 1: Let x be the number ${i}.\nStep 2: Then 2x = ${2 * i}.\nStep 3: So x = ${i}.\n<answer>\\boxed{${i}}</answer>`;
const GATED = (i: number) => `Step 1: x = ${i} \\boxed{${i}}\nStep 2: or \\boxed{${i + 1}}`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/** Rewards per second (wall) and CPU microseconds of this process (server + clients) per reward. */
async function load(url: string, tag: number): Promise<{ rate: number; cpuUs: number }> {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const worker = async () => {
    for (let k = next++; k < REQUESTS; k = next++) {
      const items = Array.from({ length: BATCH }, (_, i) => ({ prompt: `Solve 2x = ${2 * (k + i)}.`, response: i % 2 ? GATED(k + i) : GOOD(k + i) }));
      const res = await fetch(`${url}/v1/reward`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-StepLens-Client": `bench-${tag}` },
        body: JSON.stringify({ trainer_step: k, items }),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const cpu = process.cpuUsage(c0);
  return { rate: (REQUESTS * BATCH) / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / (REQUESTS * BATCH) };
}

async function throughput(name: string, engine: Engine, concurrency: number) {
  const off: number[] = [];
  const on: number[] = [];
  const cpuOff: number[] = [];
  const cpuOn: number[] = [];
  const logFile = path.join(tmp, `${name}.jsonl`);
  // One warm-up round (JIT, the model's first calls), not counted.
  const warm = await StepLensServer.start({ engine, port: 0, concurrency, maxWaiting: 1000 });
  try {
    await load(warm.url, -1);
  } finally {
    await warm.close();
  }
  for (let r = 0; r < ROUNDS; r++) {
    for (const withLog of r % 2 ? [true, false] : [false, true]) {
      const log = withLog ? new RewardLog(logFile, { model: name }) : undefined;
      const server = await StepLensServer.start({ engine, port: 0, concurrency, rewardLog: log, maxWaiting: 1000 });
      try {
        const m = await load(server.url, r);
        (withLog ? on : off).push(m.rate);
        (withLog ? cpuOn : cpuOff).push(m.cpuUs);
      } finally {
        await server.close();
        log?.close();
      }
    }
  }
  const lines = fs.readFileSync(logFile, "utf8").split("\n").filter(Boolean).length;
  const result = {
    rewardsPerSecond: { withoutLog: round(median(off), 1), withLog: round(median(on), 1) },
    rounds: { withoutLog: off.map((x) => round(x, 1)), withLog: on.map((x) => round(x, 1)) },
    slowdownPercent: round((1 - median(on) / median(off)) * 100, 2),
    cpuMicrosecondsPerReward: { withoutLog: round(median(cpuOff), 1), withLog: round(median(cpuOn), 1) },
    cpuCostPercent: round((median(cpuOn) / median(cpuOff) - 1) * 100, 2),
    logLines: lines,
    logBytesPerRollout: Math.round(fs.statSync(logFile).size / lines),
  };
  console.log(
    `${name}: ${result.rewardsPerSecond.withoutLog} rewards/s without the log, ${result.rewardsPerSecond.withLog} with (${result.slowdownPercent}% slower)`,
  );
  return result;
}

/** The log's own cost: microseconds per line, one append per rollout and one write per request of 16 (as the server does). */
async function appendCost() {
  const engine = fakeEngine({ stepScore: (s) => (s.length % 10) / 10 });
  const opts = rewardOptionsFromConfig(DEFAULT_CONFIG);
  const d = await scoreReward(engine, { prompt: "Solve 2x = 4.", response: GOOD(2) }, opts);
  const entry = (i: number) => ({
    client: "client:bench",
    route: "/v1/reward",
    item: { prompt: "Solve 2x = 4.", response: GOOD(i) },
    detail: d,
    trainerStep: i,
  });
  const n = 20_000;
  const single: number[] = [];
  const batched: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    const one = new RewardLog(path.join(tmp, `append-${rep}.jsonl`), { model: "bench" });
    let t0 = performance.now();
    for (let i = 0; i < n; i++) one.append(entry(i));
    single.push(((performance.now() - t0) * 1000) / n);
    one.close();
    const many = new RewardLog(path.join(tmp, `append-many-${rep}.jsonl`), { model: "bench" });
    t0 = performance.now();
    for (let i = 0; i < n; i += BATCH) many.appendMany(Array.from({ length: BATCH }, (_, k) => entry(i + k)));
    batched.push(((performance.now() - t0) * 1000) / n);
    many.close();
  }
  const result = { perLineSingleUs: round(median(single), 2), perLineBatchedUs: round(median(batched), 2) };
  console.log(`append: ${result.perLineSingleUs} µs per line one by one, ${result.perLineBatchedUs} µs per line in requests of ${BATCH}`);
  return result;
}

async function tailing() {
  const file = path.join(tmp, "tail.jsonl");
  const engine = fakeEngine({ stepScore: (s) => (s.length % 10) / 10 });
  const opts = rewardOptionsFromConfig(DEFAULT_CONFIG);
  const details = await Promise.all([0, 1, 2, 3].map((i) => scoreReward(engine, { prompt: `p${i}`, response: i % 2 ? GATED(i) : GOOD(i) }, opts)));
  const log = new RewardLog(file, { model: "bench", fsync: "never" });
  for (let i = 0; i < TAIL_RECORDS; i++)
    log.append({
      client: "client:bench",
      route: "/v1/reward",
      item: { prompt: `Solve 2x = ${2 * (i % 500)}.`, response: i % 2 ? GATED(i) : GOOD(i) },
      detail: details[i % 4]!,
      trainerStep: Math.floor(i / 64),
    });
  const heapBefore = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const index = await RewardLogIndex.open(file);
  const openMs = performance.now() - t0;
  const bytes = fs.statSync(file).size;
  // Appends while the index follows the file as the editor does: a watcher on the folder plus a poll.
  const latencies: number[] = [];
  const pollMs: number[] = [];
  let resolveSeen: (() => void) | undefined;
  const check = async () => {
    const p0 = performance.now();
    await index.poll();
    pollMs.push(performance.now() - p0);
    resolveSeen?.();
  };
  let busy = false;
  const watcher = fs.watch(path.dirname(file), { persistent: false }, () => {
    if (busy) return;
    busy = true;
    void check().finally(() => (busy = false));
  });
  const timer = setInterval(() => void check(), 1000);
  for (let k = 0; k < 30; k++) {
    const target = index.size + 1;
    const seen = new Promise<void>((resolve) => {
      resolveSeen = () => {
        if (index.size >= target) resolve();
      };
    });
    const t = performance.now();
    log.append({ client: "client:bench", route: "/v1/reward", item: { prompt: "late", response: GOOD(k) }, detail: details[0]!, trainerStep: 10_000 + k });
    await seen;
    latencies.push(performance.now() - t);
    await new Promise((r) => setTimeout(r, 20));
  }
  watcher.close();
  clearInterval(timer);
  log.close();
  const filterT0 = performance.now();
  const gated = index.filter({ gate: "boxed-count", reward: { min: 0, max: 1 } }, "reward-desc").length;
  const filterMs = performance.now() - filterT0;
  const result = {
    rollouts: TAIL_RECORDS,
    fileMB: round(bytes / 1048576, 1),
    openMs: round(openMs, 1),
    indexMB: round(index.memoryBytes() / 1048576, 2),
    heapGrowthMB: round((process.memoryUsage().heapUsed - heapBefore) / 1048576, 1),
    appendToIndexMs: { median: round(median(latencies), 2), max: round(Math.max(...latencies), 2), samples: latencies.length },
    pollMsMedian: round(median(pollMs), 3),
    filterAndSortMs: round(filterMs, 1),
    filterMatched: gated,
    treeRefreshThrottleMs: 250,
  };
  console.log(
    `tail: ${TAIL_RECORDS} rollouts (${result.fileMB} MB) indexed in ${result.openMs} ms (${result.indexMB} MB index); append → index median ${result.appendToIndexMs.median} ms, max ${result.appendToIndexMs.max} ms`,
  );
  return result;
}

async function main() {
  const model = await testModel({ tokenizer: "spm", chatTemplate: true });
  const config: StepLensConfig = structuredClone(DEFAULT_CONFIG);
  config.engine.kind = "local";
  config.models = { prm: model, verifier: model, generator: model, prover: model };
  config.local = { ...config.local, gpu: "off", maxThreads: 0, contextSize: 2048, sequences: 2 };
  const gguf = await createEngine(config);
  let tiny;
  try {
    tiny = await throughput("tiny-gguf", gguf, 2);
  } finally {
    await gguf.dispose();
  }
  const instant = await throughput("instant-judge", fakeEngine({ stepScore: (s) => (s.length % 10) / 10 }), 4);
  const appendUs = await appendCost();
  const tail = await tailing();
  const out = {
    description:
      "Reward log (issue 23). rewards/s: batches of 16 rollouts (half gated) at concurrency 4 over loopback HTTP, rounds alternating without/with --reward-log (fsync at most once a second); medians. tail: a log of N rollouts indexed, then lines appended while the index follows the file with a folder watcher + 1 s poll (the editor's mechanism; the tree adds at most 250 ms of refresh throttle).",
    rewardsPerSecond: { tinyGguf: tiny, instantJudge: instant },
    appendMicrosecondsPerLine: appendUs,
    // The log's CPU per rollout as a share of the server's CPU per reward without the log (same run).
    logShareOfRewardCpuPercent: {
      tinyGguf: round((appendUs.perLineBatchedUs / tiny.cpuMicrosecondsPerReward.withoutLog) * 100, 2),
      instantJudge: round((appendUs.perLineBatchedUs / instant.cpuMicrosecondsPerReward.withoutLog) * 100, 2),
    },
    tail,
    settings: { rounds: ROUNDS, requestsPerRound: REQUESTS, batch: BATCH, concurrency: CONCURRENCY },
    machine: { cpus: os.cpus().length, node: process.version, load: os.loadavg().map((x) => +x.toFixed(2)) },
    measuredAt: new Date().toISOString(),
  };
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results/reward-log.json"), JSON.stringify(out, null, 2) + "\n");
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log("wrote bench/results/reward-log.json");
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(1);
  },
);
