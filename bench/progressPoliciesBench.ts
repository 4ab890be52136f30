/**
 * PAV progress with two policies vs one (bundled and run by bench/progress-policies.mjs), in one
 * run: the same 20-step trace, M rollouts per prefix, the same sampling, on generated GGUFs with
 * RANDOM weights (engine work, not judgement):
 *   one policy   the prover μ is also the base policy π (one set of rollouts: Q^π = Q^μ)
 *   two policies another model (same shape and tokenizer, other weights) is π: Q^μ from the
 *                prover's rollouts before step 1 and after every step, Q^π from π's after every step
 * Tokens evaluated = prefix tokens run through a model + rollout tokens generated, per step.
 * Goal: two policies ≤ 2.05 × one policy. Writes bench/results/progress-policies.json and .md.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { GpuSetting } from "../src/config";
import { createLlamaRuntime } from "../src/engines/local/llamaRuntime";
import { LocalEngine } from "../src/engines/local/localEngine";
import { estimateProgress, type ProgressResult } from "../src/progress/estimateProgress";
import { testModel, type TestModelOptions } from "../test/support/testModels";

const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const value = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const MAX_TOKENS = Number(value("--max-tokens") ?? 16);
const M = Number(value("--rollouts") ?? 4);
const GPU = (value("--gpu") ?? "off") as GpuSetting;
const r3 = (x: number) => Math.round(x * 1000) / 1000;

const PROBLEM = "A farmer has 17 sheep and buys 3 times as many goats as sheep, then sells 12 goats. How many animals does the farmer have now?";
const STEPS = Array.from({ length: 20 }, (_, i) => `The farmer has $${17 + i} \\times 3 = ${(17 + i) * 3}$ goats, so ${i + 1} more.`);

interface Row {
  model: string;
  policies: "one" | "two";
  samePolicy: boolean;
  proverPrefixTokens: number;
  policyPrefixTokens: number;
  traceTokens: number;
  proverRolloutTokens: number;
  policyRolloutTokens: number;
  tokensEvaluated: number;
  tokensPerStep: number;
  prefixTokensPerStep: number;
  seconds: number;
}

function row(model: string, policies: Row["policies"], r: ProgressResult): Row {
  const prefix = r.prefixTokensEvaluated + r.policy.prefixTokensEvaluated;
  const total = prefix + r.rolloutTokens + r.policy.rolloutTokens;
  return {
    model,
    policies,
    samePolicy: r.samePolicy,
    proverPrefixTokens: r.prefixTokensEvaluated,
    policyPrefixTokens: r.policy.prefixTokensEvaluated,
    traceTokens: r.traceTokens,
    proverRolloutTokens: r.rolloutTokens,
    policyRolloutTokens: r.policy.rolloutTokens,
    tokensEvaluated: total,
    tokensPerStep: r3(total / STEPS.length),
    prefixTokensPerStep: r3(prefix / STEPS.length),
    seconds: r3(r.seconds),
  };
}

async function main(): Promise<void> {
  const cases: { label: string; prover: TestModelOptions; policy: TestModelOptions }[] = [
    { label: "tiny (random weights)", prover: { tokenizer: "spm" }, policy: { tokenizer: "spm", seed: 99 } },
  ];
  if (!QUICK) cases.push({ label: "100M (random weights)", prover: { tokenizer: "bpe", size: "100m" }, policy: { tokenizer: "bpe", size: "100m", seed: 99 } });
  const runtime = await createLlamaRuntime({ gpu: GPU, maxThreads: 0 });
  const rows: Row[] = [];
  const ratios: Record<string, { tokensPerStep: number; prefixTokens: number }> = {};
  try {
    for (const c of cases) {
      const prover = await testModel(c.prover);
      const policy = await testModel(c.policy);
      const results: Partial<Record<Row["policies"], ProgressResult>> = {};
      for (const policies of ["one", "two"] as const) {
        const engine = await LocalEngine.create(
          {
            gpu: GPU,
            maxThreads: 0,
            contextSize: 2048,
            sequences: M + 1,
            modelCacheDir: "",
            prm: { adapter: "math-shepherd" },
            models: { prover, generator: policies === "one" ? prover : policy },
          },
          { runtime },
        );
        try {
          // Load and warm up both roles on a one-step trace.
          await estimateProgress(engine, { problem: PROBLEM, steps: STEPS.slice(0, 1), rollouts: 1, alpha: 0.5, maxTokens: 2, reference: "131" });
          await engine.clearCaches();
          const r = await estimateProgress(engine, {
            problem: PROBLEM,
            steps: STEPS,
            rollouts: M,
            alpha: 0.5,
            maxTokens: MAX_TOKENS,
            seed: 0,
            temperature: 0.7,
            reference: "131",
          });
          results[policies] = r;
          const x = row(c.label, policies, r);
          rows.push(x);
          console.log(
            `${c.label} ${policies} polic${policies === "one" ? "y" : "ies"}: ${x.tokensEvaluated} tokens evaluated (${x.tokensPerStep} per step), ${x.seconds} s`,
          );
        } finally {
          await engine.dispose();
        }
      }
      const one = rows.find((r) => r.model === c.label && r.policies === "one")!;
      const two = rows.find((r) => r.model === c.label && r.policies === "two")!;
      ratios[c.label] = { tokensPerStep: r3(two.tokensPerStep / one.tokensPerStep), prefixTokens: r3(two.prefixTokensPerStep / one.prefixTokensPerStep) };
    }
  } finally {
    await runtime.dispose();
  }
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "", node: process.version, device: GPU },
    trace: { steps: STEPS.length, prefixes: STEPS.length + 1 },
    rollouts: M,
    maxTokens: MAX_TOKENS,
    goal: "two policies ≤ 2.05 × one policy, tokens evaluated per step",
    rows,
    ratios,
  };
  const dir = path.join(process.cwd(), "bench/results");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "progress-policies.json"), JSON.stringify(result, null, 2) + "\n");
  const md = [
    `# Progress with two policies (π ≠ μ) vs one (π = μ)`,
    ``,
    `20-step trace (21 prefixes), M = ${M} rollouts per prefix, at most ${MAX_TOKENS} tokens each, temperature 0.7, seed 0, sequences = M + 1; ${result.machine.cpus} CPU threads (${result.machine.cpu}). Tokens evaluated = prefix tokens run through a model + rollout tokens generated. Random-weight models: engine work, not judgement.`,
    ``,
    `| model | policies | prefix tokens (μ + π) | rollout tokens (μ + π) | tokens evaluated per step | wall time (s) |`,
    `|---|---|---:|---:|---:|---:|`,
    ...rows.map(
      (r) =>
        `| ${r.model} | ${r.policies} | ${r.proverPrefixTokens} + ${r.policyPrefixTokens} | ${r.proverRolloutTokens} + ${r.policyRolloutTokens} | ${r.tokensPerStep} | ${r.seconds} |`,
    ),
    ``,
    `Two policies ÷ one, tokens evaluated per step: ${Object.entries(ratios)
      .map(([k, v]) => `${k} ${v.tokensPerStep}× (prefix tokens alone ${v.prefixTokens}×)`)
      .join("; ")} — goal ≤ 2.05×.`,
    ``,
  ].join("\n");
  fs.writeFileSync(path.join(dir, "progress-policies.md"), md);
  console.log(md);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
