// `steplens serve` route by route over real HTTP on 127.0.0.1 (port 0).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { StepLensServer } from "../../src/server/stepLensServer";
import type { Engine } from "../../src/engines/engine";
import type { LocalEngine } from "../../src/engines/local/localEngine";
import { postJson, serveTestEngine } from "./serve-fixture";

let engine: Engine;
let server: StepLensServer;
let base: string;

before(async () => {
  engine = await serveTestEngine();
  server = await StepLensServer.start({ engine, port: 0, maxBodyBytes: 64 * 1024, concurrency: 2 });
  base = server.url;
});

after(async () => {
  await server?.close();
  await engine?.dispose();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}) => postJson(base + path, body, headers);

function assertOpenAiError(json: any, status: number, res: { status: number }, param?: string | null) {
  assert.equal(res.status, status);
  assert.equal(typeof json.error?.message, "string");
  assert.ok(json.error.message.length > 0);
  assert.ok("type" in json.error && "param" in json.error && "code" in json.error, "OpenAI error shape");
  if (param !== undefined) assert.equal(json.error.param, param);
}

test("GET /health answers without a body and reports the queue", async () => {
  const res = await fetch(base + "/health");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const json: any = await res.json();
  assert.equal(json.status, "ok");
  assert.equal(json.engine, "local");
  assert.equal(json.concurrency, 2);
  assert.equal(json.active, 0);
});

test("GET /v1/models lists the loaded model with its roles", async () => {
  const json: any = await (await fetch(base + "/v1/models")).json();
  assert.equal(json.object, "list");
  assert.equal(json.data.length, 1, "one file for all roles is one model");
  assert.equal(json.data[0].object, "model");
  assert.deepEqual([...json.data[0].roles].sort(), ["generator", "prm", "prover", "verifier"]);
});

test("POST /v1/completions returns n choices with usage", async () => {
  const r = await post("/v1/completions", { prompt: "Step 1: 2x = ", n: 3, max_tokens: 6, temperature: 0.8, seed: 11 });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "text_completion");
  assert.deepEqual(
    r.json.choices.map((c: any) => c.index),
    [0, 1, 2],
  );
  for (const c of r.json.choices) {
    assert.equal(typeof c.text, "string");
    assert.ok(["stop", "length"].includes(c.finish_reason));
    assert.equal(c.logprobs, null);
  }
  assert.ok(r.json.usage.prompt_tokens > 0);
  assert.equal(r.json.usage.total_tokens, r.json.usage.prompt_tokens + r.json.usage.completion_tokens);
});

test("POST /v1/completions with a list of prompts numbers choices prompt by prompt", async () => {
  const r = await post("/v1/completions", { prompt: ["a", "b"], n: 2, max_tokens: 2 });
  assert.equal(r.status, 200);
  assert.deepEqual(
    r.json.choices.map((c: any) => c.index),
    [0, 1, 2, 3],
  );
});

test("POST /v1/chat/completions answers an assistant message", async () => {
  const r = await post("/v1/chat/completions", {
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Is 2 + 2 = 4?" },
    ],
    max_tokens: 5,
    temperature: 0,
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "chat.completion");
  assert.equal(r.json.choices.length, 1);
  assert.equal(r.json.choices[0].message.role, "assistant");
  assert.equal(typeof r.json.choices[0].message.content, "string");
});

test("response_format json_schema: the output parses and follows the schema", async () => {
  const schema = { type: "object", properties: { verdict: { enum: ["correct", "incorrect"] }, step: { enum: [1, 2, 3] } }, required: ["verdict", "step"] };
  const r = await post("/v1/chat/completions", {
    messages: [{ role: "user", content: "Verdict as JSON" }],
    response_format: { type: "json_schema", json_schema: { name: "verdict", schema, strict: true } },
    max_tokens: 60,
    n: 2,
    seed: 3,
    temperature: 0.7,
  });
  assert.equal(r.status, 200);
  assert.equal(r.json.choices.length, 2);
  for (const c of r.json.choices) {
    const v = JSON.parse(c.message.content);
    assert.ok(["correct", "incorrect"].includes(v.verdict), c.message.content);
    assert.ok([1, 2, 3].includes(v.step), c.message.content);
  }
});

test("logprobs: chat top_logprobs and completions logprobs for the first generated token", async () => {
  const chat = await post("/v1/chat/completions", {
    messages: [{ role: "user", content: "Yes or No?" }],
    max_tokens: 1,
    temperature: 0,
    logprobs: true,
    top_logprobs: 5,
  });
  assert.equal(chat.status, 200);
  const content = chat.json.choices[0].logprobs.content;
  assert.equal(content.length, 1);
  assert.equal(content[0].top_logprobs.length, 5);
  const lps = content[0].top_logprobs.map((t: any) => t.logprob);
  assert.deepEqual(
    lps,
    [...lps].sort((a: number, b: number) => b - a),
    "best first",
  );
  assert.ok(lps.every((l: number) => l <= 0));
  // the chosen token is one of the top tokens, the text starts with it, and greedy decoding picked
  // the most likely one (up to ~1e-2 of batch-shape numeric noise between generation and this read)
  const chosenEntry = content[0].top_logprobs.find((t: any) => t.token === content[0].token);
  assert.ok(chosenEntry, `chosen ${JSON.stringify(content[0].token)} is among the top 5`);
  assert.equal(content[0].logprob, chosenEntry.logprob);
  assert.ok(chat.json.choices[0].message.content.startsWith(content[0].token));
  assert.ok(content[0].logprob >= lps[0] - 0.05, `greedy: ${content[0].logprob} vs best ${lps[0]}`);
  const mass = lps.reduce((a: number, l: number) => a + Math.exp(l), 0);
  assert.ok(mass > 0 && mass <= 1 + 1e-6, `top-5 probability mass ${mass}`);
  // the same numbers as a full softmax computed independently: a fresh context, the same prompt
  // tokens, node-llama-cpp's probability map (within batch-shape numeric noise)
  const local = engine as LocalEngine;
  const { model } = await local.role("generator");
  const { tokens } = local.promptTokens(model, [{ role: "user", content: "Yes or No?" }], false);
  const context = await model.createContext({ contextSize: 256 });
  try {
    const out = await context
      .getSequence()
      .controlledEvaluate(tokens.map((t, i) => (i === tokens.length - 1 ? [t, { generateNext: { probabilities: true } }] : t)));
    const probabilities = [...out.at(-1)!.next!.probabilities!.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5);
    assert.deepEqual(
      content[0].top_logprobs.map((t: any) => t.token),
      probabilities.map(([t]) => model.detokenize([t], false)),
    );
    probabilities.forEach(([, p], i) => assert.ok(Math.abs(Math.log(p) - lps[i]) < 2e-2, `rank ${i}: ${Math.log(p)} vs ${lps[i]}`));
  } finally {
    await context.dispose();
  }

  const comp = await post("/v1/completions", { prompt: "Step 1:", max_tokens: 1, temperature: 0, logprobs: 3 });
  assert.equal(comp.status, 200);
  const lp = comp.json.choices[0].logprobs;
  assert.equal(lp.tokens.length, 1);
  assert.equal(Object.keys(lp.top_logprobs[0]).length, 3);
  assert.equal(lp.text_offset[0], 0);
});

test("POST /v1/score returns one score per step and the first step under the threshold", async () => {
  const r = await post("/v1/score", { problem: "Solve 2x + 3 = 7.", steps: ["2x = 4.", "x = 2.", "So the answer is 2."], threshold: 1 });
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "steplens.score");
  assert.deepEqual(
    r.json.steps.map((s: any) => s.index),
    [0, 1, 2],
  );
  for (const s of r.json.steps) {
    assert.ok(s.score >= 0 && s.score <= 1);
    assert.equal(typeof s.margin, "number");
  }
  assert.equal(r.json.firstError, 0, "threshold 1: every step is below it");
  assert.equal(r.json.threshold, 1);
  assert.ok(r.json.traceTokens > 0);
  const none = await post("/v1/score", { problem: "p", steps: ["a"], threshold: 0 });
  assert.equal(none.json.firstError, -1);
});

test("POST /tokenize counts tokens", async () => {
  const short = await post("/tokenize", { prompt: "x" });
  const long = await post("/tokenize", { prompt: "x = 2 and then y = 3 so x + y = 5" });
  assert.equal(short.status, 200);
  assert.ok(long.json.count > short.json.count && short.json.count > 0);
});

test("POST /get_reward answers in OpenRLHF's shape: a gated rollout gets 0 and its reason flags, numbers only in extra_logs", async () => {
  const good = "Step 1: 1+1 = 2.\nStep 2: Check: 2 - 1 = 1.\nStep 3: So the sum is 2.\n<answer>\\boxed{2}</answer>";
  const r = await post("/get_reward", { query: ["Q: 1+1?\n" + good, "Q: 2+2?\nStep 1: 4."], prompts: ["Q: 1+1?\n", "Q: 2+2?\n"], labels: ["2", "4"] });
  assert.equal(r.status, 200);
  assert.equal(r.json.rewards.length, 2);
  assert.deepEqual(r.json.rewards, r.json.scores);
  assert.ok(r.json.rewards[0] > 0 && r.json.rewards[0] <= 1, "a well-formed rollout is judged by the PRM (min of its step scores)");
  assert.equal(r.json.rewards[1], 0, "no boxed answer, no <answer>, one step: gated");
  assert.deepEqual(r.json.extra_logs.gate_passed, [1, 0]);
  assert.deepEqual(r.json.extra_logs.gate_boxed_count, [0, 1]);
  assert.deepEqual(r.json.extra_logs.step_count, [3, 1]);
  for (const v of Object.values(r.json.extra_logs)) assert.ok((v as unknown[]).every((x) => typeof x === "number"));
});

test("malformed JSON is a 400 JSON error and the next request still works", async () => {
  const bad = await post("/v1/completions", '{"prompt": "a", ');
  assertOpenAiError(bad.json, 400, bad);
  assert.equal(bad.json.error.code, "invalid_json");
  assert.match(bad.json.error.message, /not valid JSON/);
  const notObject = await post("/v1/score", "[1, 2]");
  assertOpenAiError(notObject.json, 400, notObject);
  const good = await post("/v1/completions", { prompt: "a", max_tokens: 2 });
  assert.equal(good.status, 200);
});

test("bad parameters get a 400 naming them; unknown models a 404", async () => {
  const cases: Array<[string, unknown, number, string | null]> = [
    ["/v1/completions", { prompt: "a", n: 0 }, 400, "n"],
    ["/v1/completions", { prompt: "a", stream: true }, 400, "stream"],
    ["/v1/completions", { prompt: 42 }, 400, "prompt"],
    ["/v1/completions", { prompt: "" }, 400, "prompt"],
    ["/v1/completions", { prompt: "a", logprobs: 50 }, 400, "logprobs"],
    ["/v1/chat/completions", { messages: "hi" }, 400, "messages"],
    ["/v1/chat/completions", { messages: [{ role: "user", content: "x" }], temperature: -1 }, 400, "temperature"],
    ["/v1/chat/completions", { messages: [{ role: "user", content: "x" }], model: "gpt-4o" }, 404, "model"],
    ["/v1/score", { problem: "p", steps: [] }, 400, "steps"],
    ["/v1/score", { problem: "p", steps: ["a", 3] }, 400, "steps"],
    ["/v1/score", { problem: "p", steps: ["a"], threshold: 2 }, 400, "threshold"],
  ];
  for (const [path, body, status, param] of cases) {
    const r = await post(path, body);
    assertOpenAiError(r.json, status, r, param);
  }
});

test("unknown route 404, wrong method 405, non-JSON content type 415", async () => {
  const r = await fetch(base + "/v1/embeddings", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
  const json: any = await r.json();
  assertOpenAiError(json, 404, r);
  assert.match(json.error.message, /Unknown route POST \/v1\/embeddings/);
  const m = await fetch(base + "/v1/score");
  assertOpenAiError(await m.json(), 405, m);
  assert.equal(m.headers.get("allow"), "POST");
  const t = await fetch(base + "/v1/score", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "{}" });
  assertOpenAiError(await t.json(), 415, t);
});

test("an oversized body is refused with 413 and the server keeps serving", async () => {
  const big = { problem: "p", steps: ["x".repeat(100 * 1024)] };
  const r = await post("/v1/score", big);
  assertOpenAiError(r.json, 413, r);
  assert.equal(r.json.error.code, "body_too_large");
  assert.match(r.json.error.message, /65536 bytes/);
  const after = await post("/v1/score", { problem: "p", steps: ["a"] });
  assert.equal(after.status, 200);
});

test("requests from a Host that is not loopback are refused (DNS rebinding)", async () => {
  const http = await import("node:http");
  const status = await new Promise<number>((resolve, reject) => {
    const req = http.request(base + "/v1/models", { headers: { Host: "evil.example:8080" } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(status, 403);
});
