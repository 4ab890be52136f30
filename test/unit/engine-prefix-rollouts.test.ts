/**
 * Rollouts after every boundary of one text (PAV progress) on the local engine, on generated tiny
 * models with RANDOM weights (plumbing, not judgement): forked prefixes give exactly the rollouts a
 * freshly evaluated prefix gives with the same seed, the trace is evaluated once, one sequence
 * works too, the counts add up, and cancellation stops it.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { CancelledError } from "../../src/core/errors";
import type { PrefixRolloutRequest } from "../../src/engines/engine";
import { LocalEngine } from "../../src/engines/local/localEngine";
import { prefixRolloutsViaRollouts } from "../../src/engines/prefixRollouts";
import { proverPrompt } from "../../src/progress/proverPrompt";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel } from "../support/testModels";
import { itemAt } from "../support/indexing";

const STEPS = ["We have 2x + 3 = 11.", "Subtract 3: 2x = 8.", "Divide by 2: x = 4.", "So the answer is \\boxed{4}."];

describe("prefix rollouts: the trace evaluated once, every boundary forked (random-weight tiny models)", () => {
  const llama = suiteRuntime();
  let engine: LocalEngine;
  let pair: LocalEngine;
  let single: LocalEngine;
  let chatPair: LocalEngine;
  let chatSingle: LocalEngine;
  before(async () => {
    const spm = await testModel({ tokenizer: "spm" });
    const bpeChat = await testModel({ tokenizer: "bpe", chatTemplate: true });
    const opts = { gpu: "off" as const, maxThreads: 0, contextSize: 1024, modelCacheDir: "", prm: { adapter: "math-shepherd" } };
    engine = await llama.engine({ ...opts, sequences: 4, models: { prover: spm } });
    pair = await llama.engine({ ...opts, sequences: 2, models: { prover: spm } });
    single = await llama.engine({ ...opts, sequences: 1, models: { prover: spm } });
    chatPair = await llama.engine({ ...opts, sequences: 2, models: { prover: bpeChat } });
    chatSingle = await llama.engine({ ...opts, sequences: 1, models: { prover: bpeChat } });
  });

  const request = (over: Partial<PrefixRolloutRequest> = {}): PrefixRolloutRequest => {
    const { head, segments } = proverPrompt("Solve 2x + 3 = 11.", STEPS);
    return { role: "prover", head, segments, n: 3, seed: 11, temperature: 0.9, maxTokens: 10, ...over };
  };

  // Exact equality needs one generation at a time: decodes batched across sequences round floats
  // differently now and then (llama.cpp's batch-size dependence), which can flip a sample of a
  // random-weight model. The fork side runs its rollouts on one worker next to the trace sequence;
  // the fresh side evaluates each prefix from scratch on a clean sequence.
  for (const [name, forkEngine, freshEngine] of [
    ["spm", () => pair, () => single],
    ["bpe + ChatML", () => chatPair, () => chatSingle],
  ] as const) {
    it(`${name}: rollouts from a forked prefix equal rollouts from a freshly evaluated prefix with the same seeds`, async () => {
      const forked = await forkEngine().prefixRollouts(request());
      const fresh = await freshEngine().prefixRollouts(request({ prefixReuse: "reevaluate" }));
      assert.equal(forked.rollouts.length, STEPS.length + 1, "one row per boundary (before step 1, after each step)");
      for (const row of forked.rollouts) assert.equal(row.length, 3);
      assert.deepEqual(forked.rollouts, fresh.rollouts, "same texts, finish reasons and token counts");
      assert.ok(new Set(forked.rollouts.flat().map((g) => g.text)).size > 1, "seeds differ per rollout");
      assert.equal(forked.traceTokens, fresh.traceTokens);
      // The fork evaluated the trace once; the baseline evaluated every boundary's prefix per rollout.
      assert.equal(forked.prefixTokensEvaluated, forked.traceTokens);
      assert.ok(fresh.prefixTokensEvaluated > 3 * forked.traceTokens, `${fresh.prefixTokensEvaluated} vs ${forked.traceTokens}`);
      assert.equal(
        forked.rolloutTokens,
        forked.rollouts.flat().reduce((a, g) => a + g.tokens, 0),
      );
      for (const g of forked.rollouts.flat()) assert.ok(g.tokens <= 10 && (g.finishReason === "length" || g.finishReason === "stop"));
    });
  }

  it("parallel workers: the same rollouts up to batch rounding, the trace still evaluated once", async () => {
    const parallel = await engine.prefixRollouts(request());
    const serial = await pair.prefixRollouts(request());
    const a = parallel.rollouts.flat();
    const b = serial.rollouts.flat();
    const same = a.filter((g, i) => g.text === itemAt(b, i, `serial rollout ${i}`).text).length;
    assert.ok(same >= 0.8 * a.length, `${same} of ${a.length} identical`);
    assert.equal(parallel.prefixTokensEvaluated, parallel.traceTokens);
    const { pool } = await engine.role("prover");
    assert.ok(pool.sequences.filter((s) => s.nextTokenIndex > 0).length > 2, "rollouts ran on several sequences");
  });

  it("rollout i uses seed + i at every boundary, and repeats exactly", async () => {
    const a = await pair.prefixRollouts(request());
    const b = await pair.prefixRollouts(request({ seed: 12, n: 2 }));
    for (const [k, row] of a.rollouts.entries()) assert.deepEqual(b.rollouts[k], row.slice(1), `boundary ${k}`);
  });

  it("one sequence: the same rollouts (last boundary first, appended and erased on the trace sequence)", async () => {
    const many = await pair.prefixRollouts(request());
    const one = await single.prefixRollouts(request());
    assert.deepEqual(one.rollouts, many.rollouts);
    // This sequence still held the head from the test before: only the rest is evaluated.
    assert.ok(one.prefixTokensEvaluated > 0 && one.prefixTokensEvaluated < one.traceTokens, `${one.prefixTokensEvaluated} of ${one.traceTokens}`);
  });

  it("greedy rollouts of one boundary are identical; the uncached fallback gives the counts of a per-prefix evaluation", async () => {
    const g = await engine.prefixRollouts(request({ temperature: 0, n: 2 }));
    for (const [first, second] of g.rollouts) {
      assert.ok(first && second, "two greedy rollouts at the boundary");
      assert.equal(first.text, second.text);
    }
    const fb = await prefixRolloutsViaRollouts(engine, request({ temperature: 0, n: 2, maxTokens: 4 }));
    assert.equal(fb.rollouts.length, STEPS.length + 1);
    assert.ok(fb.prefixTokensEvaluated > 2 * fb.traceTokens);
  });

  it("cancellation stops it with CancelledError", async () => {
    const controller = new AbortController();
    let seen = 0;
    const run = engine.prefixRollouts(request({ n: 4, maxTokens: 40 }), {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done > 0 && ++seen === 1) controller.abort();
      },
    });
    await assert.rejects(run, CancelledError);
    // The engine still works afterwards.
    const ok = await engine.prefixRollouts(request({ n: 1, maxTokens: 3 }));
    assert.equal(ok.rollouts.length, STEPS.length + 1);
  });
});
