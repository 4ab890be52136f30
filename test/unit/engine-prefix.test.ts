/**
 * Prefix reuse, forking and parallel sequences on the local engine, on generated tiny models with
 * RANDOM weights (plumbing, not judgement). Evaluated tokens are counted independently with
 * node-llama-cpp's per-sequence token meters (input + output = every token run through the model).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { ControlledEvaluateInputItem, LlamaContextSequence, Token } from "node-llama-cpp";
import type { ScoreResult } from "../../src/engines/engine";
import { forkPrefix, type ForkStrategy } from "../../src/engines/local/fork";
import { LocalEngine } from "../../src/engines/local/localEngine";
import { meterSnapshot, naivePerPrefix } from "../support/naivePrm";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel } from "../support/testModels";
import { waitFor } from "../support/wait";
import { itemAt } from "../support/indexing";

const PROBLEM = "A shop sells 12 pens at 3 dollars each. What is the total?";
const steps = (n: number) => Array.from({ length: n }, (_, i) => `Step text ${i}: we have $x_${i} = ${i} \\times 3 = ${3 * i}$.`);
const lcp = (a: readonly Token[], b: readonly Token[]) => {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
};

describe("prefix reuse, forks and parallel sequences (random-weight tiny models: plumbing, not judgement)", () => {
  const llama = suiteRuntime();
  let spm: string;
  let bpe: string;
  before(async () => {
    spm = await testModel({ tokenizer: "spm" });
    bpe = await testModel({ tokenizer: "bpe", chatTemplate: true });
  });
  const engineFor = (model: string, adapter: string, sequences = 2) =>
    LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 2048, sequences, modelCacheDir: "", models: { prm: model, generator: model }, prm: { adapter } },
      { runtime: llama.runtime },
    );

  for (const adapter of ["math-shepherd", "chat-turn", "judge"]) {
    it(`${adapter}: re-scoring after an edit to the last step evaluates only the tokens from the first changed one`, async () => {
      const engine = await engineFor(bpe, adapter);
      try {
        const original = steps(8);
        const edited = [...original.slice(0, -1), "An edited last step: $x = 99$."];
        const { plan: p1, loaded } = await engine.planScoring({ problem: PROBLEM, steps: original });
        const { plan: p2 } = await engine.planScoring({ problem: PROBLEM, steps: edited });
        const meter = meterSnapshot(loaded.pool.sequences);

        const cold = await engine.scoreSteps({ problem: PROBLEM, steps: original, cacheKey: "doc.md" });
        const afterCold = meter();
        assert.equal(afterCold.input + afterCold.output, cold.evaluatedTokens, "token meters agree with evaluatedTokens");
        assert.equal(cold.evaluatedTokens, cold.traceTokens);

        const warm = await engine.scoreSteps({ problem: PROBLEM, steps: edited, cacheKey: "doc.md" });
        const used = meter();
        const metered = used.input + used.output - (afterCold.input + afterCold.output);
        assert.equal(metered, warm.evaluatedTokens, "token meters agree with evaluatedTokens");

        const firstChanged = lcp(p1.tokens, p2.tokens);
        const changedBranches = p2.branches.filter((b) => b.forkAt > firstChanged);
        const expected = p2.tokens.length - firstChanged + changedBranches.reduce((n, b) => n + b.suffix.length, 0);
        assert.equal(warm.evaluatedTokens, expected, "only the changed tail (and the questions after it) is evaluated");
        assert.ok(warm.evaluatedTokens < warm.traceTokens / 3, `${warm.evaluatedTokens} of ${warm.traceTokens}`);

        // Unchanged steps keep their scores; the result equals a cold scoring of the edited trace.
        assert.deepEqual(warm.steps.slice(0, -1), cold.steps.slice(0, -1));
        await engine.clearCaches();
        const fresh = await engine.scoreSteps({ problem: PROBLEM, steps: edited });
        warm.steps.forEach((s, i) => assert.ok(Math.abs(s.margin - itemAt(fresh.steps, i, `fresh step ${i + 1}`).margin) < 1e-3));

        // The same input again: nothing to evaluate.
        const same = await engine.scoreSteps({ problem: PROBLEM, steps: edited, cacheKey: "doc.md" });
        assert.equal(same.evaluatedTokens, 0);
        assert.deepEqual(same.steps, fresh.steps);
      } finally {
        await engine.dispose();
      }
    });
  }

  it("an edit to the first step re-evaluates from that step; appending a step evaluates only the new step", async () => {
    const engine = await engineFor(spm, "math-shepherd", 1);
    try {
      const original = steps(6);
      await engine.scoreSteps({ problem: PROBLEM, steps: original });
      const { plan: base } = await engine.planScoring({ problem: PROBLEM, steps: original });
      const appended = [...original, "One more step."];
      const { plan: longer } = await engine.planScoring({ problem: PROBLEM, steps: appended });
      const r = await engine.scoreSteps({ problem: PROBLEM, steps: appended });
      assert.equal(r.evaluatedTokens, longer.tokens.length - lcp(base.tokens, longer.tokens));
      assert.equal(r.evaluatedTokens, longer.tokens.length - base.tokens.length, "only the appended step's tokens");

      const editedFirst = ["A different first step.", ...appended.slice(1)];
      const { plan: p3 } = await engine.planScoring({ problem: PROBLEM, steps: editedFirst });
      const r3 = await engine.scoreSteps({ problem: PROBLEM, steps: editedFirst });
      assert.equal(r3.evaluatedTokens, p3.tokens.length - lcp(longer.tokens, p3.tokens));
      assert.ok(r3.evaluatedTokens > r3.traceTokens * 0.8);
    } finally {
      await engine.dispose();
    }
  });

  for (const strategy of ["copy", "state-file"] as ForkStrategy[]) {
    it(`forkPrefix (${strategy}) gives a sequence that continues exactly like the source, without re-evaluating the prefix`, async () => {
      const engine = await engineFor(spm, "math-shepherd", 3);
      try {
        const { model, pool } = await engine.role("generator");
        const [a, b, c] = pool.sequences;
        assert.ok(a && b && c, "three generator sequences");
        for (const s of pool.sequences) await s.clearHistory();
        const prefix = [model.tokens.bos!, ...model.tokenize(`${PROBLEM} ${steps(10).join(" ")}`)];
        const tail = model.tokenize(" Step 11: so the total is 36.");
        await a.evaluateWithoutGeneratingNewTokens(prefix);
        await a.evaluateWithoutGeneratingNewTokens(model.tokenize(" junk after the prefix"));
        const L = prefix.length;

        const mb = meterSnapshot([b]);
        const result = await forkPrefix(a, b, L, { strategy });
        assert.equal(result.strategy, strategy);
        assert.equal(b.nextTokenIndex, L);
        assert.deepEqual(b.contextTokens, prefix);
        assert.deepEqual(mb(), { input: 0, output: 0 }, "the fork evaluated nothing");

        const readAll = async (s: LlamaContextSequence) => {
          const filter = model.tokenize("Step 11: the total") as Token[];
          const input: ControlledEvaluateInputItem[] = tail.map((t) => [t, { generateNext: { logits: { filter: { tokens: filter } } } }]);
          const out = await s.controlledEvaluate(input);
          return out.map((o) => [...(o?.next.logits ?? new Map()).values()]);
        };
        const viaFork = await readAll(b);
        await c.clearHistory();
        await c.evaluateWithoutGeneratingNewTokens(prefix);
        const reference = await readAll(c);
        const diff = Math.max(...viaFork.flat().map((x, i) => Math.abs(x - reference.flat()[i])));
        assert.ok(diff < 1e-4, `forked continuation differs by ${diff}`);
        assert.equal(a.nextTokenIndex, L + model.tokenize(" junk after the prefix").length, "the source is unchanged");
      } finally {
        await engine.dispose();
      }
    });
  }

  it("K parallel sequences score concurrent traces exactly as one after another, on more than one sequence", async () => {
    const engine = await engineFor(spm, "math-shepherd", 4);
    try {
      const traces = [0, 1, 2, 3, 4, 5].map((k) => ({ problem: `${PROBLEM} (variant ${k})`, steps: steps(4 + k) }));
      const sequential: ScoreResult[] = [];
      for (const t of traces) {
        await engine.clearCaches();
        sequential.push(await engine.scoreSteps(t));
      }
      await engine.clearCaches();
      const { pool } = await engine.role("prm");
      const parallel = await Promise.all(traces.map((t) => engine.scoreSteps(t)));
      const busy = pool.sequences.filter((s) => s.nextTokenIndex > 0).length;
      assert.equal(busy, 4, "all four sequences were used");
      parallel.forEach((r, k) => {
        const alone = itemAt(sequential, k, `trace ${k} scored alone`);
        assert.equal(r.steps.length, alone.steps.length);
        r.steps.forEach((s, i) =>
          assert.ok(Math.abs(s.margin - itemAt(alone.steps, i, `trace ${k} step ${i} scored alone`).margin) < 1e-3, `trace ${k} step ${i}`),
        );
      });
      assert.equal(engine.info().queued, 0);
    } finally {
      await engine.dispose();
    }
  });

  it("a waiting request is cancelled by its signal; the pool keeps serving", async () => {
    const engine = await engineFor(spm, "math-shepherd", 1);
    try {
      const { pool } = await engine.role("prm");
      const lease = await pool.acquire();
      const controller = new AbortController();
      const waiting = engine.scoreSteps({ problem: PROBLEM, steps: steps(3) }, { signal: controller.signal });
      await waitFor(
        "the second request queued behind the held lease",
        () => engine.info().queued,
        (q) => q === 2,
        { timeoutMs: 5_000 },
      );
      controller.abort();
      await assert.rejects(waiting, { name: "CancelledError" });
      lease.release();
      const r = await engine.scoreSteps({ problem: PROBLEM, steps: steps(3) });
      assert.equal(r.steps.length, 3);
    } finally {
      await engine.dispose();
    }
  });

  it("one-pass scoring of a 30-step trace costs about N/2 times fewer tokens than per-prefix scoring", async () => {
    const engine = await engineFor(spm, "math-shepherd", 2);
    try {
      const many = steps(30);
      const r = await engine.scoreSteps({ problem: PROBLEM, steps: many });
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: many });
      const naive = await naivePerPrefix(itemAt(loaded.pool.sequences, 1, "the PRM pool's second sequence"), plan);
      const ratio = naive.evaluatedTokens / r.evaluatedTokens;
      assert.ok(ratio > 12 && ratio < 18, `per-prefix / one-pass tokens = ${ratio.toFixed(1)} (N/2 = 15)`);
    } finally {
      await engine.dispose();
    }
  });
});
