// Retry policy pieces and the FIFO concurrency limit of the OpenAI-compatible engine (no network).
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConcurrencyLimiter } from "../../src/engines/openai/concurrencyLimiter";
import { isRetryableStatus, parseRetryAfter, retryDelayMs, sleep, DEFAULT_RETRY_POLICY } from "../../src/engines/openai/retry";
import { splitUsage } from "../../src/engines/openai/openAiEngine";
import { candidateLogprobs, firstTokenFromChat, firstTokenFromCompletion } from "../../src/engines/openai/firstTokenLogprobs";
import { CancelledError, StepLensError } from "../../src/core/errors";
import { within } from "../support/wait";

test("parseRetryAfter reads seconds, retry-after-ms, HTTP dates, and ignores garbage", () => {
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "3" })), 3000);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "0.5" })), 500);
  assert.equal(parseRetryAfter(new Headers({ "retry-after-ms": "250", "retry-after": "9" })), 250, "retry-after-ms wins");
  const now = Date.parse("2025-01-01T00:00:00Z");
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "Wed, 01 Jan 2025 00:00:07 GMT" }), now), 7000);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "Tue, 31 Dec 2024 23:59:00 GMT" }), now), 0, "a past date means now");
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "soon" })), undefined);
  assert.equal(parseRetryAfter(new Headers({ "retry-after": "-4" })), undefined);
  assert.equal(parseRetryAfter(new Headers()), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test("isRetryableStatus: 408, 409, 429 and 5xx only", () => {
  for (const s of [408, 409, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
  for (const s of [400, 401, 403, 404, 413, 422, undefined]) assert.equal(isRetryableStatus(s), false, String(s));
});

test("retryDelayMs: full jitter under a doubling cap, Retry-After taken as is", () => {
  const policy = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(retryDelayMs(0, { ...policy, random: () => 0.999999 }), 99);
  assert.equal(retryDelayMs(3, { ...policy, random: () => 0.5 }), 400);
  assert.equal(retryDelayMs(10, { ...policy, random: () => 0.999999 }), 999, "capped at maxDelayMs");
  assert.equal(retryDelayMs(2, { ...policy, random: () => 0 }), 0);
  assert.equal(retryDelayMs(5, policy, 1234), 1234);
  // with the real random source every delay stays inside [0, cap)
  for (let attempt = 0; attempt < 8; attempt++) {
    const cap = Math.min(1000, 100 * 2 ** attempt);
    for (let i = 0; i < 50; i++) {
      const d = retryDelayMs(attempt, policy);
      assert.ok(d >= 0 && d < cap, `attempt ${attempt}: ${d} not in [0, ${cap})`);
    }
  }
});

test("sleep stops at once when its signal aborts", async () => {
  const c = new AbortController();
  setTimeout(() => c.abort(), 30);
  // A 60 s sleep that ignored its signal would run far past the 10 s bound.
  await assert.rejects(within("the aborted 60 s sleep to reject", sleep(60_000, c.signal), 10_000), CancelledError);
  await assert.rejects(sleep(10, AbortSignal.abort()), CancelledError);
});

test("ConcurrencyLimiter never runs more than its limit and serves waiters first in, first out", async () => {
  const limiter = new ConcurrencyLimiter(2);
  let running = 0;
  let maxRunning = 0;
  const order: number[] = [];
  const task = (i: number) => async () => {
    running++;
    maxRunning = Math.max(maxRunning, running);
    order.push(i);
    await sleep(5); // pacing: each task holds its slot a moment
    running--;
    return i;
  };
  const results = await Promise.all(Array.from({ length: 9 }, (_, i) => limiter.run(task(i))));
  assert.deepEqual(results, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(maxRunning, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(limiter.active, 0);
  assert.equal(limiter.waiting, 0);
  assert.throws(() => new ConcurrencyLimiter(0), RangeError);
});

test("ConcurrencyLimiter: a waiter whose signal aborts leaves the queue; a failing task frees its slot", async () => {
  const limiter = new ConcurrencyLimiter(1);
  let unblock!: () => void;
  const blocker = limiter.run(() => new Promise<void>((r) => (unblock = r)));
  const c = new AbortController();
  const waiting = limiter.run(async () => "never", c.signal);
  const third = limiter.run(async () => "third");
  assert.equal(limiter.waiting, 2);
  c.abort();
  await assert.rejects(waiting, CancelledError);
  assert.equal(limiter.waiting, 1);
  unblock();
  await blocker;
  assert.equal(await third, "third");
  await assert.rejects(
    limiter.run(async () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(await limiter.run(async () => "after failure"), "after failure");
  assert.equal(limiter.active, 0);
});

test("splitUsage: exact for one choice, shares the total by text length for several", () => {
  assert.deepEqual(splitUsage(7, ["abc"]), [7]);
  assert.deepEqual(splitUsage(undefined, ["a", "b"]), [0, 0]);
  const shares = splitUsage(10, ["aaaa", "a", "aaaaa"]);
  assert.equal(
    shares.reduce((a, b) => a + b, 0),
    10,
  );
  const [ofFour, ofOne, ofFive] = shares;
  assert.ok(ofFour !== undefined && ofOne !== undefined && ofFive !== undefined, "three shares");
  assert.ok(ofFive >= ofFour && ofFour >= ofOne);
});

test("first-token logprobs: chat and completions shapes, candidates matched after trimming and summed", () => {
  const chat = {
    choices: [
      {
        logprobs: {
          content: [
            {
              token: "Yes",
              logprob: Math.log(0.5),
              top_logprobs: [
                { token: " Yes", logprob: Math.log(0.1) },
                { token: "Yes", logprob: Math.log(0.5) },
                { token: "No", logprob: Math.log(0.2) },
                { token: "Maybe", logprob: Math.log(0.05) },
              ],
            },
          ],
        },
      },
    ],
  };
  const top = firstTokenFromChat(chat)!;
  assert.deepEqual(
    top.map((t) => t.token),
    ["Yes", "No", " Yes", "Maybe"],
    "sorted best first",
  );
  const c = candidateLogprobs(top, ["Yes", "No"], "test");
  const [yes, yesShare, noShare] = [c.logprobs.Yes, c.normalized.Yes, c.normalized.No];
  assert.ok(yes !== undefined && yesShare !== undefined && noShare !== undefined, "'Yes' and 'No' have a logprob and a share");
  assert.ok(Math.abs(Math.exp(yes) - 0.6) < 1e-12, "'Yes' and ' Yes' are summed");
  assert.ok(Math.abs(yesShare - 0.75) < 1e-12);
  assert.ok(Math.abs(noShare - 0.25) < 1e-12);
  assert.ok(Math.abs(c.floor - Math.log(0.05)) < 1e-12);

  const completion = { choices: [{ logprobs: { tokens: ["No"], token_logprobs: [-0.1], top_logprobs: [{ No: -0.1, Yes: -2.5 }] } }] };
  const top2 = firstTokenFromCompletion(completion)!;
  assert.deepEqual(top2, [
    { token: "No", logprob: -0.1 },
    { token: "Yes", logprob: -2.5 },
  ]);
  assert.equal(firstTokenFromChat({ choices: [{ logprobs: null }] }), undefined);

  const partial = candidateLogprobs(top2, ["Yes", "Unsure"], "test");
  assert.equal(partial.logprobs.Unsure, -Infinity);
  assert.equal(partial.normalized.Yes, 1);
  assert.throws(
    () => candidateLogprobs(top2, ["True", "False"], "judge step 3"),
    (e: unknown) =>
      e instanceof StepLensError && /judge step 3: none of "True", "False" is among the 2 most likely first tokens \(top: "No", "Yes"\)/.test(e.message),
  );
  assert.throws(() => candidateLogprobs([], ["Yes"], "ctx"), /returned no logprobs/);
});
