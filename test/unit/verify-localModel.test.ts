// The whole verify path on a real node-llama-cpp with the tiny GGUF the test suite generates itself.
// RANDOM WEIGHTS: the verdicts are meaningless; these tests check the plumbing — the JSON schema
// constrains a random model to parseable verdicts, K samples come back from one call, seeds make runs
// reproducible, the aggregate and the CLI output are well-formed.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { DEFAULT_CONFIG } from "../../src/config";
import { LocalEngine, localEngineOptions } from "../../src/engines/local/localEngine";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { verifyTrace } from "../../src/verify/verifyPipeline";
import { createVerifyCommand } from "../../src/cli/commands/verify";
import type { CliIo } from "../../src/cli/command";
import { testModel } from "../support/testModels";

const trace = { problem: "What is 2 + 3 times 4?", steps: ["3 times 4 is 12.", "2 + 12 = 14.", "The answer is 14."] };
let engine: LocalEngine | null = null;

async function tinyEngine(): Promise<LocalEngine> {
  if (engine) return engine;
  const model = await testModel({ tokenizer: "bpe", chatTemplate: true });
  engine = await LocalEngine.create(
    localEngineOptions(
      { ...DEFAULT_CONFIG, local: { ...DEFAULT_CONFIG.local, gpu: "off", maxThreads: 1, contextSize: 4096, sequences: 4 } },
      { models: { verifier: model } },
    ),
  );
  return engine;
}
after(async () => {
  await engine?.dispose();
});

test("random-weight model + JSON schema → every one of K = 4 verifications parses, with a verdict for every step", async () => {
  const e = await tinyEngine();
  const r = await verifyTrace(e, trace, { template: BUILTIN_TEMPLATES.spark, samples: 4, seed: 11, temperature: 0.8, constrained: { maxCritiqueChars: 12 } });
  assert.equal(r.samples.length, 4);
  for (const s of r.samples) {
    assert.ok(s.parse.ok, `sample ${s.sample} malformed: ${!s.parse.ok && s.parse.reason}\n${s.text}`);
    assert.equal(s.finishReason, "stop");
    assert.ok(
      s.parse.steps.every((st) => st.verdict === "correct" || st.verdict === "incorrect"),
      s.text,
    );
    assert.ok(s.parse.finalVerdict === "yes" || s.parse.finalVerdict === "no");
    JSON.parse(s.text);
  }
  assert.equal(r.aggregate.valid, 4);
  assert.equal(r.aggregate.malformed, 0);
  for (const st of r.aggregate.steps) assert.equal(st.incorrect + st.correct, 4);
  assert.ok(r.final.firstError !== null && r.final.firstError >= -1 && r.final.firstError < 3);
  assert.notEqual(r.aggregate.explanation, null);
});

test("the same seed gives the same K verifications; sample i differs from sample j (seed + i)", async () => {
  const e = await tinyEngine();
  const opts = { template: BUILTIN_TEMPLATES.spark, samples: 3, seed: 5, temperature: 1, constrained: { maxCritiqueChars: 12 } };
  const a = await verifyTrace(e, trace, opts);
  const b = await verifyTrace(e, trace, opts);
  assert.deepEqual(
    a.samples.map((s) => s.text),
    b.samples.map((s) => s.text),
  );
  assert.ok(new Set(a.samples.map((s) => s.text)).size > 1, "different seeds per sample give different outputs");
});

test("critic format constrained: the boxed-index schema gives an index from -1 to N-1", async () => {
  const e = await tinyEngine();
  const r = await verifyTrace(e, trace, {
    template: BUILTIN_TEMPLATES.processbench,
    samples: 2,
    seed: 3,
    constrained: { maxCritiqueChars: 10 },
    aggregate: "first-error",
  });
  for (const s of r.samples) {
    assert.ok(s.parse.ok, s.text);
    assert.ok(s.parse.firstError !== null && s.parse.firstError >= -1 && s.parse.firstError <= 2);
  }
  assert.ok(r.final.firstError !== null);
});

test("meta-critique runs on the tiny model: free-text critique, constrained merge", async () => {
  const e = await tinyEngine();
  const r = await verifyTrace(e, trace, {
    template: BUILTIN_TEMPLATES.spark,
    samples: 2,
    seed: 9,
    constrained: { maxCritiqueChars: 8 },
    metaCritique: true,
    // 3 steps' verdict JSON needs up to 337 tokens even with empty critiques (200 is refused up front):
    // at 400 the critiques are cut to fit, and the merge always closes.
    maxTokens: 400,
  });
  assert.ok(r.metaCritique);
  assert.ok(r.metaCritique.parse.ok, r.metaCritique.merged);
  assert.equal(r.final.source, "meta-critique");
});

test("steplens verify --constrained --json on a trace file, with the tiny model", async () => {
  const e = await tinyEngine();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-verify-cli-"));
  const file = path.join(dir, "t.trace.md");
  fs.writeFileSync(file, `Problem: ${trace.problem}\n\n${trace.steps.map((s, i) => `Step ${i + 1}: ${s}`).join("\n\n")}\n`);
  const chunks: string[] = [];
  const errs: string[] = [];
  const w = (into: string[]) => new Writable({ write: (c, _e, cb) => (into.push(String(c)), cb()) });
  const io: CliIo = { stdout: w(chunks), stderr: w(errs), env: {}, signal: new AbortController().signal, isTTY: false };
  const cmd = createVerifyCommand(async () => ({ ...wrap(e) }));
  const code = await cmd.run(
    [file, "--model", "tiny-test-model", "--samples", "3", "--seed", "1", "--constrained", "--max-critique-chars", "10", "--json"],
    io,
  );
  assert.equal(code, 0, errs.join(""));
  const j = JSON.parse(chunks.join(""));
  assert.equal(j.steps.length, 3);
  assert.equal(j.aggregate.samples, 3);
  assert.equal(j.aggregate.valid, 3);
  for (const s of j.steps) assert.equal(s.incorrect + s.correct + s.notGiven, 3);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The CLI disposes its engine; the shared test engine must survive, so hand it a non-disposing view. */
function wrap(e: LocalEngine) {
  return {
    info: () => e.info(),
    countTokens: e.countTokens.bind(e),
    scoreSteps: e.scoreSteps.bind(e),
    generate: e.generate.bind(e),
    tokenProbabilities: e.tokenProbabilities.bind(e),
    rollouts: e.rollouts.bind(e),
    dispose: async () => {},
  };
}
