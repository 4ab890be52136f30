// Pieces of `steplens serve` that need no model: the fair queue (limit, round robin across
// clients, bounded waiting, shutdown), bearer-token checks, loopback detection, request parsing.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FairQueue } from "../../src/server/fairQueue";
import { ApiError } from "../../src/server/apiError";
import { bearerMatches, hostnameOf, isLoopbackHost } from "../../src/server/bearerAuth";
import { modelId, resolveRole, servedModels, GENERATION_ROLES } from "../../src/server/servedModels";
import { parseChatLogprobs, parseMessages, parsePrompts, parseResponseFormat, parseSampling } from "../../src/server/requestParams";
import { splitOpenRlhfQuery } from "../../src/rewards/openRlhfQuery";
import { DEFAULT_RL_INSTRUCTION } from "../../src/export/formats/verl";
import { CancelledError } from "../../src/core/errors";
import { sleep } from "../support/wait";

const tick = () => sleep(1);

test("FairQueue: at most `concurrency` run; waiters are served round robin across lanes", async () => {
  const q = new FairQueue(1, 100);
  const order: string[] = [];
  let running = 0;
  let maxRunning = 0;
  const job = (name: string) => async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    order.push(name);
    await tick();
    running--;
  };
  // client A floods first, client B arrives later: B must not wait behind all of A's burst
  const jobs = [q.run("A", job("A0")), q.run("A", job("A1")), q.run("A", job("A2")), q.run("A", job("A3")), q.run("B", job("B0")), q.run("B", job("B1"))];
  await Promise.all(jobs);
  assert.equal(maxRunning, 1);
  assert.deepEqual(order, ["A0", "A1", "B0", "A2", "B1", "A3"]);
});

test("FairQueue: bounded waiting answers 503 with Retry-After; aborted waiters leave; close fails the rest", async () => {
  const q = new FairQueue(2, 2);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const running = [q.run("x", () => gate), q.run("x", () => gate)];
  const c = new AbortController();
  const w1 = q.run("x", async () => "w1", c.signal);
  const w2 = q.run("y", async () => "w2");
  assert.equal(q.waiting, 2);
  await assert.rejects(
    q.run("z", async () => "over"),
    (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === "server_busy" && e.headers["Retry-After"] === "1",
  );
  c.abort();
  await assert.rejects(w1, CancelledError);
  assert.equal(q.waiting, 1);
  release();
  await Promise.all(running);
  assert.equal(await w2, "w2");

  let hold!: () => void;
  const held = new Promise<void>((r) => (hold = r));
  const busy = [q.run("x", () => held), q.run("x", () => held)];
  const late = q.run("x", async () => "late");
  await tick();
  q.close();
  await assert.rejects(late, (e: unknown) => e instanceof ApiError && e.status === 503 && e.code === "shutting_down");
  await assert.rejects(
    q.run("x", async () => 1),
    /shutting down/,
  );
  hold();
  await Promise.all(busy);
  assert.equal(q.active, 0);
});

test("FairQueue admits a request as a whole: its 1,024 calls queue under one admission; --max-waiting counts requests", async () => {
  const q = new FairQueue(1, 1);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const blocker = q.run("other", () => gate);
  // One request (one signal) of 1,024 calls, the documented /get_reward maximum: counting calls, a
  // queue of 1 waiting would refuse all but one; counted as one request it is admitted whole.
  const big = new AbortController();
  const calls = Array.from({ length: 1024 }, (_, i) => q.run("trainer", async () => i, big.signal));
  assert.equal(q.waiting, 1024, "every call of the request waits for the engine");
  assert.equal(q.waitingRequests, 1);
  // A second request finds one request waiting (the limit) and is refused with the request count.
  const second = new AbortController();
  await assert.rejects(
    q.run("late", async () => "late", second.signal),
    (e: unknown) => e instanceof ApiError && e.status === 503 && /1 requests already waiting \(--max-waiting 1\)/.test(e.message),
  );
  release();
  await blocker;
  assert.deepEqual(
    await Promise.all(calls),
    Array.from({ length: 1024 }, (_, i) => i),
  );
  assert.equal(q.waitingRequests, 0);
  assert.equal(q.waiting, 0);
  // A request admitted while the engine was free is not refused for its later calls either.
  const hold = new Promise<void>((r) => (release = r));
  const admitted = new AbortController();
  const first = q.run("a", () => hold, admitted.signal);
  const other = q.run("b", async () => "b", new AbortController().signal);
  assert.equal(q.waitingRequests, 1, "the other request waits");
  const later = q.run("a", async () => "a-later", admitted.signal);
  assert.equal(q.waitingRequests, 2, "the admitted request's later call waits too, without a 503");
  release();
  assert.deepEqual(await Promise.all([first, other, later]), [undefined, "b", "a-later"]);
});

test("bearer tokens: exact match only, whatever the case of 'Bearer'", () => {
  const token = "s3cret-token-0123456789";
  assert.equal(bearerMatches(`Bearer ${token}`, token), true);
  assert.equal(bearerMatches(`bearer ${token}`, token), true);
  assert.equal(bearerMatches(`Bearer ${token}x`, token), false);
  assert.equal(bearerMatches(`Bearer ${token.slice(0, -1)}`, token), false);
  assert.equal(bearerMatches(token, token), false, "scheme required");
  assert.equal(bearerMatches(undefined, token), false);
  assert.equal(bearerMatches("Bearer ", ""), false, "an empty token never matches");
});

test("loopback detection and Host parsing", () => {
  for (const h of ["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST", "::ffff:127.0.0.1"]) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.com", "127.0.0.1.evil.com", "localhost.evil.com"])
    assert.equal(isLoopbackHost(h), false, h);
  assert.equal(hostnameOf("127.0.0.1:8080"), "127.0.0.1");
  assert.equal(hostnameOf("[::1]:8080"), "::1");
  assert.equal(hostnameOf("localhost"), "localhost");
  assert.equal(hostnameOf("evil.com:80"), "evil.com");
});

test("served models: one per file, named by file; `model` resolves to a role or a 404 naming what exists", () => {
  const served = servedModels({ kind: "local", device: "cpu", queued: 0, models: { prm: "/m/prm.gguf", generator: "/m/gen.gguf", verifier: "/m/gen.gguf" } });
  assert.deepEqual(served, [
    { id: "prm", roles: ["prm"] },
    { id: "gen", roles: ["verifier", "generator"] },
  ]);
  assert.equal(modelId("hf:Qwen/Qwen3-4B-GGUF:Q4_K_M"), "Qwen/Qwen3-4B-GGUF:Q4_K_M");
  assert.equal(resolveRole(undefined, served, GENERATION_ROLES), "generator");
  assert.equal(resolveRole("gen", served, GENERATION_ROLES), "generator");
  assert.equal(resolveRole("prm", served, GENERATION_ROLES), "prm");
  assert.equal(resolveRole("verifier", served, GENERATION_ROLES), "verifier");
  assert.throws(
    () => resolveRole("gpt-4o", served, GENERATION_ROLES),
    (e: unknown) => e instanceof ApiError && e.status === 404 && e.code === "model_not_found" && /Available: prm, gen/.test(e.message),
  );
  assert.throws(
    () => resolveRole(42, served, GENERATION_ROLES),
    (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === "model",
  );
});

test("request parsing: the supported subset, and a 400 naming each bad or unsupported field", () => {
  assert.deepEqual(parseSampling({ n: 3, temperature: 0.5, top_p: 0.9, seed: 7, max_tokens: 12, stop: "\n" }, false), {
    n: 3,
    temperature: 0.5,
    topP: 0.9,
    seed: 7,
    maxTokens: 12,
    stop: ["\n"],
  });
  assert.equal(parseSampling({}, false).maxTokens, 16, "completions default");
  assert.equal(parseSampling({}, true).maxTokens, undefined);
  assert.equal(parseSampling({ max_completion_tokens: 5, max_tokens: 9 }, true).maxTokens, 5);
  const bad = (body: Record<string, unknown>, param: string) =>
    assert.throws(
      () => parseSampling(body, true),
      (e: unknown) => e instanceof ApiError && e.status === 400 && e.param === param,
      JSON.stringify(body),
    );
  bad({ n: 0 }, "n");
  bad({ n: 1.5 }, "n");
  bad({ n: 99 }, "n");
  bad({ temperature: "hot" }, "temperature");
  bad({ temperature: 3 }, "temperature");
  bad({ top_p: 0 }, "top_p");
  bad({ stop: ["a", "b", "c", "d", "e"] }, "stop");
  bad({ stop: [""] }, "stop");
  bad({ stream: true }, "stream");
  bad({ logit_bias: { "50256": -100 } }, "logit_bias");
  bad({ presence_penalty: 0.5 }, "presence_penalty");
  bad({ tools: [{ type: "function" }] }, "tools");
  bad({ response_format: { type: "xml" } }, "response_format.type");
  bad({ response_format: { type: "json_schema", json_schema: { name: "x" } } }, "response_format.json_schema.schema");
  assert.deepEqual(parseSampling({ presence_penalty: 0, logit_bias: {}, stream: false }, true), { n: 1 }, "defaults are accepted");
  assert.deepEqual(parseResponseFormat({ type: "json_schema", json_schema: { name: "v", schema: { type: "object" } } }), { type: "object" });
  assert.equal(parseResponseFormat({ type: "text" }), undefined);
  assert.deepEqual(parseResponseFormat({ type: "json_object" }), { type: "object", additionalProperties: true });
  assert.equal(parseChatLogprobs({ logprobs: true, top_logprobs: 5 }), 5);
  assert.equal(parseChatLogprobs({ logprobs: true }), 0);
  assert.equal(parseChatLogprobs({}), undefined);
  assert.throws(() => parseChatLogprobs({ top_logprobs: 3 }), /needs 'logprobs': true/);
  assert.throws(() => parseChatLogprobs({ logprobs: true, top_logprobs: 21 }), /between 0 and 20/);
  assert.deepEqual(parsePrompts(["a", "b"]), ["a", "b"]);
  assert.throws(() => parsePrompts([1, 2, 3]), /Token-id prompts are not supported/);
  assert.throws(
    () => parsePrompts(undefined),
    (e: unknown) => e instanceof ApiError && e.code === "missing_required_parameter",
  );
  assert.deepEqual(
    parseMessages([
      { role: "developer", content: "be brief" },
      {
        role: "user",
        content: [
          { type: "text", text: "hi " },
          { type: "text", text: "there" },
        ],
      },
    ]),
    [
      { role: "system", content: "be brief" },
      { role: "user", content: "hi there" },
    ],
  );
  assert.throws(
    () => parseMessages([{ role: "tool", content: "x" }]),
    (e: unknown) => e instanceof ApiError && e.param === "messages[0].role",
  );
  assert.throws(() => parseMessages([{ role: "user", content: [{ type: "image_url", image_url: {} }] }]), /images and audio are not supported/);
  assert.throws(
    () => parseMessages([]),
    (e: unknown) => e instanceof ApiError && e.param === "messages",
  );
});

test("get_reward: an OpenRLHF query splits into the prompt's problem and the response, special tokens dropped", () => {
  assert.deepEqual(splitOpenRlhfQuery("Q: 2+2?\nStep 1: 2+2=4.\n\nStep 2: so 4.\n \n", "Q: 2+2?\n"), {
    problem: "Q: 2+2?",
    response: "Step 1: 2+2=4.\n\nStep 2: so 4.",
  });
  const prompt = "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n";
  assert.deepEqual(splitOpenRlhfQuery(`${prompt}Step 1: 4.<|im_end|><|endoftext|>`, prompt), { problem: "What is 2+2?", response: "Step 1: 4." });
  // a prompt that does not prefix the query (re-tokenised differently): the last assistant turn
  assert.equal(splitOpenRlhfQuery("<|im_start|>user\nx<|im_end|>\n<|im_start|>assistant\nStep 1: y", "other").response, "Step 1: y");
  assert.equal(splitOpenRlhfQuery("P", "P").response, "");
  const withInstruction = `<|im_start|>user\nWhat is 2+2?\n\n${DEFAULT_RL_INSTRUCTION}<|im_end|>\n<|im_start|>assistant\n`;
  assert.equal(
    splitOpenRlhfQuery(`${withInstruction}Step 1: 4.`, withInstruction).problem,
    "What is 2+2?",
    "the RL instruction of StepLens's prompt files is not the problem",
  );
});
