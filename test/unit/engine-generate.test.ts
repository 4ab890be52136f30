/**
 * Sampling, grammars, next-token probabilities and rollouts on the local engine, on generated tiny
 * models with RANDOM weights: the text is gibberish, but deterministic for a seed, so these tests
 * check the plumbing (seeds, parallel samples, stop strings, JSON-schema grammars, shared prefixes).
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { LocalEngine } from "../../src/engines/local/localEngine";
import { bosTokens, nextTokenAfter } from "../../src/engines/prm/tokens";
import { meterSnapshot } from "../support/naivePrm";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel } from "../support/testModels";
import { itemAt } from "../support/indexing";

describe("generate, grammars, token probabilities, rollouts (random-weight tiny models: plumbing, not judgement)", () => {
  const llama = suiteRuntime();
  let engine: LocalEngine;
  let chatEngine: LocalEngine;
  before(async () => {
    const spm = await testModel({ tokenizer: "spm" });
    const bpeChat = await testModel({ tokenizer: "bpe", chatTemplate: true });
    const opts = { gpu: "off" as const, maxThreads: 0, contextSize: 1024, sequences: 4, modelCacheDir: "", prm: { adapter: "math-shepherd" } };
    engine = await llama.engine({ ...opts, models: { generator: spm, prover: spm, verifier: spm } });
    chatEngine = await llama.engine({ ...opts, models: { generator: bpeChat, verifier: bpeChat } });
  });

  it("n samples run in parallel, differ by seed, and repeat exactly for the same seed", async () => {
    const req = { role: "generator" as const, prompt: "Step 1: 2x = 4, so", n: 4, temperature: 0.9, seed: 5, maxTokens: 12 };
    const a = await engine.generate(req);
    await engine.clearCaches();
    const b = await engine.generate(req);
    assert.equal(a.length, 4);
    assert.deepEqual(b, a, "deterministic for a seed");
    assert.ok(new Set(a.map((g) => g.text)).size > 1, "sample i uses seed + i");
    for (const g of a) {
      assert.equal(g.finishReason, "length");
      assert.ok(g.tokens > 0 && g.tokens <= 12, `${g.tokens} tokens (those of the returned text; a split UTF-8 tail is held back)`);
    }
    const c = await engine.generate({ ...req, seed: 6, n: 3 });
    assert.deepEqual(
      c.map((g) => g.text),
      a.slice(1).map((g) => g.text),
      "seed 6 + i = seed 5 + (i + 1)",
    );
    const { pool } = await engine.role("generator");
    assert.ok(pool.sequences.filter((s) => s.nextTokenIndex > 0).length > 1, "samples ran on several sequences");
  });

  it("greedy samples are identical; stop strings cut the text where they start", async () => {
    const greedy = await engine.generate({ role: "generator", prompt: "Problem: find x.", n: 2, temperature: 0, maxTokens: 24 });
    const [first, second] = greedy;
    assert.ok(first && second, "two greedy samples");
    assert.equal(first.text, second.text);
    const full = first.text;
    const k = Math.floor(full.length / 2);
    const stop = full.slice(k, k + 3);
    const at = full.indexOf(stop);
    assert.ok(at > 0 && stop.length === 3);
    const [stopped] = await engine.generate({ role: "generator", prompt: "Problem: find x.", temperature: 0, maxTokens: 24, stop: [stop] });
    assert.ok(stopped, "the stopped sample");
    assert.equal(stopped.text, full.slice(0, at));
    assert.equal(stopped.finishReason, "stop");
  });

  it("a JSON schema with enums gives parseable output in every sample (plain and chat prompts)", async () => {
    const schema = {
      type: "object",
      properties: { verdict: { enum: ["correct", "incorrect"] }, step: { enum: [1, 2, 3, 4] } },
      required: ["verdict", "step"],
    };
    for (const [e, prompt] of [
      [engine, "Verdict as JSON: "],
      [
        chatEngine,
        [
          { role: "system", content: "Answer in JSON." },
          { role: "user", content: "Is step 2 correct?" },
        ],
      ],
    ] as const) {
      const out = await e.generate({ role: "verifier", prompt: prompt as never, n: 3, temperature: 1, seed: 3, maxTokens: 80, jsonSchema: schema });
      for (const g of out) {
        const parsed = JSON.parse(g.text);
        assert.ok(["correct", "incorrect"].includes(parsed.verdict), g.text);
        assert.ok([1, 2, 3, 4].includes(parsed.step), g.text);
        assert.equal(g.finishReason, "stop");
      }
    }
  });

  it("tokenProbabilities equal the full softmax at the same position", async () => {
    for (const [e, prompt] of [
      [engine, "Is this step correct? Answer:"],
      [chatEngine, [{ role: "user", content: "Is this step correct?" }]],
    ] as const) {
      const r = await e.tokenProbabilities({ role: "verifier", prompt: prompt as never, candidates: ["Yes", "No"] });
      const { Yes: pYesNormalized, No: pNoNormalized } = r.normalized;
      const { Yes: logpYes, No: logpNo } = r.logprobs;
      assert.ok(pYesNormalized !== undefined && pNoNormalized !== undefined, "normalized probabilities for Yes and No");
      assert.ok(logpYes !== undefined && logpNo !== undefined, "logprobs for Yes and No");
      const sum = pYesNormalized + pNoNormalized;
      assert.ok(Math.abs(sum - 1) < 1e-9);
      assert.ok(logpYes < 0 && logpNo < 0);
      const { model, pool } = await e.role("verifier");
      const { tokens } = e.promptTokens(model, prompt as never, false);
      const seq = itemAt(pool.sequences, 3, "the verifier pool's fourth sequence");
      await seq.clearHistory();
      const out = await seq.controlledEvaluate(tokens.map((t, i) => (i === tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
      const probs = out[tokens.length - 1]!.next.probabilities!;
      // The token "Yes" adds right after the prompt, and its probability in the full softmax.
      const { text } = e.promptTokens(model, prompt as never, false);
      const yesToken = nextTokenAfter(e.adapterContext(model, {}, true), text, "Yes", "candidate");
      assert.equal(model.detokenize([yesToken], false, tokens).trim(), "Yes");
      const pYes = probs.get(yesToken) ?? 0;
      assert.ok(Math.abs(Math.exp(logpYes) - pYes) < 1e-4, `P(Yes) ${Math.exp(logpYes)} vs ${pYes}`);
    }
  });

  it("rollouts evaluate the shared prefix once and continue it like a single greedy generation", async () => {
    const prefix = `Problem: a long shared prefix. ${"Step: we have x = 2 and y = 3, so x + y = 5. ".repeat(6)}Next`;
    await engine.clearCaches();
    const { pool, model } = await engine.role("prover");
    const meter = meterSnapshot(pool.sequences);
    const rolls = await engine.rollouts({ role: "prover", prefix, n: 6, temperature: 0, maxTokens: 8 });
    const used = meter();
    const prefixTokens = bosTokens(model).length + model.tokenize(prefix).length;
    assert.equal(rolls.length, 6);
    assert.ok(new Set(rolls.map((r) => r.text)).size === 1, "greedy rollouts agree");
    // The prefix once (minus its last token), then per rollout: its last token + the generated ones.
    assert.ok(used.input + used.output <= prefixTokens - 1 + 6 * (1 + 8), `evaluated ${used.input + used.output}, prefix ${prefixTokens}`);
    const [single] = await engine.generate({ role: "prover", prompt: prefix, temperature: 0, maxTokens: 8 });
    assert.ok(single, "the single greedy generation");
    assert.equal(rolls[0]?.text, single.text);
  });

  it("a chat rollout whose last message is the assistant's continues that message", async () => {
    const prefix = [
      { role: "user" as const, content: "Continue the solution." },
      { role: "assistant" as const, content: "Step 1: x = 2." },
    ];
    const { model } = await chatEngine.role("generator");
    const open = chatEngine.promptTokens(model, prefix, true);
    const closed = chatEngine.promptTokens(model, prefix, false);
    const openText = model.detokenize(open.tokens, true);
    assert.ok(openText.endsWith("Step 1: x = 2."), JSON.stringify(openText.slice(-30)));
    assert.ok(model.detokenize(closed.tokens, true).endsWith("<|im_start|>assistant\n"));
    const rolls = await chatEngine.rollouts({ role: "generator", prefix, n: 2, temperature: 0.7, seed: 1, maxTokens: 6 });
    assert.equal(rolls.length, 2);
  });

  it("cancelling a generation returns what was generated, marked cancelled", async () => {
    const controller = new AbortController();
    const pending = engine.generate({ role: "generator", prompt: "Step 1:", n: 2, temperature: 0.8, seed: 9, maxTokens: 400 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 30);
    const out = await pending;
    assert.equal(out.length, 2);
    for (const g of out) {
      assert.equal(g.finishReason, "cancelled");
      assert.ok(g.tokens < 400);
    }
    await assert.rejects(engine.generate({ role: "generator", prompt: "x" }, { signal: controller.signal }), { name: "CancelledError" });
  });

  it("countTokens and info", async () => {
    const { model } = await engine.role("generator");
    assert.equal(await engine.countTokens("Step 1: x = 2", "generator"), model.tokenize("Step 1: x = 2").length);
    const info = engine.info();
    assert.equal(info.kind, "local");
    assert.equal(info.device, "cpu");
    assert.ok(info.models.generator?.endsWith(".gguf"));
  });
});
