// The real `openai` client and the StepLens OpenAI engine against `steplens serve` (in-process,
// 127.0.0.1, port 0, with a bearer token) backed by the real local engine on a generated tiny GGUF.
// RANDOM WEIGHTS: this checks plumbing end to end (requests, shapes, numbers passed through
// unchanged), not judgement.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { AuthenticationError, BadRequestError, NotFoundError } from "openai";
import { StepLensServer } from "../../src/server/stepLensServer";
import { OpenAiEngine } from "../../src/engines/openai/openAiEngine";
import type { Engine } from "../../src/engines/engine";
import { CancelledError, StepLensError } from "../../src/core/errors";
import { serveOverOpenAi, serveTestEngine } from "./serve-fixture";
import { recordGenerations, stoppedEarly, describeOutcome, type GenerateOutcome } from "../support/recordingEngine";
import { waitUntil, within } from "../support/wait";
import { itemAt } from "../support/indexing";

const TOKEN = "openai-client-test-token";
let local: Engine;
/** What the served engine generated, counted (the cancellation test asserts on it). */
let served: GenerateOutcome[];
let server: StepLensServer;
let client: OpenAI;
let remote: OpenAiEngine;
let modelId: string;

before(async () => {
  local = await serveTestEngine({ sequences: 2 });
  const recording = recordGenerations(local);
  served = recording.outcomes;
  ({ server, client, modelId, remote } = await serveOverOpenAi(recording.engine, { token: TOKEN, concurrency: 2 }));
});

after(async () => {
  await remote?.dispose();
  await server?.close();
  await local?.dispose();
});

test("openai client: models.list shows the served model", async () => {
  const models = await client.models.list();
  assert.equal(models.data.length, 1);
  assert.equal(models.data[0]?.id, modelId);
  assert.equal(models.data[0]?.object, "model");
});

test("openai client: chat.completions with n and a seed gives n reproducible choices", async () => {
  const ask = () =>
    client.chat.completions.create({
      model: modelId,
      messages: [{ role: "user", content: "Step 1: 2x = 4, so x = ?" }],
      n: 3,
      seed: 42,
      temperature: 0.9,
      max_tokens: 8,
    });
  const a = await ask();
  const b = await ask();
  assert.equal(a.choices.length, 3);
  assert.deepEqual(
    a.choices.map((c) => c.index),
    [0, 1, 2],
  );
  assert.deepEqual(
    a.choices.map((c) => c.message.content),
    b.choices.map((c) => c.message.content),
    "same seed, same samples",
  );
  assert.ok(a.usage!.completion_tokens > 0);
});

test("openai client: completions with logprobs and json_schema chat parse", async () => {
  const c = await client.completions.create({ model: modelId, prompt: "Step 1:", max_tokens: 1, temperature: 0, logprobs: 5 });
  const choice = itemAt(c.choices, 0, "the completion choice");
  assert.equal(choice.logprobs!.tokens!.length, 1);
  assert.equal(Object.keys(itemAt(choice.logprobs!.top_logprobs!, 0, "the first token's top logprobs")).length, 5);

  const schema = { type: "object", properties: { verdict: { enum: ["correct", "incorrect"] } }, required: ["verdict"], additionalProperties: false };
  const j = await client.chat.completions.create({
    model: modelId,
    messages: [{ role: "user", content: "verdict?" }],
    response_format: { type: "json_schema", json_schema: { name: "v", schema, strict: true } },
    max_tokens: 40,
    temperature: 0.5,
    seed: 1,
  });
  assert.ok(["correct", "incorrect"].includes(JSON.parse(itemAt(j.choices, 0, "the chat choice").message.content!).verdict));
});

test("openai client: errors arrive as the client's typed errors with param and code", async () => {
  await assert.rejects(
    client.chat.completions.create({ model: modelId, messages: [{ role: "user", content: "x" }], n: 0 }),
    (e: unknown) => e instanceof BadRequestError && e.status === 400 && e.param === "n" && e.code === "invalid_value",
  );
  await assert.rejects(
    client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "x" }] }),
    (e: unknown) => e instanceof NotFoundError && e.code === "model_not_found",
  );
  const noKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "wrong-token", maxRetries: 0 });
  await assert.rejects(noKey.models.list(), AuthenticationError);
});

test("OpenAI engine: generate (chat and text) matches the local engine's samples for the same seed", async () => {
  const messages = [{ role: "user" as const, content: "Is step 2 correct?" }];
  const viaServer = await remote.generate({ role: "generator", prompt: messages, n: 2, seed: 9, temperature: 0.8, maxTokens: 10 });
  const direct = await local.generate({ role: "generator", prompt: messages, n: 2, seed: 9, temperature: 0.8, maxTokens: 10 });
  assert.deepEqual(
    viaServer.map((g) => g.text),
    direct.map((g) => g.text),
    "sample i uses seed + i on both paths",
  );
  assert.deepEqual(
    viaServer.map((g) => g.tokens),
    direct.map((g) => g.tokens),
  );

  const text = await remote.generate({ role: "generator", prompt: "Step 1:", maxTokens: 6, temperature: 0 });
  const textDirect = await local.generate({ role: "generator", prompt: "Step 1:", maxTokens: 6, temperature: 0 });
  const [got] = text;
  const [want] = textDirect;
  assert.ok(got && want, "a generation through the server and one from the local engine");
  assert.equal(got.text, want.text);
  assert.equal(got.finishReason, want.finishReason);
});

test("OpenAI engine: scoreSteps through /v1/score equals the local engine's scores", async () => {
  const req = { problem: "Solve 2x + 3 = 7.", steps: ["2x = 4.", "x = 2.", "Check: 2*2 + 3 = 7.", "So x = 2."] };
  const progress: number[] = [];
  const viaServer = await remote.scoreSteps(req, { onProgress: (p) => progress.push(p.done) });
  const direct = await local.scoreSteps(req);
  assert.equal(viaServer.steps.length, 4);
  viaServer.steps.forEach((s, i) => {
    assert.equal(s.index, i);
    const d = itemAt(direct.steps, i, `the local engine's step ${i}`);
    assert.ok(Math.abs(s.score - d.score) < 1e-4, `step ${i}: ${s.score} vs ${d.score}`);
    assert.ok(Math.abs(s.margin - d.margin) < 1e-2);
  });
  assert.equal(viaServer.adapter, "math-shepherd", "the server's adapter is reported");
  assert.equal(viaServer.traceTokens, direct.traceTokens);
  assert.deepEqual(progress, [4]);
});

test("OpenAI engine: tokenProbabilities reads top_logprobs and agrees with the local engine", async () => {
  const prompt = [{ role: "user" as const, content: "Answer Yes or No: is 2 + 2 = 4?" }];
  // pick two tokens this random model actually ranks in its top 20 after the prompt
  const probe = await client.chat.completions.create({ model: modelId, messages: prompt, max_tokens: 1, temperature: 0, logprobs: true, top_logprobs: 20 });
  const top = itemAt(itemAt(probe.choices, 0, "the probe choice").logprobs!.content!, 0, "the first token").top_logprobs.filter(
    (t) => t.token.trim() !== "" && !/[\uFFFD]/.test(t.token),
  );
  const seen = new Set<string>();
  const candidates = top
    .map((t) => t.token.trim())
    .filter((t) => !seen.has(t) && seen.add(t))
    .slice(0, 2);
  assert.equal(candidates.length, 2);
  const viaServer = await remote.tokenProbabilities({ role: "prm", prompt, candidates });
  const direct = await local.tokenProbabilities({ role: "prm", prompt, candidates });
  for (const c of candidates) {
    // the endpoint path sums the top tokens that read `c` once trimmed ("x" and " x")
    const expected = Math.log(top.filter((t) => t.token.trim() === c).reduce((p, t) => p + Math.exp(t.logprob), 0));
    const [remoteLp, localLp] = [viaServer.logprobs[c], direct.logprobs[c]];
    assert.ok(remoteLp !== undefined && localLp !== undefined, `a logprob for '${c}' from both engines`);
    assert.ok(Math.abs(remoteLp - expected) < 1e-9, `${c}: ${remoteLp} vs ${expected}`);
    assert.ok(remoteLp >= localLp - 1e-3, `${c}: ${remoteLp} vs local ${localLp}`);
    assert.ok(remoteLp <= 0);
  }
  let sum = 0;
  for (const c of candidates) {
    const share = viaServer.normalized[c];
    assert.ok(share !== undefined, `a normalized share for '${c}'`);
    sum += share;
  }
  assert.ok(Math.abs(sum - 1) < 1e-9);
});

test("OpenAI engine: countTokens through /tokenize equals the local count", async () => {
  const text = "Step 1: x = 2 and then y = 3";
  assert.equal(await remote.countTokens(text, "generator"), await local.countTokens(text, "generator"));
});

test("OpenAI engine: cancelling a long generation on the server returns at once and frees the server", async () => {
  const c = new AbortController();
  const before = served.length;
  const pending = remote.generate({ role: "generator", prompt: "Step 1:", maxTokens: 1000, temperature: 0 }, { signal: c.signal });
  await waitUntil("the generation running on the server", () => server.load.active > 0);
  c.abort();
  // Greedy on random weights never stops early: only the cancellation ends it before 1000 tokens.
  await assert.rejects(within("the cancelled request to reject", pending, 10_000), CancelledError);
  await waitUntil("the server to finish the engine call", () => server.load.active === 0 && served.length > before, { timeoutMs: 30_000 });
  const outcome = served.at(-1)!;
  assert.ok(stoppedEarly(outcome), `the server stopped the engine work: ${describeOutcome(outcome)}`);
});

test("OpenAI engine: a wrong key is refused with a message about the key", async () => {
  const wrong = new OpenAiEngine({ baseUrl: `${server.url}/v1`, apiKey: "nope", model: modelId, retry: { maxRetries: 0 } });
  await assert.rejects(wrong.countTokens("x", "prm"), (e: unknown) => e instanceof StepLensError && /refused the API key \(401/.test(e.message));
});
