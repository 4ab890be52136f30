/**
 * `steplens synthesize` benchmarks (bundled and run by bench/synthesis.mjs). Models are generated
 * GGUFs with RANDOM weights: the figures measure the pipeline's and the engine's work, not judgement.
 * Every comparison is a ratio measured within one run (the machine is small and shared).
 *
 *  A. pipeline overhead: `steplens synthesize` (the real CLI, dist/cli.js) against `steplens serve`
 *     with the tiny model vs a bare concurrent client (fetch, the same concurrency) making the same
 *     calls — the same generator prompts, seeds and sampling, then the same verifier prompts built
 *     from the solutions it got back. Throughput = calls per second; goal ≥ 0.9.
 *  B. the local engine's generate(n = 8) vs a bare node-llama-cpp loop decoding the same 8 sequences
 *     on one context (8 sequences, LlamaCompletion each, same prompt, sampling and seeds); goal ≥ 0.9.
 *  C. peak RSS of the CLI for 1k vs 10k problems (fake endpoint in this process; bench/peakRss.mjs).
 *  D. resume cost: time from starting `--resume` on a folder of ≥ 10k records to its first new record.
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createLlamaRuntime } from "../src/engines/local/llamaRuntime";
import { LocalEngine } from "../src/engines/local/localEngine";
import { segmentText } from "../src/formats/text";
import { generatorPrompt, GENERATOR_DEFAULTS, VERIFIER_DEFAULTS } from "../src/synthesis/generatorPrompt";
import { BUILTIN_TEMPLATES, renderPrompt } from "../src/verify/templates";
import { startFakeServer } from "../test/support/fakeOpenAiServer";
import { testModel } from "../test/support/testModels";
import { itemAt, median } from "./samples";
// @ts-expect-error plain .mjs helper shared by the benchmarks
import { runMeasured } from "./peakRss.mjs";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const root = process.cwd();
const cliJs = path.join(root, "dist/cli.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bench-synth-"));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

function writeProblems(file: string, n: number): void {
  const out = fs.openSync(file, "w");
  let buf = "";
  for (let i = 0; i < n; i++) {
    buf += JSON.stringify({ id: `p${i}`, problem: `A shop sells ${i + 3} apples a day. How many apples does it sell in ${(i % 9) + 2} days?` }) + "\n";
    if (buf.length > 1 << 16) {
      fs.writeSync(out, buf);
      buf = "";
    }
  }
  fs.writeSync(out, buf);
  fs.closeSync(out);
}

function runCli(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliJs, ...argv], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

async function startServe(model: string, concurrency: number): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, [cliJs, "serve", "--model", model, "--port", "0", "--sequences", String(concurrency), "--gpu", "off", "--quiet"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      const listening = /listening on (http:\/\/[^\s]+)/.exec(out)?.[1];
      if (listening) resolve(listening.replace(/\/$/, ""));
    });
    child.stderr!.on("data", (d) => (out += d));
    child.once("exit", (code) => reject(new Error(`steplens serve exited ${code}: ${out}`)));
  });
  return { url, child };
}

// ---------------------------------------------------------------- A. pipeline overhead

interface Call {
  messages: { role: string; content: string }[];
  seed: number;
  temperature: number;
  topP: number;
}

/** The bare client: a queue of chat calls, `concurrency` in flight, verifier calls queued as solutions come back. */
async function bareClient(
  url: string,
  model: string,
  problems: string[],
  n: number,
  k: number,
  maxTokens: number,
  concurrency: number,
): Promise<{ calls: number; seconds: number }> {
  const template = BUILTIN_TEMPLATES.spark;
  const queue: { call: Call; then?: (text: string) => void }[] = [];
  let calls = 0;
  let active = 0;
  let finish!: () => void;
  const done = new Promise<void>((r) => (finish = r));
  const post = async (c: Call): Promise<string> => {
    const r = await fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: c.messages, n: 1, seed: c.seed, temperature: c.temperature, top_p: c.topP, max_tokens: maxTokens }),
    });
    if (!r.ok) throw new Error(`HTTP ${r.status}: ${await r.text()}`);
    const j = (await r.json()) as { choices: { message: { content: string } }[] };
    return itemAt(j.choices, 0, "choice in the chat completion").message.content ?? "";
  };
  const pump = () => {
    while (active < concurrency && queue.length) {
      const item = queue.shift()!;
      active++;
      post(item.call).then((text) => {
        calls++;
        active--;
        item.then?.(text);
        if (!active && !queue.length) finish();
        else pump();
      });
    }
  };
  const t0 = performance.now();
  problems.forEach((problem) => {
    for (let s = 0; s < n; s++)
      queue.push({
        call: { messages: generatorPrompt(problem), seed: s, temperature: GENERATOR_DEFAULTS.temperature, topP: GENERATOR_DEFAULTS.topP },
        then: (text) => {
          const steps = segmentText(text, { withRanges: false, onProblem: () => undefined }).steps.map((x) => x.text);
          if (!steps.length) return;
          const messages = renderPrompt(template, { problem, steps });
          for (let v = 0; v < k; v++)
            queue.push({ call: { messages, seed: s * k + v, temperature: VERIFIER_DEFAULTS.temperature, topP: VERIFIER_DEFAULTS.topP } });
        },
      });
  });
  pump();
  await done;
  return { calls, seconds: (performance.now() - t0) / 1000 };
}

async function pipelineOverhead(): Promise<Record<string, unknown>> {
  const P = QUICK ? 8 : 24;
  const N = 4;
  const K = 4;
  const MAX = 16;
  const SEQ = 4;
  const model = await testModel({ tokenizer: "spm", chatTemplate: true });
  const serve = await startServe(model, SEQ);
  try {
    const models = (await (await fetch(`${serve.url}/v1/models`)).json()) as { data: { id: string }[] };
    const apiModel = itemAt(models.data, 0, "model in /v1/models").id;
    const problemsFile = path.join(tmp, "overhead.jsonl");
    writeProblems(problemsFile, P);
    const problems = fs
      .readFileSync(problemsFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l).problem as string);
    // The engine's limit on requests in flight: max(default 4, the samples per call) — the bare client gets the same.
    const concurrency = Math.max(4, N, K);
    await bareClient(serve.url, apiModel, problems.slice(0, 2), N, K, MAX, concurrency); // warm-up (server prefix caches)
    const reps = QUICK ? 1 : 3;
    const synth: number[] = [];
    const bare: number[] = [];
    let synthCalls = 0;
    let bareCalls = 0;
    for (let rep = 0; rep < reps; rep++) {
      const b = await bareClient(serve.url, apiModel, problems, N, K, MAX, concurrency);
      bare.push(b.calls / b.seconds);
      bareCalls = b.calls;
      const out = path.join(tmp, `overhead-${rep}`);
      const r = await runCli([
        "synthesize",
        "--problems",
        problemsFile,
        "--out",
        out,
        "--endpoint",
        `${serve.url}/v1`,
        "--api-model",
        apiModel,
        "--solutions",
        String(N),
        "--verifications",
        String(K),
        "--max-tokens",
        String(MAX),
        ...(process.env.SYN_CONC ? ["--concurrency", process.env.SYN_CONC] : []),
        "--json",
      ]);
      if (r.code !== 0) throw new Error(`synthesize failed: ${r.stderr}`);
      const s = JSON.parse(r.stdout);
      synthCalls = s.written.solutions + s.written.verifications;
      synth.push(synthCalls / s.seconds);
    }
    const ratio = median(synth) / median(bare);
    console.log(`A. pipeline overhead: synthesize ${r3(median(synth))} calls/s vs bare client ${r3(median(bare))} calls/s → ratio ${r3(ratio)} (goal ≥ 0.9)`);
    return {
      problems: P,
      solutions: N,
      verifications: K,
      maxTokens: MAX,
      serveSequences: SEQ,
      concurrency,
      reps,
      callsSynthesize: synthCalls,
      callsBare: bareCalls,
      synthesizeCallsPerSecond: synth.map(r3),
      bareCallsPerSecond: bare.map(r3),
      ratio: r3(ratio),
      goal: 0.9,
      note: "synthesize's seconds are its own summary time (after start-up: problems counted, engines built); calls = solution + verification records written",
    };
  } finally {
    serve.child.kill("SIGINT");
  }
}

// ---------------------------------------------------------------- B. local K = 8 vs bare node-llama-cpp

async function localParallel(): Promise<Record<string, unknown>[]> {
  const runtime = await createLlamaRuntime({ gpu: "off", maxThreads: 0 });
  const lib = runtime.lib;
  const cases = QUICK
    ? [{ label: "tiny (spm)", size: "tiny" as const, tokens: 64 }]
    : [
        { label: "tiny (spm)", size: "tiny" as const, tokens: 64 },
        { label: "100M (bpe)", size: "100m" as const, tokens: 24 },
      ];
  const out: Record<string, unknown>[] = [];
  const K = 8;
  const PROMPT = "Solve step by step: a train travels 60 km in 45 minutes. What is its average speed in km/h?\nStep 1:";
  for (const c of cases) {
    const modelPath = await testModel({ tokenizer: c.size === "tiny" ? "spm" : "bpe", size: c.size });
    const engine = await LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 1024, sequences: K, modelCacheDir: "", models: { generator: modelPath }, prm: { adapter: "math-shepherd" } },
      { runtime },
    );
    await engine.role("generator");
    const sampling = { temperature: 0.7, topP: 0.95, maxTokens: c.tokens, seed: 11 };
    const engineRun = async () => {
      const t = performance.now();
      const g = await engine.generate({ role: "generator", prompt: PROMPT, n: K, ...sampling });
      return { ms: performance.now() - t, tokens: g.reduce((a, x) => a + x.tokens, 0) };
    };
    // The bare loop: its own model and context (8 sequences), one LlamaCompletion per sequence, all at once.
    const model = await runtime.llama.loadModel({ modelPath });
    const context = await model.createContext({ contextSize: 1024, sequences: K, flashAttention: false });
    const sequences = Array.from({ length: K }, () => context.getSequence());
    const bareRun = async () => {
      const t = performance.now();
      let tokens = 0;
      await Promise.all(
        sequences.map(async (seq, i) => {
          await seq.clearHistory();
          const completion = new lib.LlamaCompletion({ contextSequence: seq });
          await completion.generateCompletion(PROMPT, {
            maxTokens: c.tokens,
            temperature: sampling.temperature,
            topP: sampling.topP,
            seed: sampling.seed + i,
            disableContextShift: true,
            onToken: (t) => (tokens += t.length),
          });
          completion.dispose({ disposeSequence: false });
        }),
      );
      return { ms: performance.now() - t, tokens };
    };
    await engineRun();
    await bareRun(); // warm-up
    const reps = QUICK ? 3 : c.size === "tiny" ? 7 : 3;
    const e: { ms: number; tokens: number }[] = [];
    const b: { ms: number; tokens: number }[] = [];
    for (let i = 0; i < reps; i++) {
      e.push(await engineRun());
      b.push(await bareRun());
    }
    const eTps = median(e.map((x) => (x.tokens / x.ms) * 1000));
    const bTps = median(b.map((x) => (x.tokens / x.ms) * 1000));
    console.log(`B. ${c.label}: engine generate(n=${K}) ${r3(eTps)} tok/s vs bare node-llama-cpp ${r3(bTps)} tok/s → ratio ${r3(eTps / bTps)} (goal ≥ 0.9)`);
    out.push({
      model: c.label,
      k: K,
      maxTokens: c.tokens,
      reps,
      engineMs: e.map((x) => r3(x.ms)),
      bareMs: b.map((x) => r3(x.ms)),
      engineTokens: itemAt(e, 0, "engine run").tokens,
      bareTokens: itemAt(b, 0, "bare run").tokens,
      engineTokensPerSecond: r3(eTps),
      bareTokensPerSecond: r3(bTps),
      ratio: r3(eTps / bTps),
      goal: 0.9,
    });
    await context.dispose();
    await model.dispose();
    await engine.dispose();
  }
  await runtime.dispose();
  return out;
}

// ---------------------------------------------------------------- C + D. memory and resume

async function memoryAndResume(): Promise<Record<string, unknown>> {
  const server = await startFakeServer();
  try {
    const base = (problems: string, out: string) => [
      "synthesize",
      "--problems",
      problems,
      "--out",
      out,
      "--endpoint",
      server.url,
      "--api-model",
      "fake-model",
      "--solutions",
      "1",
      "--verifications",
      "1",
      "--concurrency",
      "8",
      "--json",
    ];
    const sizes: [number, number] = QUICK ? [200, 2000] : [1000, 10000];
    const rss: Record<string, unknown>[] = [];
    for (const n of sizes) {
      const file = path.join(tmp, `mem-${n}.jsonl`);
      writeProblems(file, n);
      const r = await runMeasured([cliJs, ...base(file, path.join(tmp, `mem-${n}`))], { stdout: "capture" });
      if (r.code !== 0) throw new Error(`synthesize (${n}) failed: ${r.stderr}`);
      const s = JSON.parse(r.stdout);
      console.log(
        `C. ${n} problems: peak RSS ${r3(r.peakRssMb)} MB, ${s.written.solutions + s.written.verifications + s.written.labels} records in ${r3(r.wallS)} s`,
      );
      rss.push({
        problems: n,
        peakRssMb: r3(r.peakRssMb),
        wallS: r3(r.wallS),
        records: s.written.solutions + s.written.verifications + s.written.labels,
        method: r.method,
      });
    }
    const rssRatio = (itemAt(rss, 1, "larger run").peakRssMb as number) / (itemAt(rss, 0, "smaller run").peakRssMb as number);

    // D: the 10k-problem folder holds 30k records; resume it with a larger --limit and time the first new record.
    const big = path.join(tmp, `mem-${sizes[1]}`);
    const more = path.join(tmp, "more.jsonl");
    writeProblems(more, sizes[1] + 50);
    const records = ["solutions.jsonl", "verifications.jsonl", "labels.jsonl"].reduce(
      (a, f) => a + fs.readFileSync(path.join(big, f), "utf8").split("\n").filter(Boolean).length,
      0,
    );
    // The problems file is named in the settings by its base name: the resumed run reads a copy with 50 more problems.
    const moreSame = path.join(tmp, "resume");
    fs.mkdirSync(moreSame, { recursive: true });
    const problemsCopy = path.join(moreSame, `mem-${sizes[1]}.jsonl`);
    fs.copyFileSync(more, problemsCopy);
    const solutions = path.join(big, "solutions.jsonl");
    const sizeBefore = fs.statSync(solutions).size;
    const t0 = performance.now();
    const child = spawn(process.execPath, [cliJs, ...base(problemsCopy, big), "--resume"], { stdio: ["ignore", "ignore", "pipe"] });
    let firstNewMs = NaN;
    while (Number.isNaN(firstNewMs)) {
      if (fs.statSync(solutions).size > sizeBefore) firstNewMs = performance.now() - t0;
      else await new Promise((r) => setTimeout(r, 1));
      if (child.exitCode !== null && Number.isNaN(firstNewMs)) throw new Error("the resumed run ended before writing a record");
    }
    await new Promise((r) => child.once("exit", r));
    // Baseline: a fresh run's time to its first record (node start-up, engine set-up, first call).
    const fresh = path.join(tmp, "fresh");
    const f0 = performance.now();
    const c2 = spawn(process.execPath, [cliJs, ...base(problemsCopy, fresh), "--limit", "5"], { stdio: ["ignore", "ignore", "pipe"] });
    let freshMs = NaN;
    while (Number.isNaN(freshMs)) {
      const f = path.join(fresh, "solutions.jsonl");
      if (fs.existsSync(f) && fs.statSync(f).size > 0) freshMs = performance.now() - f0;
      else await new Promise((r) => setTimeout(r, 1));
      if (c2.exitCode !== null && Number.isNaN(freshMs)) throw new Error("the fresh run ended before writing a record");
    }
    await new Promise((r) => c2.once("exit", r));
    console.log(`C. peak RSS ${sizes[1]} / ${sizes[0]} problems: ${r3(rssRatio)}`);
    console.log(`D. resume on ${records} records: first new record after ${r3(firstNewMs)} ms (a fresh run: ${r3(freshMs)} ms)`);
    return {
      memory: { runs: rss, ratio: r3(rssRatio) },
      resume: { records, firstNewRecordMs: r3(firstNewMs), freshFirstRecordMs: r3(freshMs), extraMs: r3(firstNewMs - freshMs) },
    };
  } finally {
    await server.close();
  }
}

async function main() {
  if (!fs.existsSync(cliJs)) throw new Error(`${cliJs} is missing: node src/build/build.mjs`);
  const started = Date.now();
  const loadBefore = os.loadavg();
  const only = args.find((a) => a.startsWith("--only="))?.slice(7); // a, b or cd: one part, nothing written
  if (only) {
    const r = only === "a" ? await pipelineOverhead() : only === "b" ? await localParallel() : await memoryAndResume();
    console.log(JSON.stringify(r));
    return;
  }
  const pipeline = await pipelineOverhead();
  const local = await localParallel();
  const mr = await memoryAndResume();
  const env = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
    loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
    quick: QUICK,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  const file = path.join(root, "bench/results/synthesis.json");
  fs.writeFileSync(file, JSON.stringify({ env, pipelineOverhead: pipeline, localParallel: local, ...mr }, null, 2) + "\n");
  console.log(`wrote ${path.relative(root, file)}`);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  fs.rmSync(tmp, { recursive: true, force: true });
  process.exit(1);
});
