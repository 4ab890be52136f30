/**
 * Local-engine benchmarks (bundled and run by bench/engine.mjs). Models are generated GGUFs with
 * RANDOM weights: the figures measure the engine's work (tokens, time), not judgement. Every
 * comparison is a ratio measured within one run (the machine is small and shared).
 *
 *  A. one-pass vs naive per-prefix scoring (math-shepherd) for 5-, 20- and 50-step traces
 *  B. scorer overhead: scoreSteps vs a bare controlledEvaluate of the same tokens and reads
 *  C. K = 1, 4, 8 parallel sequences vs the same work one after another (scoring and sampling)
 *  D. re-scoring after an edit to the last step vs a full re-score
 *  E. the judge adapter: shared prefix + per-step question branches vs the naive per-step prompts
 *  F. forking a cached prefix: KV copy vs the public state-file route
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Token } from "node-llama-cpp";
import { forkPrefix, type ForkStrategy } from "../src/engines/local/fork";
import { createLlamaRuntime, type LlamaRuntime } from "../src/engines/local/llamaRuntime";
import { LocalEngine } from "../src/engines/local/localEngine";
import { naivePerPrefix } from "../test/support/naivePrm";
import { testModel, type TestModelOptions } from "../test/support/testModels";
import { itemAt, median } from "./samples";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick"); // tiny model only
const flag = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : NaN);
const REPS = flag("--reps") || 5; // tiny model
const REPS_100M = flag("--reps-100m") || 3; // each 100M run takes seconds (the parallel comparison runs once)
const root = process.cwd();

const now = () => performance.now();
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const PROBLEM = "A farmer has 17 sheep and buys 3 times as many goats as sheep, then sells 12 goats. How many animals does the farmer have now?";
/** Step texts, distinct per index: "long" ≈ 20–50 tokens each with the step marker and tag (LaTeX, digits), "short" ≈ 12–15. */
function makeSteps(n: number, kind: "long" | "short" = "long"): string[] {
  return Array.from({ length: n }, (_, i) =>
    kind === "long" ? `The farmer has $${17 + i} \\times 3 = ${(17 + i) * 3}$ goats, so ${i + 1} more.` : `So x = ${i}.`,
  );
}

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = now();
  const r = await fn();
  return [r, now() - t];
}

interface ModelCase {
  label: string;
  options: TestModelOptions;
  stepCounts: number[];
  parallelSteps: number;
  /** Step length used for this model (the 100M model runs ~80 tokens/s on one CPU thread). */
  stepKind: "long" | "short";
  /** Repetitions of the overhead comparison (B) and of the parallel comparison (C); medians are reported. */
  reps: number;
  parallelReps: number;
}

async function benchModel(runtime: LlamaRuntime, mc: ModelCase) {
  const modelPath = await testModel(mc.options);
  const params = mc.options.size === "100m" ? "~106M" : "~0.1M";
  const mk = (adapter: string, sequences: number) =>
    LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 4096, sequences, modelCacheDir: "", models: { prm: modelPath, generator: modelPath }, prm: { adapter } },
      { runtime },
    );
  const out: Record<string, unknown> = { model: mc.label, file: path.relative(root, modelPath), params, bytes: fs.statSync(modelPath).size };
  console.log(`\n## ${mc.label} (${params} parameters, ${(fs.statSync(modelPath).size / 1e6).toFixed(1)} MB)`);

  // ---- A + B + D: math-shepherd, 2 sequences (one for the engine, one for the references)
  const engine = await mk("math-shepherd", 2);
  await engine.role("prm");
  const onePass = [];
  const overhead = [];
  const edits = [];
  for (const n of mc.stepCounts) {
    const steps = makeSteps(n, mc.stepKind);
    const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps });
    const ref = itemAt(loaded.pool.sequences, 1, "second sequence (for the references)");

    // A. one pass (cold) vs naive per-prefix
    await engine.clearCaches();
    const [scored, msOne] = await time(() => engine.scoreSteps({ problem: PROBLEM, steps }));
    // Empty the context first: in llama.cpp's unified KV cache, cells held by another sequence still cost attention time.
    await engine.clearCaches();
    const [naive, msNaive] = await time(() => naivePerPrefix(ref, plan));
    const maxDiff = Math.max(...scored.steps.map((s, i) => Math.abs(s.margin - itemAt(naive.margins, i, "per-prefix margin"))));
    const a = {
      steps: n,
      onePassTokens: scored.evaluatedTokens,
      naiveTokens: naive.evaluatedTokens,
      tokenRatio: r2(naive.evaluatedTokens / scored.evaluatedTokens),
      onePassMs: r2(msOne),
      naiveMs: r2(msNaive),
      timeRatio: r2(msNaive / msOne),
      maxLogitDiff: Number(maxDiff.toExponential(2)),
    };
    onePass.push(a);
    console.log(
      `A ${n} steps: one pass ${a.onePassTokens} tok ${a.onePassMs} ms | per-prefix ${a.naiveTokens} tok ${a.naiveMs} ms | ×${a.tokenRatio} tokens, ×${a.timeRatio} time (N/2 = ${n / 2})`,
    );

    // B. overhead over a bare controlledEvaluate of the same tokens with the same reads
    const filter = [...plan.positive, ...plan.negative];
    const readSet = new Set(plan.reads.map((r) => r.position));
    const bareInput = plan.tokens.map((t: Token, i: number) =>
      readSet.has(i) ? ([t, { generateNext: { logits: { filter: { tokens: filter } } } }] as const) : t,
    );
    const msScorer: number[] = [];
    const msBare: number[] = [];
    for (let k = 0; k < mc.reps; k++) {
      await engine.clearCaches();
      msScorer.push((await time(() => engine.scoreSteps({ problem: PROBLEM, steps })))[1]);
      await engine.clearCaches(); // the bare run gets the same empty context

      msBare.push((await time(() => ref.controlledEvaluate(bareInput as never)))[1]);
      await ref.clearHistory();
    }
    const b = {
      steps: n,
      tokens: plan.tokens.length,
      scorerMs: r2(median(msScorer)),
      bareMs: r2(median(msBare)),
      ratio: r3(median(msScorer) / median(msBare)),
      reps: mc.reps,
    };
    overhead.push(b);
    console.log(`B ${n} steps: scoreSteps ${b.scorerMs} ms vs bare controlledEvaluate ${b.bareMs} ms → ×${b.ratio} (median of ${mc.reps})`);

    // D. edit to the last step vs full re-score
    const edited = [...steps.slice(0, -1), "An edited final step: so there are 68 animals in all."];
    await engine.clearCaches();
    await engine.scoreSteps({ problem: PROBLEM, steps, cacheKey: "doc" });
    const [warm, msWarm] = await time(() => engine.scoreSteps({ problem: PROBLEM, steps: edited, cacheKey: "doc" }));
    await engine.clearCaches();
    const [full, msFull] = await time(() => engine.scoreSteps({ problem: PROBLEM, steps: edited }));
    const d = {
      steps: n,
      editTokens: warm.evaluatedTokens,
      fullTokens: full.evaluatedTokens,
      editMs: r2(msWarm),
      fullMs: r2(msFull),
      tokenRatio: r2(full.evaluatedTokens / warm.evaluatedTokens),
      timeRatio: r2(msFull / msWarm),
    };
    edits.push(d);
    console.log(
      `D ${n} steps: edit last step ${d.editTokens} tok ${d.editMs} ms vs full ${d.fullTokens} tok ${d.fullMs} ms → ×${d.tokenRatio} tokens, ×${d.timeRatio} time`,
    );
  }
  await engine.dispose();
  Object.assign(out, { onePass, overhead, editRescore: edits });

  // ---- C. K parallel sequences vs the same work one after another
  const parallel = [];
  for (const K of [1, 4, 8]) {
    const e = await mk("math-shepherd", K);
    await e.role("prm");
    const traces = Array.from({ length: K }, (_, k) => ({ problem: `${"ABCDEFGH"[k]}: ${PROBLEM}`, steps: makeSteps(mc.parallelSteps, mc.stepKind) }));
    const gen = { role: "generator" as const, prompt: `${PROBLEM} Step 1:`, temperature: 0.8, seed: 1, maxTokens: 16 };
    await e.scoreSteps(itemAt(traces, 0, "trace")); // warm-up
    await e.generate(gen);
    let scoreTokens = 0;
    const seqScore: number[] = [];
    const parScore: number[] = [];
    const seqGen: number[] = [];
    const parGen: number[] = [];
    for (let rep = 0; rep < mc.parallelReps; rep++) {
      // Sequential: each trace from an empty context, so nothing is reused between them (the same work as in parallel).
      let seqTokens = 0;
      let seqMs = 0;
      for (const t of traces) {
        await e.clearCaches();
        const [r, ms] = await time(() => e.scoreSteps(t));
        seqTokens += r.evaluatedTokens;
        seqMs += ms;
      }
      seqScore.push(seqMs);
      await e.clearCaches();
      const [par, ms] = await time(() => Promise.all(traces.map((t) => e.scoreSteps(t))));
      parScore.push(ms);
      const parTokens = par.reduce((n, r) => n + r.evaluatedTokens, 0);
      if (parTokens !== seqTokens) throw new Error(`unequal work: ${seqTokens} vs ${parTokens} tokens`);
      scoreTokens = parTokens;
      await e.clearCaches();
      seqGen.push(
        (
          await time(async () => {
            for (let k = 0; k < K; k++) await e.generate({ ...gen, seed: 1 + k, n: 1 });
          })
        )[1],
      );
      await e.clearCaches();
      parGen.push((await time(() => e.generate({ ...gen, n: K })))[1]);
    }
    const msSeqScore = median(seqScore);
    const msParScore = median(parScore);
    const msSeqGen = median(seqGen);
    const msParGen = median(parGen);
    const c = {
      K,
      scoreTokens,
      scoreSequentialMs: r2(msSeqScore),
      scoreParallelMs: r2(msParScore),
      scoreThroughputRatio: r2(msSeqScore / msParScore),
      sampleSequentialMs: r2(msSeqGen),
      sampleParallelMs: r2(msParGen),
      sampleThroughputRatio: r2(msSeqGen / msParGen),
    };
    parallel.push(c);
    console.log(
      `C K=${K}: score ${K} traces (${scoreTokens} tokens) ×${c.scoreThroughputRatio} (${c.scoreSequentialMs} → ${c.scoreParallelMs} ms); ${K} samples of 16 tokens ×${c.sampleThroughputRatio} (${c.sampleSequentialMs} → ${c.sampleParallelMs} ms)`,
    );
    await e.dispose();
  }
  out.parallel = parallel;

  // ---- E. judge: shared prefix + question branches vs per-step prompts
  const judge = await mk("judge", 2);
  const jSteps = makeSteps(mc.parallelSteps, mc.stepKind);
  const { plan: jp, loaded: jl } = await judge.planScoring({ problem: PROBLEM, steps: jSteps });
  await judge.clearCaches();
  const [jr, msJudge] = await time(() => judge.scoreSteps({ problem: PROBLEM, steps: jSteps }));
  await judge.clearCaches();
  const [jn, msJudgeNaive] = await time(() => naivePerPrefix(itemAt(jl.pool.sequences, 1, "second sequence (for the per-step prompts)"), jp));
  const shared = jp.tokens.length;
  const questions = jp.branches.reduce((s, b) => s + b.suffix.length, 0);
  out.judge = {
    steps: jSteps.length,
    sharedTokens: shared,
    questionTokens: questions,
    evaluatedTokens: jr.evaluatedTokens,
    perStepPromptTokens: jn.evaluatedTokens,
    tokenRatio: r2(jn.evaluatedTokens / jr.evaluatedTokens),
    costOverOnePass: r2(jr.evaluatedTokens / shared),
    ms: r2(msJudge),
    perStepMs: r2(msJudgeNaive),
    timeRatio: r2(msJudgeNaive / msJudge),
    maxLogitDiff: Number(Math.max(...jr.steps.map((s, i) => Math.abs(s.margin - itemAt(jn.margins, i, "per-step prompt margin")))).toExponential(2)),
  };
  console.log(
    `E judge ${jSteps.length} steps: ${jr.evaluatedTokens} tok (shared ${shared} + questions ${questions}, ×${r2(jr.evaluatedTokens / shared)} one pass) ${r2(msJudge)} ms vs per-step prompts ${jn.evaluatedTokens} tok ${r2(msJudgeNaive)} ms`,
  );
  await judge.dispose();

  // ---- F. forking a 1000-token prefix (512 on the 100M model)
  const fe = await mk("math-shepherd", 2);
  const { model, pool } = await fe.role("generator");
  const src = itemAt(pool.sequences, 0, "sequence (the fork's source)");
  const dst = itemAt(pool.sequences, 1, "sequence (the fork's destination)");
  const prefix = [
    ...(model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos] : []),
    ...model.tokenize(makeSteps(80).join(" ")),
  ].slice(0, mc.stepKind === "long" ? 1000 : 512);
  await src.clearHistory();
  const [, msEval] = await time(() => src.evaluateWithoutGeneratingNewTokens(prefix));
  const fork: Record<string, number> = { prefixTokens: prefix.length, evaluateMs: r2(msEval) };
  for (const strategy of ["copy", "state-file"] as ForkStrategy[]) {
    const ms: number[] = [];
    for (let k = 0; k < 5; k++) {
      await dst.clearHistory();
      ms.push((await time(() => forkPrefix(src, dst, prefix.length, { strategy })))[1]);
    }
    fork[`${strategy}Ms`] = r3(median(ms));
  }
  out.fork = fork;
  console.log(`F fork ${prefix.length} tokens: copy ${fork["copyMs"]} ms, state file ${fork["state-fileMs"]} ms (evaluating them: ${fork.evaluateMs} ms)`);
  await fe.dispose();
  return out;
}

function markdown(results: Record<string, any>[]): string {
  const lines: string[] = [];
  lines.push(
    "| model | steps | one-pass tokens | per-prefix tokens | × tokens | one-pass ms | per-prefix ms | × time |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  );
  for (const r of results)
    for (const a of r.onePass)
      lines.push(`| ${r.model} | ${a.steps} | ${a.onePassTokens} | ${a.naiveTokens} | ${a.tokenRatio} | ${a.onePassMs} | ${a.naiveMs} | ${a.timeRatio} |`);
  lines.push("", "| model | steps | tokens | scoreSteps ms | bare controlledEvaluate ms | overhead × |", "|---|---:|---:|---:|---:|---:|");
  for (const r of results) for (const b of r.overhead) lines.push(`| ${r.model} | ${b.steps} | ${b.tokens} | ${b.scorerMs} | ${b.bareMs} | ${b.ratio} |`);
  lines.push(
    "",
    "| model | K | score K traces: sequential → parallel ms | × | K samples (16 tokens): sequential → parallel ms | × |",
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const r of results)
    for (const c of r.parallel)
      lines.push(
        `| ${r.model} | ${c.K} | ${c.scoreSequentialMs} → ${c.scoreParallelMs} | ${c.scoreThroughputRatio} | ${c.sampleSequentialMs} → ${c.sampleParallelMs} | ${c.sampleThroughputRatio} |`,
      );
  lines.push("", "| model | steps | edit last step: tokens / ms | full re-score: tokens / ms | × tokens | × time |", "|---|---:|---:|---:|---:|---:|");
  for (const r of results)
    for (const d of r.editRescore)
      lines.push(`| ${r.model} | ${d.steps} | ${d.editTokens} / ${d.editMs} | ${d.fullTokens} / ${d.fullMs} | ${d.tokenRatio} | ${d.timeRatio} |`);
  lines.push(
    "",
    "| model | judge steps | shared + questions = evaluated tokens | per-step prompts tokens | × tokens | ms vs per-step ms |",
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const r of results) {
    const j = r.judge;
    lines.push(
      `| ${r.model} | ${j.steps} | ${j.sharedTokens} + ${j.questionTokens} = ${j.evaluatedTokens} | ${j.perStepPromptTokens} | ${j.tokenRatio} | ${j.ms} vs ${j.perStepMs} |`,
    );
  }
  lines.push("", "| model | fork prefix tokens | KV copy ms | state file ms | evaluating the prefix ms |", "|---|---:|---:|---:|---:|");
  for (const r of results) lines.push(`| ${r.model} | ${r.fork.prefixTokens} | ${r.fork.copyMs} | ${r.fork["state-fileMs"]} | ${r.fork.evaluateMs} |`);
  return lines.join("\n");
}

async function main() {
  const started = Date.now();
  const loadBefore = os.loadavg();
  const runtime = await createLlamaRuntime({ gpu: "auto", maxThreads: 0, onWarning: (w) => console.warn(w) });
  const { getModuleVersion } = runtime.lib;
  const cases: ModelCase[] = [
    { label: "tiny (spm)", options: { tokenizer: "spm" }, stepCounts: [5, 20, 50], parallelSteps: 20, stepKind: "long", reps: REPS, parallelReps: REPS },
  ];
  if (!QUICK)
    cases.push({
      label: "100M (bpe)",
      options: { tokenizer: "bpe", chatTemplate: true, size: "100m" },
      stepCounts: [5, 20, 50],
      parallelSteps: 8,
      stepKind: "short",
      reps: REPS_100M,
      parallelReps: 1,
    });
  const results = [];
  for (const c of cases) results.push(await benchModel(runtime, c));
  const env = {
    date: new Date().toISOString(),
    nodeLlamaCpp: await getModuleVersion(),
    node: process.version,
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    threads: runtime.threads,
    device: runtime.device,
    flashAttention: runtime.device === "cpu" ? false : "auto",
    loadAverageBefore: loadBefore.map(r2),
    loadAverageAfter: os.loadavg().map(r2),
    seconds: Math.round((Date.now() - started) / 1000),
  };
  await runtime.dispose();
  const table = markdown(results);
  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results/engine.json"), JSON.stringify({ env, results }, null, 2) + "\n");
  fs.writeFileSync(path.join(root, "bench/results/engine.md"), `<!-- generated by node bench/engine.mjs on ${env.date} -->\n${table}\n`);
  console.log(`\n${table}\n\n${JSON.stringify(env)}\nwrote bench/results/engine.json and bench/results/engine.md`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
