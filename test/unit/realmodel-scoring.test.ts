/**
 * PRM scoring on the real model (Gemma 3 270M Q4_K_M, its real 262k-token vocabulary): how the
 * step tag and the label tokens tokenise, one pass equal to per-prefix evaluation with the real
 * library, and re-scoring after an edit evaluating only the changed tail. Behaviour only: the scores
 * of a 270M model that was never trained as a PRM are not judged.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import type { PrmPlan } from "../../src/engines/prm/plan";
import { createLlamaRuntime, type LlamaRuntime } from "../../src/engines/local/llamaRuntime";
import { LocalEngine } from "../../src/engines/local/localEngine";
import { meterSnapshot, naivePerPrefix } from "../support/naivePrm";
import { realModelPath, realModelThreads } from "../support/realModel";
import { itemAt } from "../support/indexing";

const PROBLEM = "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. How much did she earn?";
const STEPS = ["Weng earns 12 / 60 = $0.2 per minute.", "Working 50 minutes, she earned 0.2 x 50 = $10.", "So she earned $10 yesterday.", "The answer is 10."];

function lcp(a: readonly Token[], b: readonly Token[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

/** Per-step margins of the naive per-step prompts (each `cut`), the last `split` tokens evaluated apart from the rest. */
async function marginsOf(sequence: LlamaContextSequence, plan: PrmPlan, cut: (t: Token[]) => Token[], split: number): Promise<number[]> {
  const filter = [...new Set([...plan.positive, ...plan.negative])];
  const [positive] = plan.positive;
  const [negative] = plan.negative;
  assert.ok(positive !== undefined && negative !== undefined, "the plan's + and - tokens");
  const prompts = plan.branches.length
    ? plan.branches.map((b) => [...plan.tokens.slice(0, b.forkAt), ...b.suffix])
    : plan.reads.map((r) => plan.tokens.slice(0, r.position + 1));
  const out: number[] = [];
  for (const full of prompts.map(cut)) {
    await sequence.clearHistory();
    const k = Math.max(1, split);
    if (full.length > k) await sequence.evaluateWithoutGeneratingNewTokens(full.slice(0, -k));
    const tail = full.slice(-k);
    const res = await sequence.controlledEvaluate(
      tail.map((t, i) => (i === tail.length - 1 ? [t, { generateNext: { logits: { filter: { tokens: filter } } } }] : t)),
    );
    const logits = res[tail.length - 1]!.next.logits!;
    out.push((logits.get(positive) ?? -Infinity) - (logits.get(negative) ?? -Infinity));
  }
  await sequence.clearHistory();
  return out;
}

describe("real model: judge and math-shepherd adapters on the real tokenizer", () => {
  let runtime: LlamaRuntime;
  before(async () => {
    runtime = await createLlamaRuntime({ gpu: "off", maxThreads: realModelThreads() });
  });
  after(async () => {
    await runtime?.dispose();
  });
  const engineFor = (adapter: string) =>
    LocalEngine.create(
      { gpu: "off", maxThreads: realModelThreads(), contextSize: 2048, sequences: 2, modelCacheDir: "", models: { prm: realModelPath() }, prm: { adapter } },
      { runtime },
    );

  it("math-shepherd: 'ки' after each step is one token, '+' and '-' are one token each, read at the tags", async () => {
    const engine = await engineFor("math-shepherd");
    try {
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
      const { model } = loaded;
      assert.deepEqual(plan.positive, model.tokenize("+"));
      assert.deepEqual(plan.negative, model.tokenize("-"));
      assert.equal(plan.positive.length, 1);
      assert.equal(plan.negative.length, 1);
      assert.equal(plan.reads.length, STEPS.length);
      for (const r of plan.reads)
        assert.equal(
          model.detokenize([itemAt(plan.tokens, r.position, `the token read for step ${r.step + 1}`)]),
          " ки",
          `step ${r.step + 1} is read at its tag`,
        );
      assert.equal(model.tokenize(" ки").length, 1, "the tag with its leading space is one token of the 262k vocabulary");
    } finally {
      await engine.dispose();
    }
  });

  it("judge: 'Yes' and 'No' are single tokens, read where the model's answer starts", async () => {
    const engine = await engineFor("judge");
    try {
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
      const { model } = loaded;
      assert.equal(model.detokenize(plan.positive), "Yes");
      assert.equal(model.detokenize(plan.negative), "No");
      assert.equal(plan.branches.length, STEPS.length);
    } finally {
      await engine.dispose();
    }
  });

  for (const adapter of ["math-shepherd", "judge"]) {
    it(`${adapter}: one pass evaluates the input once and equals per-prefix evaluation within 1e-2; an edit re-evaluates only the changed tail`, async () => {
      const engine = await engineFor(adapter);
      try {
        const cold = await engine.scoreSteps({ problem: PROBLEM, steps: STEPS, cacheKey: "doc" });
        assert.equal(cold.evaluatedTokens, cold.traceTokens, "one pass: every token once");
        for (const s of cold.steps) assert.ok(s.score >= 0 && s.score <= 1 && Number.isFinite(s.margin));
        const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
        const sequence = itemAt(loaded.pool.sequences, 1, "the pool's second sequence");
        const naive = await naivePerPrefix(sequence, plan);
        assert.ok(naive.evaluatedTokens > cold.evaluatedTokens, `per-prefix costs more: ${naive.evaluatedTokens} > ${cold.evaluatedTokens}`);
        // Q4_K_M on the CPU: llama.cpp's logits depend on how the same tokens are split into batches
        // (by up to ~0.2 in margin on this model). The tolerance is that noise, measured here: the
        // same per-prefix prompts evaluated in two chunks. A read one token off (the control) is far outside it.
        const chunked = await marginsOf(sequence, plan, (t) => t, 7);
        const noise = Math.max(...chunked.map((m, i) => Math.abs(m - itemAt(naive.margins, i, `the per-prefix margin of step ${i + 1}`))));
        const tolerance = Math.max(0.02, 2 * noise);
        const diff = Math.max(...cold.steps.map((s, i) => Math.abs(s.margin - itemAt(naive.margins, i, `the per-prefix margin of step ${i + 1}`))));
        assert.ok(diff <= tolerance, `max |one pass − per-prefix| = ${diff}, batch-split noise ${noise}`);
        const early = await marginsOf(sequence, plan, (t) => t.slice(0, -1), 0);
        const off = Math.max(...early.map((m, i) => Math.abs(m - itemAt(naive.margins, i, `the per-prefix margin of step ${i + 1}`))));
        assert.ok(off > tolerance, `a read one token early differs by ${off} > ${tolerance}: the comparison can fail`);

        const edited = [...STEPS.slice(0, -1), "The answer is 12."];
        const { plan: p2 } = await engine.planScoring({ problem: PROBLEM, steps: edited });
        const meter = meterSnapshot(loaded.pool.sequences);
        const warm = await engine.scoreSteps({ problem: PROBLEM, steps: edited, cacheKey: "doc" });
        const used = meter();
        assert.equal(used.input + used.output, warm.evaluatedTokens, "the token meters agree");
        const first = lcp(plan.tokens, p2.tokens);
        const expected = p2.tokens.length - first + p2.branches.filter((b) => b.forkAt > first).reduce((n, b) => n + b.suffix.length, 0);
        assert.equal(warm.evaluatedTokens, expected, "only the changed tail (and its question) is evaluated");
        assert.ok(warm.evaluatedTokens < warm.traceTokens / 3, `${warm.evaluatedTokens} of ${warm.traceTokens}`);
        assert.deepEqual(warm.steps.slice(0, -1), cold.steps.slice(0, -1), "unchanged steps keep their scores");
      } finally {
        await engine.dispose();
      }
    });
  }
});
