/**
 * PRM adapters on the local engine, on generated tiny models with RANDOM weights: the scores mean
 * nothing, but they are deterministic, so these tests check the plumbing — that one pass reads the
 * same logits as evaluating every step's prefix on its own, at the right positions, for both
 * tokenizers, with and without a chat template.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Token } from "node-llama-cpp";
import { LocalEngine, prmFormatFromConfig } from "../../src/engines/local/localEngine";
import { DEFAULT_CONFIG } from "../../src/config";
import type { PrmAdapterName, PromptFormat } from "../../src/engines/presets";
import { mathShepherdReadPositions, mathShepherdSegments } from "../../src/engines/prm/mathShepherd";
import { bosTokens } from "../../src/engines/prm/tokens";
import { naivePerPrefix } from "../support/naivePrm";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel, TINY_VARIANTS, type TestModelOptions } from "../support/testModels";
import { itemAt } from "../support/indexing";

const PROBLEM = "Solve $2x + 3 = 7$ for x.";
const STEPS = [
  "Subtract 3 from both sides: $2x = 4$.",
  "Divide by 2: $x = \\frac{4}{2} = 2$.",
  "Check: $2 \\cdot 2 + 3 = 7$, so the step holds.",
  "We have the answer.\nIt is $\\boxed{2}$.",
  "Therefore x = 2.",
];
const ADAPTERS: PrmAdapterName[] = ["math-shepherd", "chat-turn", "judge"];
const tinyVariant = (i: number) => itemAt(TINY_VARIANTS, i, `tiny model variant ${i}`);
const name = (v: TestModelOptions) => `${v.tokenizer}${v.chatTemplate ? "+ChatML" : ""}`;

describe("PRM adapters: one pass = per-prefix (random-weight tiny models: plumbing, not judgement)", () => {
  const llama = suiteRuntime();

  const engineFor = (model: string, adapter: string, format?: PromptFormat) =>
    LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 2048, sequences: 2, modelCacheDir: "", models: { prm: model }, prm: { adapter, format } },
      { runtime: llama.runtime },
    );

  for (const variant of TINY_VARIANTS) {
    for (const adapter of ADAPTERS) {
      it(`${adapter} on ${name(variant)}: one-pass margins equal per-prefix ones within 1e-2, and runs are deterministic`, async () => {
        const engine = await engineFor(await testModel(variant), adapter);
        try {
          const first = await engine.scoreSteps({ problem: PROBLEM, steps: STEPS });
          assert.equal(first.adapter, adapter);
          assert.deepEqual(
            first.steps.map((s) => s.index),
            [0, 1, 2, 3, 4],
          );
          assert.equal(first.evaluatedTokens, first.traceTokens, "a cold run evaluates the whole input once");
          for (const s of first.steps) {
            assert.ok(s.score > 0 && s.score < 1);
            assert.ok(Math.abs(s.score - 1 / (1 + Math.exp(-s.margin))) < 1e-12, "score = sigmoid(margin)");
          }
          assert.ok(new Set(first.steps.map((s) => s.margin.toFixed(6))).size > 1, "steps are read at different positions");

          const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
          const naive = await naivePerPrefix(itemAt(loaded.pool.sequences, 1, "the PRM pool's second sequence"), plan);
          assert.ok(naive.evaluatedTokens > first.evaluatedTokens, "per-prefix evaluation costs more tokens");
          const diffs = first.steps.map((s, i) => Math.abs(s.margin - itemAt(naive.margins, i, `the per-prefix margin of step ${i + 1}`)));
          assert.ok(Math.max(...diffs) < 1e-2, `max |one-pass − per-prefix| = ${Math.max(...diffs)}`);

          await engine.clearCaches();
          const again = await engine.scoreSteps({ problem: PROBLEM, steps: STEPS });
          assert.equal(again.evaluatedTokens, first.evaluatedTokens);
          assert.deepEqual(again.steps, first.steps, "same input, same scores (bit for bit)");
        } finally {
          await engine.dispose();
        }
      });
    }
  }

  it("math-shepherd reads at each step's tag; a multi-token tag is read at its last token, multi-token labels by their first", async () => {
    for (const variant of [tinyVariant(0), tinyVariant(2)]) {
      const modelPath = await testModel(variant);
      for (const format of [{}, { stepTag: "<<check>>", positive: "++ok", negative: "--no" }] as PromptFormat[]) {
        const engine = await engineFor(modelPath, "math-shepherd", format);
        try {
          const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
          const { model } = loaded;
          const tag = format.stepTag ?? "ки";
          if (format.stepTag) assert.ok(model.tokenize(tag).length > 2, "the custom tag is several tokens");
          assert.equal(plan.reads.length, STEPS.length);
          for (const r of plan.reads) {
            const upTo = model.detokenize(plan.tokens.slice(0, r.position + 1));
            assert.ok(upTo.endsWith(tag), `text up to the read ends with the tag: …${JSON.stringify(upTo.slice(-20))}`);
            assert.ok(!model.detokenize(plan.tokens.slice(0, r.position)).endsWith(tag), "and not one token earlier");
          }
          const firstOf = (label: string) => model.tokenize(label)[0];
          assert.deepEqual(plan.positive, [firstOf(format.positive ?? "+")]);
          assert.deepEqual(plan.negative, [firstOf(format.negative ?? "-")]);
          const scored = await engine.scoreSteps({ problem: PROBLEM, steps: STEPS });
          const naive = await naivePerPrefix(itemAt(loaded.pool.sequences, 1, "the PRM pool's second sequence"), plan);
          scored.steps.forEach((s, i) => assert.ok(Math.abs(s.margin - itemAt(naive.margins, i, `the per-prefix margin of step ${i + 1}`)) < 1e-2));
        } finally {
          await engine.dispose();
        }
      }
    }
  });

  it("math-shepherd: the prefix-search path finds the same positions as the segment path, and the text is the reference layout", async () => {
    const engine = await engineFor(await testModel(tinyVariant(0)), "math-shepherd");
    try {
      const loaded = await engine.role("prm");
      const ctx = engine.adapterContext(loaded.model, {}, false);
      const segments = mathShepherdSegments({ problem: PROBLEM, steps: STEPS });
      assert.equal(
        segments.join(""),
        `${PROBLEM} Step 1: ${STEPS[0]} ки\nStep 2: ${STEPS[1]} ки\nStep 3: ${STEPS[2]} ки\nStep 4: ${STEPS[3]} ки\nStep 5: ${STEPS[4]} ки`,
      );
      const bos = bosTokens(loaded.model);
      const joined: Token[] = [...bos, ...loaded.model.tokenize(segments.join(""))];
      const fast = mathShepherdReadPositions(ctx, segments, bos, joined);
      const slow = mathShepherdReadPositions(ctx, segments, bos, joined, "slow");
      assert.equal(fast.path, "fast");
      assert.equal(slow.path, "slow");
      assert.deepEqual(slow.ends, fast.ends);
    } finally {
      await engine.dispose();
    }
  });

  it("chat-turn puts the positive label after each read and reads right after the assistant header", async () => {
    const engine = await engineFor(await testModel(tinyVariant(3)), "chat-turn");
    try {
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
      assert.ok(plan.notes.some((n) => n.includes("ChatML")));
      plan.reads.forEach((r, i) => {
        const upTo = loaded.model.detokenize(plan.tokens.slice(0, r.position + 1), true);
        assert.ok(upTo.endsWith("<|im_start|>assistant\n"), `read ${i} follows the assistant header`);
        if (i < plan.reads.length - 1) assert.equal(plan.tokens[r.position + 1], plan.positive[0], "the assistant's '+' answer follows");
      });
      assert.equal(plan.reads.at(-1)!.position, plan.tokens.length - 1, "nothing after the last read");
      const text = loaded.model.detokenize(plan.tokens, true);
      assert.ok(text.includes(`<|im_start|>user\n${PROBLEM} ${STEPS[0]}<|im_end|>`), "the first turn is problem + step 1");
    } finally {
      await engine.dispose();
    }
  });

  it("chat-turn: the first turn joins problem and step 1 with a space (RLHFlow's code) or a blank line (ProcessBench's example, prm.chatTurnJoin)", async () => {
    assert.deepEqual(prmFormatFromConfig({ ...DEFAULT_CONFIG.prm, chatTurnJoin: "blank-line" }), { firstTurnJoin: "\n\n" });
    assert.deepEqual(prmFormatFromConfig(DEFAULT_CONFIG.prm), {});
    const engine = await engineFor(await testModel(tinyVariant(3)), "chat-turn", prmFormatFromConfig({ ...DEFAULT_CONFIG.prm, chatTurnJoin: "blank-line" }));
    try {
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
      const text = loaded.model.detokenize(plan.tokens, true);
      assert.ok(text.includes(`<|im_start|>user\n${PROBLEM}\n\n${STEPS[0]}<|im_end|>`), text.slice(0, 300));
    } finally {
      await engine.dispose();
    }
  });

  it("judge: each step's question branches off the end of that step, and the labels are read after the assistant header", async () => {
    const engine = await engineFor(await testModel(tinyVariant(3)), "judge");
    try {
      const { plan, loaded } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
      const { model } = loaded;
      assert.equal(plan.reads.length, 0);
      assert.equal(plan.branches.length, STEPS.length);
      plan.branches.forEach((b, i) => {
        const prefix = model.detokenize(plan.tokens.slice(0, b.forkAt), true);
        assert.ok(prefix.endsWith(itemAt(STEPS, i, `step ${i + 1}`).trim()), `branch ${i} forks right after step ${i + 1}`);
        const suffix = model.detokenize(b.suffix, true);
        assert.ok(suffix.includes(`Is step ${i + 1} correct? Answer Yes or No.`));
        assert.ok(suffix.endsWith("<|im_start|>assistant\n"));
      });
      assert.equal(model.detokenize([itemAt(plan.positive, 0, "the positive label's token")]), "Yes");
      assert.equal(model.detokenize([itemAt(plan.negative, 0, "the negative label's token")]), "No");
      const traceTokens = plan.tokens.length + plan.branches.reduce((n, b) => n + b.suffix.length, 0);
      const perPrefix = plan.branches.reduce((n, b) => n + b.forkAt + b.suffix.length, 0);
      assert.ok(traceTokens < perPrefix, "one shared prefix costs less than the per-step prompts");
    } finally {
      await engine.dispose();
    }
  });

  it("odd steps (empty, multi-line, containing the tag) keep one read per step in order", async () => {
    const odd = ["", "a step that mentions ки in its text", "two\n\nparagraphs", "  padded  "];
    for (const adapter of ADAPTERS) {
      const engine = await engineFor(await testModel(tinyVariant(1)), adapter);
      try {
        const { plan } = await engine.planScoring({ problem: "P", steps: odd });
        const positions = [...plan.reads.map((r) => r.position), ...plan.branches.map((b) => b.forkAt)];
        assert.equal(positions.length, odd.length, adapter);
        let previous: number | undefined;
        for (const position of positions) {
          if (previous !== undefined) assert.ok(position > previous, `${adapter}: positions increase`);
          previous = position;
        }
        const r = await engine.scoreSteps({ problem: "P", steps: odd });
        assert.equal(r.steps.length, odd.length);
      } finally {
        await engine.dispose();
      }
    }
  });
});
