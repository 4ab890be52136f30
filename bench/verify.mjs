#!/usr/bin/env node
// K = 8 verifications of one trace on the tiny generated model (random weights; CPU, 1 thread):
// the 8 as parallel sequences in ONE engine.generate call (n = 8, seeds s..s+7) versus the same 8
// one after another (8 calls with n = 1, seeds s..s+7), through the real verify pipeline
// (verifyTrace: prompt, generation, parsing, aggregation). Both free text (fixed token budget) and
// constrained JSON (grammar). Reports generated tokens per second and the throughput ratio, measured
// in this one run (warm-up, then alternating rounds; medians). Also checks whether sample i's text is
// the same both ways (same seed).
// With --100m: the generated ~106M-parameter model instead (free text only; use --max-tokens 32).
// Usage: node bench/verify.mjs [--100m] [--rounds N] [--max-tokens N]   Results: bench/results/verify.json
import esbuild from "esbuild";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const loadAtStart = os.loadavg().map((x) => +x.toFixed(2));
const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const ROUNDS = arg("rounds", 5);
const MAX_TOKENS = arg("max-tokens", 96);
const SIZE = process.argv.includes("--100m") ? "100m" : "tiny";
const K = 8;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-verify-"));
process.on("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
const entry = `
import { DEFAULT_CONFIG } from "./src/config";
import { LocalEngine, localEngineOptions } from "./src/engines/local/localEngine";
import { BUILTIN_TEMPLATES } from "./src/verify/templates";
import { verifyTrace } from "./src/verify/verifyPipeline";
import { testModel, testModelOptions } from "./test/support/testModels";
export { DEFAULT_CONFIG, LocalEngine, localEngineOptions, BUILTIN_TEMPLATES, verifyTrace, testModel, testModelOptions };
`;
// Inside the project (out/ is ignored), so that node-llama-cpp resolves from node_modules.
const bundle = path.join(root, "out/bench/bench-verify.cjs");
await esbuild.build({
  stdin: { contents: entry, resolveDir: root, loader: "ts", sourcefile: "bench-verify-entry.ts" },
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  logLevel: "error",
  external: ["node-llama-cpp", "@node-llama-cpp/*"],
});
const { createRequire } = await import("node:module");
const lib = createRequire(import.meta.url)(bundle);

const modelOpts = { tokenizer: "bpe", chatTemplate: true, size: SIZE };
const modelPath = await lib.testModel(modelOpts);
const threads = 1;
const engine = await lib.LocalEngine.create(
  lib.localEngineOptions(
    { ...lib.DEFAULT_CONFIG, local: { ...lib.DEFAULT_CONFIG.local, gpu: "off", maxThreads: threads, contextSize: 2048, sequences: K } },
    { models: { verifier: modelPath } },
  ),
);
const trace = {
  problem: "Sue has 18 pink flamingos. A third are painted white. 18 more pink ones are added. How many more pink than white?",
  steps: ["One third of 18 is 6, so 6 become white.", "12 pink remain; adding 18 gives 30 pink.", "30 - 6 = 24.", "The answer is 24."],
};

const cpuS = (c) => (c.user + c.system) / 1e6;
async function parallel(mode, seed) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const r = await lib.verifyTrace(engine, trace, { ...mode, samples: K, seed });
  return {
    s: (performance.now() - t0) / 1000,
    cpu: cpuS(process.cpuUsage(c0)),
    tokens: r.samples.reduce((a, x) => a + x.tokens, 0),
    texts: r.samples.map((x) => x.text),
    valid: r.aggregate.valid,
  };
}
async function sequential(mode, seed) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let tokens = 0;
  let valid = 0;
  const texts = [];
  for (let i = 0; i < K; i++) {
    const r = await lib.verifyTrace(engine, trace, { ...mode, samples: 1, seed: seed + i });
    tokens += r.samples[0].tokens;
    valid += r.aggregate.valid;
    texts.push(r.samples[0].text);
  }
  return { s: (performance.now() - t0) / 1000, cpu: cpuS(process.cpuUsage(c0)), tokens, texts, valid };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const MODES = {
  freeText: { template: lib.BUILTIN_TEMPLATES.spark, temperature: 0.8, maxTokens: MAX_TOKENS },
  ...(SIZE === "tiny" ? { constrained: { template: lib.BUILTIN_TEMPLATES.spark, temperature: 0.8, constrained: { maxCritiqueChars: 16 } } } : {}),
};
const results = {};
try {
  for (const [name, mode] of Object.entries(MODES)) {
    await parallel(mode, 1000); // warm-up: model load, grammar, prompt prefix
    await sequential(mode, 1000);
    const par = [];
    const seq = [];
    let sameTexts = true;
    for (let r = 0; r < ROUNDS; r++) {
      const seed = 100 + r * K;
      const a = r % 2 === 0 ? await parallel(mode, seed) : null;
      const b = await sequential(mode, seed);
      const a2 = a ?? (await parallel(mode, seed));
      par.push(a2);
      seq.push(b);
      sameTexts &&= a2.texts.every((t, i) => t === b.texts[i]);
    }
    // Ratio per round (parallel and sequential measured back to back), then the median: robust to
    // load drift on a shared machine.
    const perRound = par.map((a, i) => a.tokens / a.s / (seq[i].tokens / seq[i].s));
    // CPU seconds per generated token (this process, all threads): far less sensitive to other jobs.
    const cpuRatio = median(par.map((a, i) => seq[i].cpu / seq[i].tokens / (a.cpu / a.tokens)));
    const pS = median(par.map((x) => x.s));
    const sS = median(seq.map((x) => x.s));
    const pTps = median(par.map((x) => x.tokens / x.s));
    const sTps = median(seq.map((x) => x.tokens / x.s));
    results[name] = {
      parallel: { medianS: +pS.toFixed(3), tokensPerRun: par.map((x) => x.tokens), tokensPerS: +pTps.toFixed(1), validOf8: par.map((x) => x.valid) },
      sequential: { medianS: +sS.toFixed(3), tokensPerRun: seq.map((x) => x.tokens), tokensPerS: +sTps.toFixed(1), validOf8: seq.map((x) => x.valid) },
      throughputRatio: +median(perRound).toFixed(2),
      throughputRatioPerRound: perRound.map((x) => +x.toFixed(2)),
      cpuPerTokenRatio: +cpuRatio.toFixed(2),
      cpuMsPerToken: {
        parallel: +median(par.map((x) => (1000 * x.cpu) / x.tokens)).toFixed(3),
        sequential: +median(seq.map((x) => (1000 * x.cpu) / x.tokens)).toFixed(3),
      },
      wallRatio: +(sS / pS).toFixed(2),
      sameTextsBothWays: sameTexts,
    };
    console.log(
      `${name}: K=${K} parallel ${pS.toFixed(2)} s (${pTps.toFixed(0)} tok/s) vs sequential ${sS.toFixed(2)} s (${sTps.toFixed(0)} tok/s): throughput ×${median(perRound).toFixed(2)} (per round: ${perRound.map((x) => x.toFixed(2)).join(", ")}); CPU per token: sequential/parallel ×${cpuRatio.toFixed(2)}; same texts: ${sameTexts}`,
    );
  }
} finally {
  await engine.dispose();
}

const resultFile = path.join(root, "bench/results/verify.json");
let previous = {};
try {
  previous = JSON.parse(fs.readFileSync(resultFile, "utf8")).bySize ?? {};
} catch {
  // first run
}
const out = {
  bench: "verify",
  what: "K = 8 verifications of one 4-step trace through verifyTrace on the tiny generated model: n = 8 in one generate call (8 parallel sequences of one context) vs 8 sequential calls with n = 1; same seeds",
  date: new Date().toISOString(),
  loadAverage1mStartEnd: [loadAtStart[0], +os.loadavg()[0].toFixed(2)],
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? "?", node: process.version, device: "cpu", threads },
  note: "random weights: measures plumbing and batching, not judgement. bySize.tiny comes from `node bench/verify.mjs`, bySize.100m from `node bench/verify.mjs --100m --max-tokens 32` (kept from its last run)",
  k: K,
  bySize: {
    ...previous,
    [SIZE]: { model: lib.testModelOptions(modelOpts), rounds: ROUNDS, maxTokensFreeText: MAX_TOKENS, date: new Date().toISOString(), results },
  },
};
fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
fs.writeFileSync(resultFile, JSON.stringify(out, null, 2) + "\n");
