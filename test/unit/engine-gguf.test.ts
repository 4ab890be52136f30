/**
 * The test-model generator (test/support/gguf.ts, testModels.ts). The models have RANDOM weights:
 * these tests check the files and tokenizers (plumbing), never what the model "thinks".
 */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { Llama } from "node-llama-cpp";
import { parameterCount, VOCAB_PIECES, writeGgufModel } from "../../src/engines/local/ggufWriter";
import { testModel, testModelOptions, TINY_VARIANTS } from "../support/testModels";
import { itemAt } from "../support/indexing";

const sha = (f: string) => crypto.createHash("sha256").update(fs.readFileSync(f)).digest("hex");

describe("GGUF writer (random-weight test models)", () => {
  let llama: Llama;
  let tmp: string;
  before(async () => {
    const { getLlama } = await import("node-llama-cpp");
    llama = await getLlama({ build: "never", gpu: false, maxThreads: 1, logLevel: "error" as never });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-gguf-"));
  });
  after(async () => {
    await llama?.dispose();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("writes a GGUF v3 file that starts with the magic and is the same for the same seed", () => {
    const a = path.join(tmp, "a.gguf");
    const b = path.join(tmp, "b.gguf");
    const c = path.join(tmp, "c.gguf");
    const ra = writeGgufModel(a, { tokenizer: "spm", seed: 7 });
    writeGgufModel(b, { tokenizer: "spm", seed: 7 });
    writeGgufModel(c, { tokenizer: "spm", seed: 8 });
    const head = fs.readFileSync(a).subarray(0, 8);
    assert.equal(head.subarray(0, 4).toString("latin1"), "GGUF");
    assert.equal(head.readUInt32LE(4), 3);
    assert.equal(fs.statSync(a).size, ra.bytes);
    assert.equal(sha(a), sha(b), "same seed, same bytes");
    assert.notEqual(sha(a), sha(c), "another seed, other weights");
  });

  it("the 100m size has about 100 million parameters (f16 matrices)", () => {
    const n = parameterCount(testModelOptions({ tokenizer: "bpe", size: "100m" }));
    assert.ok(n > 90e6 && n < 120e6, `${n} parameters`);
  });

  it("f16 weights load and evaluate", async () => {
    const f = path.join(tmp, "f16.gguf");
    writeGgufModel(f, { tokenizer: "bpe", weightType: "f16", embd: 64, layers: 1 });
    const model = await llama.loadModel({ modelPath: f });
    const ctx = await model.createContext({ contextSize: 256 });
    const [a, b, c] = model.tokenize("Step 1:");
    assert.ok(a !== undefined && b !== undefined && c !== undefined, "three tokens for 'Step 1:'");
    const out = await ctx.getSequence().controlledEvaluate([a, b, [c, { generateNext: { logits: true } }]]);
    assert.ok(out[2]?.next.logits && [...out[2].next.logits.values()].every(Number.isFinite));
    await ctx.dispose();
    await model.dispose();
  });

  for (const variant of TINY_VARIANTS) {
    it(`tiny ${variant.tokenizer}${variant.chatTemplate ? " + ChatML" : ""}: loads, round-trips text, holds the adapters' pieces`, async () => {
      const file = await testModel(variant);
      assert.equal(await testModel(variant), file, "cached: the same file the second time");
      const model = await llama.loadModel({ modelPath: file, vocabOnly: true });
      try {
        assert.equal(model.vocabularyType, variant.tokenizer === "spm" ? "spm" : "bpe");
        assert.equal(model.tokens.shouldPrependBosToken, variant.tokenizer === "spm");
        const template = model.fileInfo.metadata.tokenizer?.chat_template;
        assert.equal(typeof template === "string", Boolean(variant.chatTemplate));
        for (const text of [
          "Step 1: 2x + 3 = 7, so x = 2. ки",
          "$\\frac{1}{2} + \\sqrt{x^2}$ \\boxed{42}",
          '{"verdict": "correct"}',
          "Is this step correct? Yes",
          "ℝ → π ≈ 3.14",
        ]) {
          assert.equal(model.detokenize(model.tokenize(text)), text, `round trip of ${JSON.stringify(text)}`);
        }
        // Each piece is one token on its own (so tags, labels and JSON stay short).
        for (const piece of ["ки", "+", "-", "Yes", "No", "Step", "\\frac", "\\boxed", "correct"]) {
          assert.ok(VOCAB_PIECES.includes(piece));
          const ids = model.tokenize(piece);
          assert.equal(ids.length, 1, `${JSON.stringify(piece)} → ${ids.length} tokens`);
        }
        assert.ok(model.tokenize(" Yes").length <= 2 && model.tokenize('{"verdict": "incorrect"}').length <= 8, "JSON verdicts stay short");
        const specials = model.tokenize("<|im_start|>user", true);
        assert.equal(model.detokenize([itemAt(specials, 0, "the <|im_start|> token")], true), "<|im_start|>", "ChatML special tokens are in every vocabulary");
      } finally {
        await model.dispose();
      }
    });
  }
});
