/**
 * `steplens score` and `steplens models`, run through runCli with in-memory streams, on generated
 * tiny models with RANDOM weights: the scores mean nothing; the tests check the command's plumbing
 * (JSON shape, first error vs threshold, datasets, bad records, errors, the endpoint route).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { LocalEngine } from "../../src/engines/local/localEngine";
import { hfDownloadTarget } from "../../src/engines/local/modelSource";
import { PRESETS } from "../../src/engines/presets";
import { StepLensServer } from "../../src/server/stepLensServer";
import { suiteRuntime } from "../support/suiteRuntime";
import { testModel } from "../support/testModels";
import { cli, jsonLines } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";
import { itemAt } from "../support/indexing";

const STEPS = ["Subtract 3: 2x = 4.", "Divide by 2: x = 2.", "So the answer is \\boxed{2}."];
const record = (id: string, steps: string[], label = -1) =>
  JSON.stringify({ id, generator: "test", problem: "Solve 2x + 3 = 7.", steps, final_answer_correct: label === -1, label });
// The test models are generated with random weights, so every JSON line also says "demo": "demo: scores are meaningless".
const JSON_KEYS = ["steps", "firstError", "threshold", "model", "adapter", "evaluatedTokens", "traceTokens", "seconds", "demo"];

describe("steplens score / models (random-weight tiny models: plumbing, not judgement)", () => {
  const tmp = suiteTempDir("steplens-cli-score-");
  let tiny: string;
  const llama = suiteRuntime();
  let dataset: string;
  before(async () => {
    tiny = await testModel({ tokenizer: "spm" });
    dataset = path.join(tmp.path, "pb.jsonl");
    fs.writeFileSync(
      dataset,
      [record("a", STEPS), "{ not json", record("b", [...STEPS, "Check: 2*2+3 = 7."], 1), record("c", STEPS.slice(0, 1))].join("\n") + "\n",
    );
  });

  it("scores a dataset as JSONL in input order, reports a bad record with its line and goes on", async () => {
    const { code, out, err } = await cli(["score", dataset, "--model", tiny, "--json", "--sequences", "2"]);
    assert.equal(code, 1, "a record could not be read");
    const lines = jsonLines(out);
    assert.deepEqual(
      lines.map((l) => l.id),
      ["a", "b", "c"],
    );
    assert.deepEqual(Object.keys(lines[0]), ["id", "record", ...JSON_KEYS]);
    assert.deepEqual(
      lines.map((l) => l.steps.length),
      [3, 4, 1],
    );
    assert.match(err, new RegExp(`${dataset.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2: `));
    assert.match(err, /1 of 4 records could not be scored/);
    for (const l of lines) {
      assert.equal(l.threshold, 0.5);
      assert.equal(l.model, tiny);
      assert.equal(l.adapter, "math-shepherd");
      assert.ok(l.evaluatedTokens > 0 && l.evaluatedTokens <= l.traceTokens);
      const below = l.steps.findIndex((s: { score: number }) => s.score < 0.5);
      assert.equal(l.firstError, below);
      l.steps.forEach((s: { index: number; score: number }, i: number) => {
        assert.equal(s.index, i);
        assert.ok(s.score > 0 && s.score < 1);
      });
    }

    assert.equal(lines[0].evaluatedTokens, lines[0].traceTokens, "the first record is evaluated in full");
    assert.ok(lines[1].evaluatedTokens < lines[1].traceTokens / 2, "record b starts like record a: its prefix is reused");

    // The same scores as the engine itself gives.
    const engine = await LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 4096, sequences: 1, modelCacheDir: "", models: { prm: tiny }, prm: { adapter: "math-shepherd" } },
      { runtime: llama.runtime },
    );
    const direct = await engine.scoreSteps({ problem: "Solve 2x + 3 = 7.", steps: STEPS });
    await engine.dispose();
    lines[0].steps.forEach((s: { score: number }, i: number) =>
      assert.ok(Math.abs(s.score - itemAt(direct.steps, i, `the engine's step ${i + 1}`).score) < 1e-4),
    );
  });

  it("scores a text trace: one JSON object; the listing names each step's line", async () => {
    const trace = path.join(tmp.path, "t.trace.md");
    fs.writeFileSync(
      trace,
      "Problem: Solve 2x + 3 = 7.\n\nStep 1: Subtract 3: 2x = 4.\n\nStep 2: Divide by 2: x = 2.\n\nStep 3: So the answer is \\boxed{2}.\n",
    );
    const { code, out, err } = await cli(["score", trace, "--model", tiny, "--json"]);
    assert.equal(code, 0, err);
    assert.equal(out.trimEnd().split("\n").length, 1);
    const j = JSON.parse(out);
    assert.equal(j.demo, "demo: scores are meaningless");
    assert.deepEqual(Object.keys(j), JSON_KEYS);
    assert.equal(j.steps.length, 3);
    const listing = await cli(["score", trace, "--model", tiny], { isTTY: true });
    assert.match(listing.out, /^ {2}1\. 0\.\d{3} .* line 3 /m);
    assert.match(listing.out, /^ {2}3\. 0\.\d{3} .* line 7 /m);
    assert.match(listing.err, /\r\x1b\[Kscoring \d+\/\d+ — scoring/, "a progress line on a terminal");
  });

  it("the threshold decides the first error: -1 when no step is below it", async () => {
    const zero = await cli(["score", dataset, "--model", tiny, "--json", "--threshold", "0", "--limit", "1"]);
    const one = await cli(["score", dataset, "--model", tiny, "--json", "--threshold", "1", "--limit", "1"]);
    assert.equal(zero.code, 0, zero.err);
    assert.equal(JSON.parse(zero.out).firstError, -1);
    assert.equal(JSON.parse(zero.out).threshold, 0);
    assert.equal(JSON.parse(one.out).firstError, 0);
  });

  it("other adapters and presets as --prm; a readable listing without --json", async () => {
    const chat = await testModel({ tokenizer: "bpe", chatTemplate: true });
    for (const prm of ["chat-turn", "judge"]) {
      const { code, out, err } = await cli(["score", dataset, "--model", chat, "--prm", prm, "--limit", "1"]);
      assert.equal(code, 0, err);
      assert.match(out, /record 0 · id a/);
      assert.match(out, /^ {2}1\. 0\.\d{3} /m);
      assert.match(out, /First error: step \d \(score|No step below 0\.5\./);
      assert.match(out, new RegExp(`${prm} · .* tokens evaluated`));
    }
  });

  it("a record too long for the context is reported with its id and token count; the others are scored", async () => {
    const long = path.join(tmp.path, "long.jsonl");
    const many = Array.from({ length: 60 }, (_, i) => `Step ${i}: x = ${i} + ${i}.`);
    fs.writeFileSync(long, [record("short", STEPS), record("long-one", many)].join("\n"));
    const { code, out, err } = await cli(["score", long, "--model", tiny, "--json", "--context-size", "256"]);
    assert.equal(code, 1);
    assert.equal(out.trimEnd().split("\n").length, 1);
    assert.equal(JSON.parse(out).id, "short");
    assert.match(err, /trace .*long\.jsonl#long-one \(line 2\) needs \d+ tokens but the context holds \d+/);
    assert.match(err, /contextSize/);
  });

  it("usage errors exit 2; model problems exit 1 with what to do", async () => {
    assert.equal((await cli(["score", dataset])).code, 2);
    assert.equal((await cli(["score"])).code, 2);
    assert.equal((await cli(["score", dataset, "--endpoint", "http://127.0.0.1:9/v1"])).code, 2);
    assert.equal((await cli(["score", dataset, "--model", tiny, "--prm", "nonsense"])).code, 2);
    assert.equal((await cli(["score", dataset, "--model", tiny, "--threshold", "2"])).code, 2);
    const missing = await cli(["score", dataset, "--model", path.join(tmp.path, "missing.gguf")]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /missing\.gguf: model file not found/);
    const head = await cli(["score", dataset, "--model", "qwen2.5-math-prm-7b"]);
    assert.equal(head.code, 1);
    assert.match(head.err, /classification head.*--endpoint/s);
    const aborted = new AbortController();
    aborted.abort();
    assert.equal((await cli(["score", dataset, "--model", tiny], { signal: aborted.signal })).code, 130);
  });

  it("--endpoint scores through the OpenAI-compatible route (a steplens server on loopback) with the same scores", async () => {
    const engine = await LocalEngine.create(
      { gpu: "off", maxThreads: 0, contextSize: 2048, sequences: 2, modelCacheDir: "", models: { prm: tiny }, prm: { adapter: "math-shepherd" } },
      { runtime: llama.runtime },
    );
    const server = await StepLensServer.start({ engine, host: "127.0.0.1", port: 0 });
    try {
      const remote = await cli(["score", dataset, "--endpoint", `${server.url}/v1`, "--api-model", "prm", "--prm", "math-shepherd", "--json", "--limit", "1"], {
        env: {},
      });
      const local = await cli(["score", dataset, "--model", tiny, "--json", "--limit", "1"]);
      assert.equal(remote.code, 0, remote.err + remote.out);
      const [r, l] = [JSON.parse(remote.out), JSON.parse(local.out)];
      assert.equal(r.steps.length, l.steps.length);
      r.steps.forEach((s: { score: number }, i: number) => assert.ok(Math.abs(s.score - l.steps[i].score) < 1e-4));
      assert.equal(r.firstError, l.firstError);
    } finally {
      await server.close();
      await engine.dispose();
    }
  });

  it("models: lists presets, the cache and each role; fetch names the URI and folder when offline", async () => {
    const cache = path.join(tmp.path, "models-cache");
    const [preset] = PRESETS;
    assert.ok(preset, "a model preset");
    const uri = preset.uri!;
    fs.mkdirSync(cache, { recursive: true });
    fs.copyFileSync(tiny, path.join(cache, hfDownloadTarget(uri).fileName!));

    const listed = await cli(["models", "--cache-dir", cache, "--prm-model", preset.name, "--verifier-model", path.join(tmp.path, "nope.gguf"), "--json"]);
    assert.equal(listed.code, 0, listed.err);
    const j = JSON.parse(listed.out);
    assert.equal(j.cacheDir, cache);
    assert.deepEqual(
      j.presets.map((p: { name: string }) => p.name),
      PRESETS.map((p) => p.name),
    );
    assert.equal(j.presets[0].cached, path.join(cache, hfDownloadTarget(uri).fileName!));
    assert.equal(j.cached.length, 1);
    const roles = Object.fromEntries(j.roles.map((r: { role: string }) => [r.role, r]));
    assert.equal(roles.prm.status, "cached");
    assert.match(roles.verifier.status, /^missing/);
    assert.equal(roles.generator.kind, "unset");

    const text = await cli(["models", "--cache-dir", cache]);
    assert.match(text.out, /qwen2\.5-math-prm-7b .*endpoint only/);
    assert.match(text.out, /Model cache: /);

    const again = await cli(["models", "fetch", preset.name, "--cache-dir", cache]);
    assert.equal(again.code, 0, again.err);
    assert.equal(again.out.trim(), path.join(cache, hfDownloadTarget(uri).fileName!), "already cached: no network");

    const offlineUri = "hf:Qwen/Qwen3-4B-GGUF/Qwen3-4B-Q4_K_M.gguf";
    const offline = await cli(["models", "fetch", offlineUri, "--cache-dir", cache], { env: { HF_ENDPOINT: "https://hub.unreachable.invalid" } });
    assert.equal(offline.code, 1);
    assert.ok(offline.err.includes(offlineUri) && offline.err.includes(cache) && offline.err.includes("hf_Qwen_Qwen3-4B-Q4_K_M.gguf"), offline.err);

    const endpointOnly = await cli(["models", "fetch", "qwen2.5-math-prm-7b", "--cache-dir", cache]);
    assert.equal(endpointOnly.code, 1);
    assert.match(endpointOnly.err, /endpoint/);
    assert.equal((await cli(["models", "fetch", "./local.gguf"])).code, 2);
    assert.equal((await cli(["models", "frobnicate"])).code, 2);
  });
});
