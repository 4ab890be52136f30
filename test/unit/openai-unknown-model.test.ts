// The OpenAI engine against a real in-process `steplens serve` (127.0.0.1, port 0, bearer token)
// backed by the real local engine on a generated tiny GGUF (RANDOM WEIGHTS: plumbing, not judgement):
// a 404 for an unknown model name is told apart from a 404 for a missing route.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { StepLensServer } from "../../src/server/stepLensServer";
import { OpenAiEngine } from "../../src/engines/openai/openAiEngine";
import type { Engine } from "../../src/engines/engine";
import { StepLensError } from "../../src/core/errors";
import { serveTestEngine } from "./serve-fixture";
import { itemAt } from "../support/indexing";

const TOKEN = "unknown-model-test-token";
const TRACE = { problem: "Solve 2x + 3 = 7.", steps: ["2x = 4.", "x = 2."] };
let local: Engine;
let server: StepLensServer;
let modelId: string;
const engines: OpenAiEngine[] = [];

function engine(baseUrl: string, model: string, adapter = "remote"): OpenAiEngine {
  const e = new OpenAiEngine({ baseUrl, apiKey: TOKEN, model, prmAdapter: adapter, retry: { maxRetries: 0 } });
  engines.push(e);
  return e;
}

before(async () => {
  local = await serveTestEngine({ sequences: 1 });
  server = await StepLensServer.start({ engine: local, port: 0, token: TOKEN, concurrency: 1 });
  const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: TOKEN, maxRetries: 0 });
  modelId = itemAt((await client.models.list()).data, 0, "the served model").id;
});

after(async () => {
  for (const e of engines) await e.dispose();
  await server?.close();
  await local?.dispose();
});

test("scoreSteps with a model the server does not serve: model-not-found naming the served models and --api-model, not 'no /score route'", async () => {
  const wrong = engine(`${server.url}/v1`, "qwen-prm-7b");
  await assert.rejects(wrong.scoreSteps(TRACE), (e: unknown) => {
    assert.ok(e instanceof StepLensError, String(e));
    assert.equal(e.details.code, "model-not-found");
    assert.doesNotMatch(e.message, /no \/score route/);
    assert.match(
      e.message,
      /^score: http:\/\/127\.0\.0\.1:\d+\/v1 has no model 'qwen-prm-7b' \(404: The model 'qwen-prm-7b' does not exist on this server\. Available: /,
    );
    assert.ok(e.message.includes(`Available: ${modelId}`), `the served model is named: ${e.message}`);
    assert.match(e.details.hint ?? "", /--api-model <name>.*steplens\.openai\.model.*role name such as 'prm'/);
    return true;
  });
});

test("the same model error for other requests (token counting no longer falls back and fails as 'not found')", async () => {
  const wrong = engine(`${server.url}/v1`, "qwen-prm-7b");
  await assert.rejects(
    wrong.countTokens("x = 2", "prm"),
    (e: unknown) => e instanceof StepLensError && e.details.code === "model-not-found" && /^count tokens: .* has no model 'qwen-prm-7b'/.test(e.message),
  );
  await assert.rejects(
    wrong.generate({ role: "generator", prompt: "Step 1:", maxTokens: 2 }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "model-not-found",
  );
});

test("a role name or the served name scores: the fix the message suggests works", async () => {
  const byRole = await engine(`${server.url}/v1`, "prm").scoreSteps(TRACE);
  const byName = await engine(`${server.url}/v1`, modelId).scoreSteps(TRACE);
  assert.equal(byRole.steps.length, 2);
  assert.deepEqual(
    byRole.steps.map((s) => s.score),
    byName.steps.map((s) => s.score),
  );
});

test("a base URL where the server has no /score route still says so (code no-score-route)", async () => {
  const elsewhere = engine(`${server.url}/api`, modelId);
  await assert.rejects(elsewhere.scoreSteps(TRACE), (e: unknown) => {
    assert.ok(e instanceof StepLensError, String(e));
    assert.equal(e.details.code, "no-score-route");
    assert.match(e.message, /has no \/score route/);
    return true;
  });
});
