/**
 * PAV progress rollouts (bundled and run by bench/progress.mjs): a 20-step trace, M = 4 and 16
 * rollouts per prefix (21 prefixes: the problem alone and after each step), two ways:
 *   fork        the trace evaluated once on one sequence, every prefix forked into the others
 *   reevaluate  every rollout evaluates its own prefix from scratch (no reuse)
 * Same seeds, same sampler: the rollouts agree (the share of identical ones is reported; batched
 * decodes round some logits differently, which can flip a sample now and then). Reported: prefix tokens
 * evaluated (goal for fork: ≤ 1.1 × the trace's tokens), rollout tokens, wall time. Models are
 * generated GGUFs with RANDOM weights: the figures measure the engine's work, not judgement.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { GpuSetting } from "../src/config";
import type { PrefixRollouts } from "../src/engines/engine";
import { createLlamaRuntime } from "../src/engines/local/llamaRuntime";
import { LocalEngine } from "../src/engines/local/localEngine";
import { proverPrompt } from "../src/progress/proverPrompt";
import { testModel, type TestModelOptions } from "../test/support/testModels";
import { itemAt } from "./samples";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const FULL = args.includes("--full");
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const MAX_TOKENS = Number(value("--max-tokens") ?? 16);
const GPU = (value("--gpu") ?? "off") as GpuSetting;
const root = process.cwd();
const r2 = (x: number) => Math.round(x * 100) / 100;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const PROBLEM = "A farmer has 17 sheep and buys 3 times as many goats as sheep, then sells 12 goats. How many animals does the farmer have now?";
const STEPS = Array.from({ length: 20 }, (_, i) => `The farmer has $${17 + i} \\times 3 = ${(17 + i) * 3}$ goats, so ${i + 1} more.`);

interface Row {
  model: string;
  device: string;
  rollouts: number;
  mode: "fork" | "reevaluate";
  sequences: number;
  traceTokens: number;
  prefixTokensEvaluated: number;
  prefixPerTrace: number;
  rolloutTokens: number;
  seconds: number;
}

async function main(): Promise<void> {
  const cases: { label: string; options: TestModelOptions; m: number[] }[] = [{ label: "tiny (random weights)", options: { tokenizer: "spm" }, m: [4, 16] }];
  // The 100M model at M = 16 re-evaluates ~180k prefix tokens: minutes on a small CPU, so only with --full.
  if (!QUICK) cases.push({ label: "100M (random weights)", options: { tokenizer: "bpe", size: "100m" }, m: FULL ? [4, 16] : [4] });
  const runtime = await createLlamaRuntime({ gpu: GPU, maxThreads: 0 });
  const rows: Row[] = [];
  const identical: Record<string, string> = {};
  const { head, segments } = proverPrompt(PROBLEM, STEPS);
  try {
    for (const c of cases) {
      const file = await testModel(c.options);
      for (const m of c.m) {
        // One sequence holds the trace; M more take the rollouts of a prefix at once.
        const sequences = m + 1;
        const engine = await LocalEngine.create(
          { gpu: GPU, maxThreads: 0, contextSize: 2048, sequences, modelCacheDir: "", prm: { adapter: "math-shepherd" }, models: { prover: file } },
          { runtime },
        );
        try {
          await engine.prefixRollouts({ role: "prover", head, segments: segments.slice(0, 1), n: 1, maxTokens: 2 }); // load and warm up
          const out: Partial<Record<Row["mode"], PrefixRollouts>> = {};
          for (const mode of ["fork", "reevaluate"] as const) {
            await engine.clearCaches();
            const t = performance.now();
            const r = await engine.prefixRollouts({
              role: "prover",
              head,
              segments,
              n: m,
              seed: 0,
              temperature: 0.7,
              maxTokens: MAX_TOKENS,
              prefixReuse: mode,
            });
            const seconds = (performance.now() - t) / 1000;
            out[mode] = r;
            rows.push({
              model: c.label,
              device: runtime.device,
              rollouts: m,
              mode,
              sequences,
              traceTokens: r.traceTokens,
              prefixTokensEvaluated: r.prefixTokensEvaluated,
              prefixPerTrace: r3(r.prefixTokensEvaluated / r.traceTokens),
              rolloutTokens: r.rolloutTokens,
              seconds: r2(seconds),
            });
            console.log(
              `${c.label} M=${m} ${mode}: ${r.prefixTokensEvaluated} prefix tokens for a ${r.traceTokens}-token trace, ${r.rolloutTokens} rollout tokens, ${seconds.toFixed(2)} s`,
            );
          }
          const a = out.fork!.rollouts.flat();
          const b = out.reevaluate!.rollouts.flat();
          identical[`${c.label} M=${m}`] = `${a.filter((g, i) => g.text === itemAt(b, i, "re-evaluated rollout").text).length} of ${a.length}`;
        } finally {
          await engine.dispose();
        }
      }
    }
  } finally {
    await runtime.dispose();
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "", node: process.version },
    trace: { steps: STEPS.length, prefixes: STEPS.length + 1 },
    maxTokens: MAX_TOKENS,
    rows,
    identicalRollouts: identical,
  };
  const dir = path.join(root, "bench/results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "progress.json"), JSON.stringify(result, null, 2) + "\n");
  const md = [
    `# Progress rollouts: forked prefixes vs re-evaluated prefixes`,
    ``,
    `20-step trace (21 prefixes), rollouts of at most ${MAX_TOKENS} tokens, temperature 0.7, seed 0, sequences = M + 1, ${runtime.device}; ${result.machine.cpus} CPU threads (${result.machine.cpu}). Random-weight models: engine work, not judgement.`,
    ``,
    `| model | M | prefixes | prefix tokens evaluated | × trace tokens | rollout tokens | wall time (s) |`,
    `|---|---:|---|---:|---:|---:|---:|`,
    ...rows.map((r) => `| ${r.model} | ${r.rollouts} | ${r.mode} | ${r.prefixTokensEvaluated} | ${r.prefixPerTrace} | ${r.rolloutTokens} | ${r.seconds} |`),
    ``,
    `Identical rollouts (fork vs re-evaluate, same seeds): ${Object.entries(identical)
      .map(([k, v]) => `${k}: ${v}`)
      .join(
        "; ",
      )}. With several sequences decoding in one batch, llama.cpp rounds some logits differently (batch-size dependent), which now and then flips a sample of a random-weight model in either mode; one generation at a time, the two modes agree exactly (test/unit/engine-prefix-rollouts.test.ts).`,
    ``,
  ].join("\n");
  fs.writeFileSync(path.join(dir, "progress.md"), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
