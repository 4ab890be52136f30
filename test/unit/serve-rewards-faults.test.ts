// The reward routes under load and faults on loopback, bounded in count and time, with the real
// local engine on the tiny generated model (RANDOM weights): concurrent clients, malformed JSON, wrong
// types, oversized bodies and batches (413), clients that disconnect mid-request — the server keeps
// answering every valid request, /health reports requests/s and queue depth, memory stays flat.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { StepLensServer } from "../../src/server/stepLensServer";
import type { Engine } from "../../src/engines/engine";
import { postJson, serveTestEngine } from "./serve-fixture";
import { waitUntil } from "../support/wait";

const GOOD = "Step 1: 2x = 4.\nStep 2: x = 2.\nStep 3: Check 2*2 = 4.\n<answer>\\boxed{2}</answer>";
let engine: Engine;
let server: StepLensServer;
let base: string;
let port: number;

before(async () => {
  engine = await serveTestEngine({ sequences: 2 });
  server = await StepLensServer.start({ engine, port: 0, maxBodyBytes: 64 * 1024, concurrency: 2 });
  base = server.url;
  port = server.port;
});

after(async () => {
  await server?.close();
  await engine?.dispose();
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}, url = base) => postJson(url + path, body, headers, { timeoutMs: 60_000 });

const item = (i: number) => ({ prompt: `Solve 2x = ${4 + i}.`, response: GOOD.replace("2x = 4", `2x = ${4 + i}`) });

test("concurrent clients: every valid request is answered, in OpenRLHF and StepLens shapes", { timeout: 60_000 }, async () => {
  const clients = 4;
  const perClient = 6;
  const results = await Promise.all(
    Array.from({ length: clients }, (_, c) =>
      (async () => {
        const out: number[] = [];
        for (let k = 0; k < perClient; k++) {
          const r =
            k % 2
              ? await post("/get_reward", { query: [`Q\n${item(k).response}`], prompts: ["Q\n"], labels: [""] }, { "X-StepLens-Client": `trainer-${c}` })
              : await post("/v1/reward", { items: [item(k), item(k + 1)] }, { "X-StepLens-Client": `trainer-${c}` });
          assert.equal(r.status, 200, JSON.stringify(r.json));
          out.push(...(r.json.rewards ?? r.json.items.map((x: any) => x.reward)));
        }
        return out;
      })(),
    ),
  );
  // Counted, not timed (the test's own 60 s limit catches a hang; throughput: bench/rewards.mjs): every
  // client got every reward, 3 × /v1/reward with 2 items + 3 × /get_reward with 1 query = 9.
  assert.deepEqual(
    results.map((rewards) => rewards.length),
    [9, 9, 9, 9],
  );
  for (const rewards of results) for (const r of rewards) assert.ok(r > 0 && r <= 1, `reward ${r}`);
  const health = (await (await fetch(base + "/health")).json()) as any;
  assert.ok(health.requestsPerSecond > 0, "requests/s over the last 10 s");
  assert.ok(health.requests >= clients * perClient);
  assert.equal(typeof health.queueDepth, "number");
  assert.deepEqual(health.rewards, { source: "prm", scalarize: "auto", gatePreset: "spark" });
});

test("malformed JSON, wrong types and unknown modes are 400s naming the problem", async () => {
  const cases: Array<[string, unknown, string | null]> = [
    ["/v1/reward", '{"items": [', null],
    ["/v1/reward", { items: "x" }, "items"],
    ["/v1/reward", { items: [{ prompt: "p", response: 5 }] }, "items[0].response"],
    ["/v1/reward", { items: [{ prompt: 1, response: "r" }] }, "items[0].prompt"],
    ["/v1/reward", { items: [null] }, "items[0]"],
    ["/v1/reward", { items: [item(0)], scalarize: "max" }, "scalarize"],
    ["/get_reward", { query: [1, 2] }, "query"],
    ["/get_reward", { prompts: ["a"] }, "query"],
    ["/get_reward", { query: ["a", "b"], prompts: ["a"] }, "prompts"],
    ["/get_reward", "[1, 2]", null],
  ];
  for (const [path, body, param] of cases) {
    const r = await post(path, body);
    assert.equal(r.status, 400, `${path} ${JSON.stringify(body)}`);
    assert.equal(typeof r.json.error.message, "string");
    if (param) assert.equal(r.json.error.param, param);
  }
  assert.equal((await post("/v1/reward", { items: [item(0)] })).status, 200, "still serving");
});

test("oversized bodies and batches are refused with a 413 JSON error", async () => {
  const huge = await post("/v1/reward", { items: [{ prompt: "p", response: "x".repeat(200 * 1024) }] });
  assert.equal(huge.status, 413);
  assert.equal(huge.json.error.code, "body_too_large");
  assert.match(huge.json.error.message, /--max-body/);
  const many = await post("/get_reward", { query: Array.from({ length: 1025 }, () => "q") });
  assert.equal(many.status, 413);
  assert.equal(many.json.error.code, "batch_too_large");
  assert.match(many.json.error.message, /at most 1024 per request/);
  assert.equal((await post("/v1/reward", { items: [item(1)] })).status, 200);
});

test("a /get_reward batch of the documented maximum (1,024 items) is served at the default --max-waiting (256)", async () => {
  // Before request-level admission each item queued as a request: 1,024 > 256 always got 503.
  const responses = Array.from({ length: 4 }, (_, i) => item(i).response);
  const query = Array.from({ length: 1024 }, (_, i) => `Q\n${responses[i % 4]}`);
  // Its own server with the defaults (this file's server caps bodies at 64 KiB; the default is 4 MiB).
  const defaults = await StepLensServer.start({ engine, port: 0, concurrency: 2 });
  let big: Awaited<ReturnType<typeof post>>;
  try {
    big = await post("/get_reward", { query, prompts: query.map(() => "Q\n") }, {}, defaults.url);
  } finally {
    await defaults.close();
  }
  assert.equal(big.status, 200, JSON.stringify(big.json).slice(0, 300));
  assert.equal(big.json.rewards.length, 1024);
  // Each reward equals the reward of the same rollout asked alone (the model is deterministic).
  const alone: number[] = [];
  for (const r of responses) alone.push((await post("/get_reward", { query: [`Q\n${r}`], prompts: ["Q\n"] })).json.rewards[0]);
  assert.ok(
    alone.every((r) => r > 0 && r <= 1),
    `rollouts that pass the gate get the judge's reward: ${alone}`,
  );
  assert.deepEqual(
    big.json.rewards,
    query.map((_, i) => alone[i % 4]),
  );
  assert.equal(big.json.extra_logs.gate_passed.filter((g: number) => g === 1).length, 1024);
});

function rawRequest(body: string, sendBytes: number): Promise<void> {
  return new Promise((resolve) => {
    const sock = net.connect(port, "127.0.0.1", () => {
      sock.write(`POST /v1/reward HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`);
      sock.write(body.slice(0, sendBytes));
      setImmediate(() => sock.destroy());
    });
    sock.on("close", () => resolve());
    sock.on("error", () => resolve());
  });
}

test("clients that disconnect mid-body or while waiting for the answer do not hurt the server; memory stays flat", async () => {
  const body = JSON.stringify({ items: Array.from({ length: 8 }, (_, i) => item(i)) });
  const round = async () => {
    await Promise.all([rawRequest(body, 40), rawRequest(body, body.length), rawRequest(body, body.length), post("/v1/reward", { items: [item(2)] })]);
  };
  for (let i = 0; i < 3; i++) await round(); // warm up
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 20; i++) await round();
  // Abandoned work drains: the queue empties without anyone waiting for it.
  await waitUntil("the abandoned work to drain", () => server.load.active + server.load.waiting === 0, { timeoutMs: 30_000, intervalMs: 20 });
  assert.deepEqual(server.load, { active: 0, waiting: 0 });
  const grown = process.memoryUsage().heapUsed - before;
  assert.ok(grown < 32 * 1024 * 1024, `heap grew ${(grown / 1048576).toFixed(1)} MiB over 20 rounds`);
  const ok = await post("/v1/reward", { items: [item(3)] });
  assert.equal(ok.status, 200);
  assert.ok(ok.json.items[0].reward > 0);
});
