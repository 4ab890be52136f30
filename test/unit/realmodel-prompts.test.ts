/**
 * The real model (Gemma 3 270M Q4_K_M from the Python registry; test/support/realModel.ts) through
 * the prompts StepLens builds: node-llama-cpp resolves the model's own chat template, and the prompt
 * of each role — verifier (every built-in template: free text, with a reference, constrained), meta-critic
 * (critique and merge, per template), generator, prover, judge PRM, math-shepherd PRM, chat-turn PRM — is rendered through it with the real tokenizer and snapshotted whole
 * (test/snapshots/real-model/), so a change to a template or a prompt shows in review.
 * Behaviour only: a 270M model's judgement is not tested.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LlamaModel, Token } from "node-llama-cpp";
import type { LocalEngine } from "../../src/engines/local/localEngine";
import { generatorPrompt } from "../../src/synthesis/generatorPrompt";
import { proverPrompt } from "../../src/progress/proverPrompt";
import { BUILTIN_TEMPLATES, renderCritiquePrompt, renderMergePrompt, renderPrompt, resolveTemplate } from "../../src/verify/templates";
import { realModelEngine } from "../support/realModel";
import { matchSnapshot } from "../support/snapshot";

const PROBLEM =
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?";
const STEPS = ["In April, Natalia sold 48 clips.", "In May she sold half as many: 48 / 2 = 24 clips.", "Altogether she sold 48 + 24 = 72 clips."];

describe("real model: chat template and the prompts of every role (snapshots)", () => {
  let engine: LocalEngine;
  let model: LlamaModel;
  before(async () => {
    engine = await realModelEngine({ sequences: 1 });
    model = (await engine.role("verifier")).model;
  });
  after(async () => {
    await engine?.dispose();
  });
  const text = (tokens: readonly Token[]) => model.detokenize(tokens, true);

  it("node-llama-cpp resolves Gemma's chat format (the GGUF carries no template; the family is recognised) and renders Gemma's documented turns", () => {
    assert.equal(model.fileInfo.metadata?.tokenizer?.chat_template, undefined, "this GGUF has no tokenizer.chat_template");
    assert.equal(model.fileInfo.metadata?.general?.architecture, "gemma3");
    const resolved = engine.lib.resolveChatWrapper(model);
    assert.ok(resolved, "a chat wrapper is resolved");
    assert.equal(resolved.wrapperName, "Gemma");
    const tokens = engine.promptTokens(
      model,
      [
        { role: "user", content: "What is 2 + 3?" },
        { role: "assistant", content: "5" },
        { role: "user", content: "And 4 + 4?" },
      ],
      false,
    ).tokens;
    // Gemma's turn format as its model card documents it, written out by hand.
    assert.equal(
      text(tokens),
      "<bos><start_of_turn>user\nWhat is 2 + 3?<end_of_turn>\n<start_of_turn>model\n5<end_of_turn>\n<start_of_turn>user\nAnd 4 + 4?<end_of_turn>\n<start_of_turn>model\n",
    );
    assert.equal(tokens.filter((t) => t === model.tokens.bos).length, 1, "one BOS");
  });

  it("verifier prompts (SPARK template, free text and constrained) rendered through the template", () => {
    const spark = resolveTemplate("spark");
    const free = engine.promptTokens(model, renderPrompt(spark, { problem: PROBLEM, steps: STEPS }), false).tokens;
    matchSnapshot("real-model/verifier-spark.txt", text(free));
    const constrained = engine.promptTokens(
      model,
      renderPrompt(spark, { problem: PROBLEM, steps: STEPS }, { constrained: { maxCritiqueChars: 80 } }),
      false,
    ).tokens;
    matchSnapshot("real-model/verifier-spark-constrained.txt", text(constrained));
    const critic = engine.promptTokens(model, renderPrompt(resolveTemplate("processbench"), { problem: PROBLEM, steps: STEPS }), false).tokens;
    matchSnapshot("real-model/verifier-processbench.txt", text(critic));
    assert.ok(text(free).startsWith("<bos><start_of_turn>user\n"), "one BOS, then the user turn");
    assert.ok(text(free).endsWith("<end_of_turn>\n<start_of_turn>model\n"), "ends with an open model turn");
  });

  it("every built-in template: verifier (free, with a reference, constrained) and meta-critic (critique, merge) prompts", () => {
    const input = { problem: PROBLEM, steps: STEPS };
    const withReference = { ...input, reference: "72" };
    const render = (messages: ReturnType<typeof renderPrompt>) => text(engine.promptTokens(model, messages, false).tokens);
    for (const name of Object.keys(BUILTIN_TEMPLATES) as (keyof typeof BUILTIN_TEMPLATES)[]) {
      const t = BUILTIN_TEMPLATES[name];
      // spark and processbench (free) and spark (constrained) are the snapshots of the test above.
      if (name !== "spark" && name !== "processbench") matchSnapshot(`real-model/verifier-${name}.txt`, render(renderPrompt(t, input)));
      if (name !== "spark")
        matchSnapshot(`real-model/verifier-${name}-constrained.txt`, render(renderPrompt(t, input, { constrained: { maxCritiqueChars: 80 } })));
      matchSnapshot(`real-model/verifier-${name}-reference.txt`, render(renderPrompt(t, withReference)));
      matchSnapshot(`real-model/critique-${name}.txt`, render(renderCritiquePrompt(t, withReference, "VERIFICATION TEXT")));
      matchSnapshot(`real-model/merge-${name}.txt`, render(renderMergePrompt(t, withReference, "VERIFICATION TEXT", "CRITIQUE TEXT")));
    }
  });

  it("generator prompt", () => {
    const tokens = engine.promptTokens(model, generatorPrompt(PROBLEM), false).tokens;
    matchSnapshot("real-model/generator.txt", text(tokens));
  });

  it("math-shepherd PRM: the step tag after every step", async () => {
    const ms = await realModelEngine({ sequences: 1, prm: { adapter: "math-shepherd" } });
    try {
      const { plan, loaded } = await ms.planScoring({ problem: PROBLEM, steps: STEPS });
      matchSnapshot("real-model/math-shepherd-prm.txt", loaded.model.detokenize(plan.tokens, true));
    } finally {
      await ms.dispose();
    }
  });

  it("chat-turn PRM: the steps as user turns, the label read after each", async () => {
    const ct = await realModelEngine({ sequences: 1, prm: { adapter: "chat-turn" } });
    try {
      const { plan, loaded } = await ct.planScoring({ problem: PROBLEM, steps: STEPS });
      assert.equal(plan.adapter, "chat-turn");
      matchSnapshot("real-model/chat-turn-prm.txt", loaded.model.detokenize(plan.tokens, true));
    } finally {
      await ct.dispose();
    }
  });

  it("prover prompt: the trace so far continues the model's own turn (no end-of-turn after it)", () => {
    const { head, segments } = proverPrompt(PROBLEM, STEPS);
    const tokens = engine.promptTokens(model, head, true).tokens;
    const rendered = text(tokens) + segments.slice(0, 2).join("");
    matchSnapshot("real-model/prover-after-step-2.txt", rendered);
    assert.ok(text(tokens).endsWith("<start_of_turn>model\n"), "the assistant turn is left open for the rollout");
  });

  it("judge PRM: each step's question as the model sees it, in Gemma's turns", async () => {
    const { plan } = await engine.planScoring({ problem: PROBLEM, steps: STEPS });
    assert.equal(plan.adapter, "judge");
    for (const b of plan.branches) assert.ok(text(b.suffix).endsWith("<start_of_turn>model\n"), "the label is read where the model's answer starts");
    const prompts = plan.branches.map((b) => `=== step ${b.step + 1} ===\n${text([...plan.tokens.slice(0, b.forkAt), ...b.suffix])}`);
    matchSnapshot("real-model/judge-prm.txt", prompts.join("\n"));
  });
});
