/**
 * Verification on the real model (Gemma 3 270M Q4_K_M): with constrained output every one of K
 * verifications parses and closes before its token limit, even a tight one (the schema's critiques are
 * shortened until its worst case fits); without it, the parse rate is measured and reported (written
 * to out/test-artifacts/real-model-parse-rate.json and printed), not asserted: a 270M model's format
 * keeping is what it is. Thinking blocks: this model emits none; any text before a verdict is handled
 * by the parser as for any model. Behaviour only: the verdicts themselves are not judged.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { LocalEngine } from "../../src/engines/local/localEngine";
import { constrainedTokenBudget } from "../../src/verify/constrainedSchema";
import { resolveTemplate } from "../../src/verify/templates";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { realModelEngine } from "../support/realModel";
import { repoRoot } from "../support/repo";

const INPUT = {
  problem: "Betty is saving money for a new wallet which costs $100. Betty has only half of the money she needs. How much more money does Betty need?",
  steps: ["Betty has 100 / 2 = $50.", "She needs 100 - 50 = $50 more."],
};
const K = 4;

describe("real model: verification", () => {
  let engine: LocalEngine;
  before(async () => {
    engine = await realModelEngine({ sequences: K });
  });
  after(async () => {
    await engine?.dispose();
  });

  // 320 tokens: two steps' JSON needs up to 243 with empty critiques, so the critiques are cut to 6 characters.
  for (const maxTokens of [undefined, 320]) {
    it(`constrained, ${maxTokens ?? "the schema's own"} token limit: all ${K} verifications parse and close (100%)`, { timeout: 600_000 }, async () => {
      const r = await verifyTrace(engine, INPUT, {
        template: resolveTemplate("spark"),
        samples: K,
        seed: 3,
        constrained: { maxCritiqueChars: 60 },
        maxTokens,
      });
      assert.equal(r.samples.length, K);
      for (const s of r.samples) {
        assert.equal(s.finishReason, "stop", `sample ${s.sample} closed before the limit: ${s.text.slice(-80)}`);
        assert.ok(s.parse.ok, `sample ${s.sample} parsed: ${s.parse.ok ? "" : s.parse.reason}`);
        assert.equal(s.parse.ok && s.parse.via, "json");
        assert.ok(s.tokens <= (maxTokens ?? constrainedTokenBudget("spark", 2, 60)), `${s.tokens} tokens within the limit`);
        JSON.parse(s.text); // the whole output is one JSON object
      }
      assert.equal(r.aggregate.valid, K);
      assert.equal(r.aggregate.malformed, 0);
    });
  }

  it("constrained, a limit too small for the JSON's structure is refused up front, naming the limit that fits", async () => {
    await assert.rejects(
      verifyTrace(engine, INPUT, { template: resolveTemplate("spark"), samples: K, constrained: true, maxTokens: 200 }),
      (e: Error & { details?: { code?: string; hint?: string } }) =>
        e.details?.code === "verdicts-do-not-fit" && /243 tokens/.test(e.message) && /at least 243/.test(e.details.hint ?? ""),
    );
  });

  it(`free text: the parse rate of ${K} verifications is measured and reported`, { timeout: 600_000 }, async (t) => {
    const r = await verifyTrace(engine, INPUT, { template: resolveTemplate("spark"), samples: K, seed: 5, maxTokens: 384 });
    assert.equal(r.samples.length, K);
    const parsed = r.samples.filter((s) => s.parse.ok).length;
    assert.equal(r.aggregate.valid + r.aggregate.malformed, K, "every sample is counted once");
    assert.equal(r.aggregate.valid, parsed);
    for (const s of r.samples) {
      assert.ok(s.tokens > 0 && s.tokens <= 384);
      if (!s.parse.ok) assert.ok(s.parse.reason.length > 0, "a malformed verification says why");
      // Thinking: none from this model; a <think> block, if any, would be split off before parsing.
      if (!s.text.includes("<think>")) assert.equal(s.parse.thinking, null);
    }
    const report = {
      model: "gemma-3-270m-Q4_K_M",
      template: "spark",
      samples: K,
      maxTokens: 384,
      parsed,
      parseRate: parsed / K,
      reasons: r.samples.filter((s) => !s.parse.ok).map((s) => (s.parse.ok ? "" : s.parse.reason)),
      finishReasons: r.samples.map((s) => s.finishReason),
    };
    const file = path.join(repoRoot(), "out", "test-artifacts", "real-model-parse-rate.json");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
    t.diagnostic(`free-text parse rate on the real model: ${parsed}/${K} (${file})`);
    console.log(`real model, free-text verification parse rate: ${parsed}/${K}`);
  });
});
