// Constrained verification on a local engine fits what the context leaves after the prompt (issue 20):
// the critiques are shortened so that the verdict JSON's worst case closes before the context ends,
// and a context too small even for the JSON's structure is a clear error naming --context-size.
// Generated tiny GGUF with RANDOM WEIGHTS: plumbing, not judgement.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../../src/config";
import { LocalEngine, localEngineOptions } from "../../src/engines/local/localEngine";
import { constrainedTokenBudget } from "../../src/verify/constrainedSchema";
import { BUILTIN_TEMPLATES, renderPrompt } from "../../src/verify/templates";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { testModel } from "../support/testModels";

const trace = { problem: "What is 6 * 7?", steps: ["6 * 7 = 42.", "So the answer is 42."] };
const engines: LocalEngine[] = [];
after(async () => {
  for (const e of engines) await e.dispose();
});

async function engineWith(contextSize: number): Promise<LocalEngine> {
  const model = await testModel({ tokenizer: "bpe", chatTemplate: true });
  const e = await LocalEngine.create(
    localEngineOptions(
      { ...DEFAULT_CONFIG, local: { ...DEFAULT_CONFIG.local, gpu: "off", maxThreads: 1, contextSize, sequences: 2 } },
      { models: { verifier: model } },
    ),
  );
  engines.push(e);
  return e;
}

test("the critiques shrink to what the context leaves, and every verification closes", async () => {
  const probe = await engineWith(8192);
  const promptTokens = await probe.promptTokenCount(renderPrompt(BUILTIN_TEMPLATES.spark, trace, { constrained: { maxCritiqueChars: 300 } }), "verifier");
  // Room for the JSON's structure and ~10 characters per critique, far less than 300-character critiques need.
  const room = constrainedTokenBudget("spark", 2, 10);
  assert.ok(room < constrainedTokenBudget("spark", 2, 300));
  const e = await engineWith(promptTokens + room + 16);
  const r = await verifyTrace(e, trace, { template: BUILTIN_TEMPLATES.spark, samples: 2, seed: 4, constrained: true });
  for (const s of r.samples) {
    assert.equal(s.finishReason, "stop", s.text);
    assert.ok(s.parse.ok, s.parse.ok ? "" : s.parse.reason);
    assert.ok(s.tokens <= room + 16);
  }
});

test("a context too small for the JSON's structure is refused, naming --context-size", async () => {
  const probe = await engineWith(8192);
  const promptTokens = await probe.promptTokenCount(renderPrompt(BUILTIN_TEMPLATES.spark, trace, { constrained: { maxCritiqueChars: 0 } }), "verifier");
  const e = await engineWith(promptTokens + 40);
  await assert.rejects(
    verifyTrace(e, trace, { template: BUILTIN_TEMPLATES.spark, samples: 2, constrained: true }),
    (err: Error & { details?: { code?: string; hint?: string } }) =>
      err.details?.code === "verdicts-do-not-fit" && /context leaves after the prompt/.test(err.message) && /--context-size/.test(err.details.hint ?? ""),
  );
});
