// The OpenAI-compatible engine against a small scripted HTTP server on loopback: retries with
// backoff on 429/5xx (Retry-After honoured), timeouts, cancellation mid-request and during a
// backoff wait, the concurrency limit (measured on the server side), error messages, the API key
// header, and the judge adapter's arithmetic on known logprobs. The real `openai` client runs
// underneath; only the server is scripted.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { OpenAiEngine, type OpenAiEngineOptions } from "../../src/engines/openai/openAiEngine";
import { CancelledError, StepLensError } from "../../src/core/errors";
import { sleep, waitUntil, within } from "../support/wait";
import { itemAt } from "../support/indexing";

interface Seen {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: any;
  at: number;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | "hang";
type Script = (req: Seen, i: number) => Reply | Promise<Reply>;

/** A loopback server that answers with `script`, records requests and measures concurrency. */
async function fakeEndpoint(script: Script) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let closedByClient = 0;
  let answered = 0;
  const hung = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      let done = false;
      res.on("close", () => {
        inFlight--;
        if (!done) closedByClient++;
        hung.delete(res);
      });
      const text = Buffer.concat(chunks).toString("utf8");
      const s: Seen = { method: req.method!, path: req.url!, headers: req.headers, body: text ? JSON.parse(text) : undefined, at: performance.now() };
      seen.push(s);
      const reply = await script(s, seen.length - 1);
      if (reply === "hang") {
        hung.add(res);
        return;
      }
      done = true;
      res.writeHead(reply.status, { "Content-Type": "application/json", ...reply.headers });
      res.end(JSON.stringify(reply.body ?? {}), () => answered++);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return {
    url,
    seen,
    get maxInFlight() {
      return maxInFlight;
    },
    get closedByClient() {
      return closedByClient;
    },
    /** Replies written to the end. */
    get answered() {
      return answered;
    },
    async close() {
      for (const r of hung) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const servers: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function setup(script: Script, options: Partial<OpenAiEngineOptions> = {}) {
  const fake = await fakeEndpoint(script);
  servers.push(fake);
  const engine = new OpenAiEngine({
    baseUrl: fake.url,
    model: "judge-model",
    concurrency: 4,
    timeoutMs: 5000,
    retry: { maxRetries: 3, baseDelayMs: 20, maxDelayMs: 100 },
    ...options,
  });
  return { fake, engine };
}

function chatReply(text: string, extra: Record<string, unknown> = {}) {
  return {
    status: 200,
    body: {
      id: "chatcmpl-1",
      object: "chat.completion",
      created: 1,
      model: "judge-model",
      choices: [{ index: 0, message: { role: "assistant", content: text, refusal: null }, finish_reason: "stop", logprobs: null, ...extra }],
      usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
    },
  };
}

/** A /v1/completions answer with these choices and token usage. */
function completionReply(choices: { index: number; text: string; finish_reason: string }[], usage: { prompt: number; completion: number }) {
  return {
    status: 200,
    body: {
      id: "c",
      object: "text_completion",
      created: 1,
      model: "m",
      choices: choices.map((c) => ({ ...c, logprobs: null })),
      usage: { prompt_tokens: usage.prompt, completion_tokens: usage.completion, total_tokens: usage.prompt + usage.completion },
    },
  };
}

const ask = (engine: OpenAiEngine, opts?: { signal?: AbortSignal }) =>
  engine.generate({ role: "generator", prompt: [{ role: "user", content: "2+2?" }], maxTokens: 8 }, opts);

test("429 with Retry-After (seconds) is retried after the wait the server asked for", async () => {
  const { fake, engine } = await setup((_, i) =>
    i === 0 ? { status: 429, body: { error: { message: "slow down" } }, headers: { "Retry-After": "1" } } : chatReply("4"),
  );
  const gens = await ask(engine);
  assert.equal(gens[0]?.text, "4");
  assert.equal(fake.seen.length, 2);
  const gap = itemAt(fake.seen, 1, "the retry").at - itemAt(fake.seen, 0, "the first request").at;
  assert.ok(gap >= 950, `retried after ${gap.toFixed(0)} ms, expected >= 1000 ms (Retry-After: 1)`);
  assert.ok(gap < 3000, `waited ${gap.toFixed(0)} ms`);
});

test("5xx without Retry-After is retried with backoff until it succeeds", async () => {
  const { fake, engine } = await setup((_, i) => (i < 2 ? { status: i === 0 ? 503 : 502, body: { error: { message: "overloaded" } } } : chatReply("ok")));
  const gens = await ask(engine);
  assert.equal(gens[0]?.text, "ok");
  assert.equal(fake.seen.length, 3, "two failures, then success");
  assert.equal(fake.seen[2]?.headers["x-stainless-retry-count"], "0", "the openai client's own retries are off: every attempt is ours");
});

test("a persistent 500 fails after maxRetries + 1 attempts with the server's message", async () => {
  const { fake, engine } = await setup(() => ({ status: 500, body: { error: { message: "GPU on fire" } } }), {
    retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 10 },
  });
  await assert.rejects(ask(engine), (e: unknown) => {
    assert.ok(e instanceof StepLensError);
    assert.match(e.message, /chat completion: http:\/\/127\.0\.0\.1:\d+\/v1 failed \(500\): GPU on fire \(after 3 attempts\)/);
    assert.match(e.format(), /maxRetries/);
    return true;
  });
  assert.equal(fake.seen.length, 3);
});

test("400 is not retried and the error names the parameter and the server's message", async () => {
  const { fake, engine } = await setup(() => ({
    status: 400,
    body: { error: { message: "n must be at most 8", type: "invalid_request_error", param: "n", code: null } },
  }));
  await assert.rejects(ask(engine), /rejected the request \(400\) \(parameter 'n'\): n must be at most 8/);
  assert.equal(fake.seen.length, 1);
});

test("401 says how to set the API key; the key is sent as a bearer token, and no header goes out without one", async () => {
  const { fake, engine } = await setup(() => ({ status: 401, body: { error: { message: "bad key" } } }), { apiKey: "sk-test-123" });
  await assert.rejects(
    ask(engine),
    (e: unknown) => e instanceof StepLensError && /refused the API key \(401: bad key\)/.test(e.message) && /OPENAI_API_KEY/.test(e.format()),
  );
  assert.equal(fake.seen[0]?.headers.authorization, "Bearer sk-test-123");
  assert.equal(fake.seen.length, 1, "401 is not retried");

  const { fake: open, engine: keyless } = await setup(() => chatReply("hi"));
  await ask(keyless);
  assert.equal(itemAt(open.seen, 0, "the keyless request").headers.authorization, undefined);
});

test("a Retry-After longer than the client accepts fails at once, saying so", async () => {
  const { fake, engine } = await setup(() => ({ status: 429, body: {}, headers: { "Retry-After": "120" } }), {
    retry: { maxRetries: 3, maxRetryAfterMs: 10_000 },
  });
  // Waiting would take 10 s (the cap) or 120 s: the 5 s bound only catches a wait, never a slow machine.
  await assert.rejects(
    within("the refusal of a 120 s Retry-After", ask(engine), 5_000),
    /asked to wait 120 s before retrying \(Retry-After, status 429\), longer than the 10 s/,
  );
  assert.equal(fake.seen.length, 1, "no retry");
});

test("a request with no answer times out per attempt, is retried, then reports the timeout", async () => {
  const { fake, engine } = await setup(() => "hang", { timeoutMs: 250, retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  const t0 = performance.now();
  await assert.rejects(
    within("two timed-out attempts (the server never answers)", ask(engine), 10_000),
    (e: unknown) => e instanceof StepLensError && /no answer from .* within 250 ms \(after 2 attempts\)/.test(e.message) && /timeoutMs/.test(e.format()),
  );
  const ms = performance.now() - t0;
  assert.equal(fake.seen.length, 2, "one retry after the first timeout");
  await waitUntil("the server to see both timed-out attempts closed by the client", () => fake.closedByClient === 2, { timeoutMs: 5_000 });
  // A lower bound only (load makes it longer, never shorter): each attempt waited its 250 ms.
  assert.ok(ms >= 450, `two 250 ms attempts took ${ms.toFixed(0)} ms`);
});

test("cancellation mid-request aborts the HTTP request (the server sees the connection close)", async () => {
  // A 60 s attempt timeout: without the abort the request would end only then, far past the bound.
  const { fake, engine } = await setup(() => "hang", { timeoutMs: 60_000 });
  const c = new AbortController();
  const pending = ask(engine, { signal: c.signal });
  await waitUntil("the request at the server", () => fake.seen.length > 0);
  c.abort();
  await assert.rejects(within("the cancelled request to reject", pending, 10_000), CancelledError);
  await waitUntil("the server to see the client close the connection", () => fake.closedByClient > 0, { timeoutMs: 5_000 });
  assert.equal(fake.closedByClient, 1, "the client closed the in-flight request");
  assert.equal(fake.seen.length, 1, "not retried after cancellation");
  assert.equal(engine.info().queued, 0, "the slot was released");
});

test("cancellation during a backoff wait stops at once", async () => {
  // Retry-After 30 s: a wait that ignored the signal would run far past the 10 s bound and retry.
  const { fake, engine } = await setup(() => ({ status: 503, body: {}, headers: { "Retry-After": "30" } }));
  const c = new AbortController();
  const pending = ask(engine, { signal: c.signal });
  await waitUntil("the first attempt answered 503", () => fake.answered > 0);
  c.abort();
  await assert.rejects(within("the cancelled backoff wait", pending, 10_000), CancelledError);
  assert.equal(fake.seen.length, 1, "no retry after the cancelled wait");
});

test("the concurrency limit holds: never more than N requests in flight at the server", async () => {
  const { fake, engine } = await setup(
    async () => {
      await sleep(60); // each request takes a while, so the limit is reached
      return chatReply("x");
    },
    { concurrency: 3 },
  );
  let maxQueued = 0;
  const all = Promise.all(Array.from({ length: 12 }, () => ask(engine)));
  const probe = setInterval(() => (maxQueued = Math.max(maxQueued, engine.info().queued)), 5);
  await all;
  clearInterval(probe);
  assert.equal(fake.seen.length, 12);
  assert.equal(fake.maxInFlight, 3, `server saw at most ${fake.maxInFlight} concurrent requests`);
  assert.ok(maxQueued > 3, "the rest waited in the engine's queue");
  assert.deepEqual(engine.load, { active: 0, waiting: 0, limit: 3 });
});

test("chat and completions requests carry n, sampling, stop and a json_schema response format", async () => {
  const { fake, engine } = await setup((s) =>
    s.path.endsWith("/completions") && !s.path.includes("chat")
      ? completionReply(
          [
            { index: 1, text: "bb", finish_reason: "length" },
            { index: 0, text: "a", finish_reason: "stop" },
          ],
          { prompt: 3, completion: 6 },
        )
      : chatReply('{"verdict":"correct"}'),
  );
  const schema = { type: "object", properties: { verdict: { enum: ["correct", "incorrect"] } }, required: ["verdict"] };
  const chat = await engine.generate({
    role: "verifier",
    prompt: [{ role: "user", content: "verdict?" }],
    jsonSchema: schema,
    temperature: 0.7,
    topP: 0.9,
    maxTokens: 40,
    stop: ["\n\n"],
  });
  assert.deepEqual(JSON.parse(itemAt(chat, 0, "the chat answer").text), { verdict: "correct" });
  const chatRequest = itemAt(fake.seen, 0, "the chat request");
  const body = chatRequest.body;
  assert.equal(chatRequest.path, "/v1/chat/completions");
  assert.deepEqual(body.response_format, { type: "json_schema", json_schema: { name: "steplens_output", schema, strict: true } });
  assert.equal(body.temperature, 0.7);
  assert.equal(body.top_p, 0.9);
  assert.equal(body.max_tokens, 40);
  assert.deepEqual(body.stop, ["\n\n"]);
  assert.equal(body.n, 1);

  const texts = await engine.generate({ role: "generator", prompt: "Once", n: 2, maxTokens: 4 });
  assert.equal(fake.seen[1]?.path, "/v1/completions");
  assert.equal(fake.seen[1]?.body.n, 2, "one request with n when no seed is given");
  assert.deepEqual(
    texts.map((t) => [t.text, t.finishReason]),
    [
      ["a", "stop"],
      ["bb", "length"],
    ],
    "choices in index order",
  );
  const [firstText, secondText] = texts;
  assert.ok(firstText && secondText, "two choices");
  assert.equal(firstText.tokens + secondText.tokens, 6);
});

test("n samples with a seed: one request per sample with seed + i (reproducible per sample)", async () => {
  const { fake, engine } = await setup((s) => chatReply(`seed ${s.body.seed}`));
  const gens = await engine.generate({ role: "generator", prompt: [{ role: "user", content: "go" }], n: 3, seed: 40 });
  assert.deepEqual(
    gens.map((g) => g.text),
    ["seed 40", "seed 41", "seed 42"],
  );
  assert.deepEqual(fake.seen.map((s) => [s.body.n, s.body.seed]).sort(), [
    [1, 40],
    [1, 41],
    [1, 42],
  ]);
  assert.ok(gens.every((g) => g.tokens === 3));
});

test("n samples with a seed: a sample answered with no choice is an error naming the sample (it came back undefined)", async () => {
  const { engine } = await setup((s) =>
    s.body.seed === 41 ? { status: 200, body: { ...chatReply("unused").body, choices: [] } } : chatReply(`seed ${s.body.seed}`),
  );
  await assert.rejects(
    engine.generate({ role: "generator", prompt: [{ role: "user", content: "go" }], n: 3, seed: 40 }),
    (e: unknown) => e instanceof StepLensError && /judge-model: the endpoint answered sample 2 of 3 \(seed 41\) with no choice/.test(e.message),
  );
});

/** Chat logprobs answer: P(Yes) and P(No) chosen per step from the question's step number. */
function judgeReply(probs: Record<number, [number, number]>) {
  return (s: Seen): Reply => {
    const user = s.body.messages.at(-1).content as string;
    const step = Number(/Is step (\d+) correct\?/.exec(user)![1]);
    const pair = probs[step];
    assert.ok(pair, `no P(Yes), P(No) scripted for step ${step}`);
    const [yes, no] = pair;
    const top = [
      { token: "Yes", logprob: Math.log(yes) },
      { token: "No", logprob: Math.log(no) },
      { token: "Maybe", logprob: Math.log(0.01) },
    ];
    return chatReply("Yes", { logprobs: { content: [{ token: "Yes", logprob: Math.log(yes), bytes: null, top_logprobs: top }], refusal: null } });
  };
}

test("judge adapter: one request per step prefix, score = P(Yes) / (P(Yes) + P(No)), margin = log-odds", async () => {
  const { fake, engine } = await setup(judgeReply({ 1: [0.6, 0.2], 2: [0.1, 0.7], 3: [0.45, 0.45] }), { prmAdapter: "judge", models: { prm: "judge-7b" } });
  const progress: number[] = [];
  const r = await engine.scoreSteps({ problem: "Solve 2x = 4.", steps: ["x = 2", "so x = 3", "answer 3"] }, { onProgress: (p) => progress.push(p.done) });
  assert.equal(fake.seen.length, 3);
  for (const s of fake.seen) {
    assert.equal(s.body.model, "judge-7b", "the PRM role's own model name");
    assert.equal(s.body.logprobs, true);
    assert.equal(s.body.top_logprobs, 20);
    assert.equal(s.body.max_tokens, 1);
    assert.equal(s.body.temperature, 0);
  }
  const step2 = fake.seen.find((s) => /Is step 2 correct/.test(s.body.messages.at(-1).content))!;
  assert.match(step2.body.messages.at(-1).content, /Step 1: x = 2\nStep 2: so x = 3\n/);
  assert.doesNotMatch(step2.body.messages.at(-1).content, /answer 3/, "a step prefix only");
  assert.deepEqual(
    r.steps.map((s) => s.index),
    [0, 1, 2],
  );
  const expected = [0.75, 0.125, 0.5];
  for (const [i, s] of r.steps.entries()) {
    const want = itemAt(expected, i, `the expected score of step ${i}`);
    assert.ok(Math.abs(s.score - want) < 1e-9, `step ${i}: ${s.score} vs ${want}`);
  }
  assert.ok(Math.abs(itemAt(r.steps, 0, "step 1").margin - Math.log(3)) < 1e-9);
  assert.equal(r.adapter, "judge");
  assert.equal(r.model, "judge-7b");
  assert.equal(r.evaluatedTokens, 33, "prompt tokens of all three requests");
  assert.equal(r.traceTokens, 11);
  assert.deepEqual(progress.sort(), [1, 2, 3]);
});

test("judge adapter: a candidate missing from the top logprobs is bounded by the lowest one; none present is an error", async () => {
  const onlyYes = (): Reply =>
    chatReply("Yes", {
      logprobs: {
        content: [
          {
            token: "Yes",
            logprob: Math.log(0.9),
            top_logprobs: [
              { token: "Yes", logprob: Math.log(0.9) },
              { token: "Y", logprob: Math.log(0.05) },
            ],
          },
        ],
        refusal: null,
      },
    });
  const { engine } = await setup(onlyYes, { prmAdapter: "judge" });
  const r = await engine.scoreSteps({ problem: "p", steps: ["s"] });
  const step = itemAt(r.steps, 0, "the one step");
  assert.ok(Math.abs(step.margin - Math.log(0.9 / 0.05)) < 1e-9);
  assert.ok(Number.isFinite(step.margin));

  const neither = (): Reply =>
    chatReply("Sure", { logprobs: { content: [{ token: "Sure", logprob: -0.1, top_logprobs: [{ token: "Sure", logprob: -0.1 }] }], refusal: null } });
  const { engine: e2 } = await setup(neither, { prmAdapter: "judge" });
  await assert.rejects(
    e2.scoreSteps({ problem: "p", steps: ["s"] }),
    /judge step 1 \(judge-model\): none of "Yes", "No" is among the 1 most likely first tokens/,
  );
});

test("a non-StepLens endpoint has no /v1/score: the error says which adapter needs what", async () => {
  const { engine } = await setup(() => ({ status: 404, body: { error: { message: "Not Found" } } }), { prmAdapter: "math-shepherd" });
  await assert.rejects(
    engine.scoreSteps({ problem: "p", steps: ["a", "b"] }),
    (e: unknown) =>
      e instanceof StepLensError &&
      /has no \/score route, so it is not a StepLens server; PRM adapter 'math-shepherd'/.test(e.message) &&
      /steplens serve/.test(e.format()),
  );
});

test("a classification-head PRM (Qwen2.5-Math-PRM) on a server without /pooling gets an error naming the vLLM command to run", async () => {
  const { fake, engine } = await setup((s) => (s.path === "/pooling" ? { status: 404, body: { error: { message: "Not Found" } } } : chatReply("x")), {
    prmAdapter: "qwen-prm",
  });
  await assert.rejects(
    engine.scoreSteps({ problem: "p", steps: ["a"] }),
    (e: unknown) =>
      e instanceof StepLensError &&
      /no usable \/pooling route/.test(e.message) &&
      /vllm serve Qwen\/Qwen2\.5-Math-PRM-7B --runner pooling/.test(e.format()) &&
      /--task reward/.test(e.format()),
  );
  assert.deepEqual(
    fake.seen.map((s) => s.path),
    ["/pooling"],
    "one request, to the pooling route",
  );
});

test("countTokens uses /tokenize at the server root, else the prompt usage of a one-token completion", async () => {
  const { fake, engine } = await setup((s) => (s.path === "/tokenize" ? { status: 200, body: { count: 17, max_model_len: 4096 } } : { status: 500, body: {} }));
  assert.equal(await engine.countTokens("some text", "prm"), 17);
  assert.equal(fake.seen[0]?.path, "/tokenize");
  assert.equal(fake.seen[0]?.body.prompt, "some text");

  const { fake: other, engine: e2 } = await setup((s) =>
    s.path === "/tokenize"
      ? { status: 404, body: { error: { message: "Not Found" } } }
      : completionReply([{ index: 0, text: "x", finish_reason: "length" }], { prompt: 5, completion: 1 }),
  );
  assert.equal(await e2.countTokens("abc", "generator"), 5);
  assert.deepEqual(
    other.seen.map((s) => s.path),
    ["/tokenize", "/v1/completions"],
  );
  assert.equal(other.seen[1]?.body.max_tokens, 1);
});

test("an unreachable endpoint says so and suggests what to start", async () => {
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const engine = new OpenAiEngine({ baseUrl: `http://127.0.0.1:${port}/v1`, model: "m", retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  await assert.rejects(
    ask(engine),
    (e: unknown) => e instanceof StepLensError && /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1/.test(e.message) && /steplens serve/.test(e.format()),
  );
  assert.throws(() => new OpenAiEngine({ baseUrl: "localhost:8080", model: "m" }), /must use http or https|is not a URL/);
});

test("dispose cancels requests in flight", async () => {
  const { fake, engine } = await setup(() => "hang");
  const pending = ask(engine);
  await waitUntil("the request at the server", () => fake.seen.length > 0);
  await engine.dispose();
  await assert.rejects(pending, CancelledError);
});
