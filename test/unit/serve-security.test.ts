// `steplens serve`: who may connect (loopback by default, a bearer token off loopback), token
// checks, fair queueing under load (measured), client disconnects cancelling work, and graceful
// shutdown. Real HTTP on this machine; the engine is the real local engine on a generated tiny
// GGUF (random weights: plumbing, not judgement).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { StepLensServer } from "../../src/server/stepLensServer";
import { StepLensError } from "../../src/core/errors";
import type { Engine } from "../../src/engines/engine";
import { jsonPost, serveTestEngine } from "./serve-fixture";
import { recordGenerations, stoppedEarly, describeOutcome } from "../support/recordingEngine";
import { waitUntil, within } from "../support/wait";
import { itemAt, only } from "../support/indexing";

let engine: Engine;
before(async () => {
  engine = await serveTestEngine();
});
after(async () => {
  await engine?.dispose();
});

const TOKEN = "test-token-0123456789abcdef";
const json = (body: unknown, token?: string) => jsonPost(body, { token });

test("a non-loopback bind without a token refuses to start; a short token too", async () => {
  await assert.rejects(
    StepLensServer.start({ engine, host: "0.0.0.0", port: 0 }),
    (e: unknown) =>
      e instanceof StepLensError &&
      e.details.code === "serve-token-required" &&
      /Refusing to listen on 0\.0\.0\.0 without a bearer token/.test(e.message) &&
      /STEPLENS_SERVE_TOKEN/.test(e.format()),
  );
  await assert.rejects(
    StepLensServer.start({ engine, host: "::", port: 0, token: "" }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "serve-token-required",
  );
  await assert.rejects(
    StepLensServer.start({ engine, host: "0.0.0.0", port: 0, token: "short" }),
    (e: unknown) => e instanceof StepLensError && e.details.code === "serve-token-short",
  );
});

test("bound to 0.0.0.0 with a token: requests need it (constant-time check), /health does not", async () => {
  const server = await StepLensServer.start({ engine, host: "0.0.0.0", port: 0, token: TOKEN });
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const none = await fetch(`${base}/v1/models`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="steplens"');
    const body: any = await none.json();
    assert.equal(body.error.type, "authentication_error");
    const wrong = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${TOKEN.slice(0, -1)}x` } });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${base}/v1/models`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(right.status, 200);
    const score = await fetch(`${base}/v1/score`, json({ problem: "p", steps: ["a", "b"] }, TOKEN));
    assert.equal(score.status, 200);
    const scoreNoToken = await fetch(`${base}/v1/score`, json({ problem: "p", steps: ["a"] }));
    assert.equal(scoreNoToken.status, 401);
    assert.equal((await fetch(`${base}/health`)).status, 200);
  } finally {
    await server.close();
  }
});

test("a token set on a loopback server is enforced as well", async () => {
  const server = await StepLensServer.start({ engine, port: 0, token: "loopback-token" });
  try {
    assert.equal((await fetch(`${server.url}/v1/models`)).status, 401);
    assert.equal((await fetch(`${server.url}/v1/models`, { headers: { Authorization: "Bearer loopback-token" } })).status, 200);
  } finally {
    await server.close();
  }
});

test("under load the queue keeps at most `concurrency` engine calls running and answers everything", async () => {
  const server = await StepLensServer.start({ engine, port: 0, concurrency: 2 });
  try {
    let maxActive = 0;
    let maxWaiting = 0;
    const probe = setInterval(() => {
      maxActive = Math.max(maxActive, server.load.active);
      maxWaiting = Math.max(maxWaiting, server.load.waiting);
    }, 1);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        fetch(`${server.url}/v1/completions`, json({ prompt: `Step ${i}:`, max_tokens: 24, temperature: 0 })).then((r) => r.status),
      ),
    );
    clearInterval(probe);
    assert.deepEqual(results, Array(12).fill(200));
    assert.equal(maxActive, 2, `at most 2 engine calls ran at once (saw ${maxActive})`);
    assert.ok(maxWaiting >= 1, "the rest waited in the queue");
  } finally {
    await server.close();
  }
});

test("a full queue answers 503 with Retry-After instead of growing", async () => {
  const server = await StepLensServer.start({ engine, port: 0, concurrency: 1, maxWaiting: 1 });
  try {
    const statuses = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`${server.url}/v1/completions`, json({ prompt: "Step 1:", max_tokens: 48, temperature: 0 })).then(
          async (r) => [r.status, r.headers.get("retry-after")] as const,
        ),
      ),
    );
    const ok = statuses.filter(([s]) => s === 200).length;
    const busy = statuses.filter(([s, ra]) => s === 503 && ra === "1").length;
    assert.ok(ok >= 2, `${ok} answered`);
    assert.ok(busy >= 1, `${busy} refused as busy`);
    assert.equal(ok + busy, 6);
    assert.equal((await fetch(`${server.url}/v1/completions`, json({ prompt: "after", max_tokens: 2 }))).status, 200, "serving again once the queue drains");
  } finally {
    await server.close();
  }
});

test("a client that disconnects cancels its engine work", async () => {
  const recording = recordGenerations(engine);
  const server = await StepLensServer.start({ engine: recording.engine, port: 0, concurrency: 1 });
  try {
    const body = { prompt: "Step 1:", max_tokens: 1000, temperature: 0 }; // greedy on these random weights never stops early
    const full = await fetch(`${server.url}/v1/completions`, json(body));
    const fullJson: any = await full.json();
    assert.equal(full.status, 200);
    assert.equal(fullJson.choices[0].finish_reason, "length", "the uncancelled request runs to max_tokens");
    assert.equal(recording.outcomes[0]?.generations?.[0]?.tokens, 1000, "the uncancelled engine call generated all 1000 tokens");

    const c = new AbortController();
    const pending = fetch(`${server.url}/v1/completions`, { ...json(body), signal: c.signal }).catch((e: Error) => e.name);
    await waitUntil("the second generation running on the server", () => server.load.active > 0);
    c.abort();
    assert.equal(await within("the aborted fetch to settle", pending, 10_000), "AbortError");
    await waitUntil("the server to finish the cancelled engine call", () => server.load.active === 0 && recording.outcomes.length === 2, { timeoutMs: 30_000 });
    // Counted, not timed: the engine call ended before its 1000 tokens.
    const cancelled = itemAt(recording.outcomes, 1, "the cancelled engine call");
    assert.ok(stoppedEarly(cancelled), `engine work stopped when the client left: ${describeOutcome(cancelled)}`);
    assert.equal((await fetch(`${server.url}/v1/completions`, json({ prompt: "next", max_tokens: 2 }))).status, 200);
  } finally {
    await server.close();
  }
});

test("close(): running requests finish, waiting ones get 503, then the port is closed", async () => {
  const server = await StepLensServer.start({ engine, port: 0, concurrency: 1 });
  const url = server.url;
  const running = fetch(`${url}/v1/completions`, json({ prompt: "Step 1:", max_tokens: 64, temperature: 0 }));
  await waitUntil("the first request running", () => server.load.active > 0, { intervalMs: 2 });
  const waiting = fetch(`${url}/v1/completions`, json({ prompt: "Step 2:", max_tokens: 64, temperature: 0 }));
  await waitUntil("the second request queued", () => server.load.waiting > 0, { intervalMs: 2 });
  await server.close();
  const [a, b] = await Promise.all([running, waiting]);
  assert.equal(a.status, 200, "the running request completed");
  assert.equal(((await a.json()) as any).choices.length, 1);
  assert.equal(b.status, 503);
  assert.equal(((await b.json()) as any).error.code, "shutting_down");
  await assert.rejects(fetch(`${url}/health`), /fetch failed/);
});

test("close() with a short grace cancels a long generation: the client gets 503, not a truncated 200", async () => {
  const recording = recordGenerations(engine);
  const server = await StepLensServer.start({ engine: recording.engine, port: 0, concurrency: 1 });
  const long = fetch(`${server.url}/v1/completions`, json({ prompt: "Step 1:", max_tokens: 1000, temperature: 0 }));
  await waitUntil("the long generation running", () => server.load.active > 0, { intervalMs: 2 });
  await within("close(100) to return", server.close(100), 30_000);
  // Counted, not timed: close did not wait for the whole generation, the engine call was cut short.
  await waitUntil("the cancelled engine call to end", () => recording.outcomes.length === 1, { timeoutMs: 30_000 });
  const cancelled = only(recording.outcomes, "the cancelled engine call");
  assert.ok(stoppedEarly(cancelled), `close cancelled the generation: ${describeOutcome(cancelled)}`);
  const res = await long;
  assert.equal(res.status, 503);
  assert.equal(((await res.json()) as any).error.code, "shutting_down");
});
