// `steplens serve` against hostile clients: bad JSON schemas (too deep, huge repetition counts, too
// large) are a 400 with the reason, never a 500; a step no context could hold is refused by its
// length; slow clients hit the header timeout; connections beyond the cap are closed; /v1/score names
// the model, not its path. Real HTTP on loopback; the engine is the real local engine on a generated
// tiny GGUF (random weights: plumbing, not judgement).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import type { Engine } from "../../src/engines/engine";
import { StepLensServer } from "../../src/server/stepLensServer";
import { jsonPost, serveTestEngine } from "./serve-fixture";
import { waitFor, within } from "../support/wait";

let engine: Engine;
let server: StepLensServer;
before(async () => {
  engine = await serveTestEngine();
  server = await StepLensServer.start({ engine, port: 0 });
});
after(async () => {
  await server?.close(0);
  await engine?.dispose();
});

const post = (path: string, body: unknown) => fetch(`${server.url}${path}`, jsonPost(body));

function nested(depth: number): object {
  let s: object = { type: "string" };
  for (let i = 0; i < depth; i++) s = { type: "array", items: s };
  return s;
}

test("bad JSON schemas are the client's fault: 400 with the reason, and the server keeps serving", async () => {
  const cases: [string, object, RegExp][] = [
    ["1,000 levels deep", nested(1000), /nested more than 64 levels deep/],
    ["minItems 3000", { type: "array", items: { type: "string" }, minItems: 3000 }, /'minItems' is 3000, over the limit of 256/],
    ["minLength 5000", { type: "string", minLength: 5000 }, /'minLength' is 5000/],
    [
      "too large",
      {
        type: "object",
        properties: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`key_${i}`, { type: "string", description: "x".repeat(20) }])),
      },
      /characters, over the limit of 524288/,
    ],
  ];
  for (const [name, schema, reason] of cases) {
    const r = await post("/v1/chat/completions", {
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 4,
      response_format: { type: "json_schema", json_schema: { name: "x", schema } },
    });
    assert.equal(r.status, 400, name);
    const body: any = await r.json();
    assert.equal(body.error.type, "invalid_request_error", name);
    assert.equal(body.error.param, "response_format.json_schema.schema", name);
    assert.equal(body.error.code, "bad_schema", name);
    assert.match(body.error.message, reason, name);
  }
  // 5,000 levels, written as text (JSON.stringify itself would overflow the stack on it).
  const deep = '{"type":"array","items":'.repeat(5000) + '{"type":"string"}' + "}".repeat(5000);
  const raw = await fetch(`${server.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: `{"messages":[{"role":"user","content":"hi"}],"max_tokens":4,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${deep}}}}`,
  });
  assert.equal(raw.status, 400);
  assert.match(((await raw.json()) as any).error.message, /nested more than 64 levels deep/);
  const ok = await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], max_tokens: 4 });
  assert.equal(ok.status, 200);
});

test("/v1/score: the model's name (as /v1/models lists it), never its path; a step too long for any context is a 400 naming it", async () => {
  const models: any = await (await fetch(`${server.url}/v1/models`)).json();
  const r = await post("/v1/score", { problem: "p", steps: ["a", "b"] });
  assert.equal(r.status, 200);
  const body: any = await r.json();
  assert.equal(body.model, models.data[0].id);
  assert.ok(!body.model.includes("/") && !body.model.includes("\\") && !body.model.endsWith(".gguf"), body.model);

  const long = await post("/v1/score", { problem: "p", steps: ["short", "y".repeat(300_000)] });
  assert.equal(long.status, 400);
  const e: any = await long.json();
  assert.equal(e.error.code, "too-long");
  // Refused by its length in characters (the message counts characters against the context's bound),
  // not after tokenising 300,000 characters.
  assert.match(e.error.message, /step 2 is 300000 characters; a 4096-token context holds at most 262144/);
});

test("a client that never finishes its headers gets 408 and is closed after --headers-timeout", async () => {
  const slow = await StepLensServer.start({ engine, port: 0, headersTimeoutMs: 300, requestTimeoutMs: 600 });
  try {
    const t0 = performance.now();
    const socket = net.connect(slow.port, "127.0.0.1");
    let data = "";
    socket.on("data", (d) => (data += d));
    socket.on("error", () => undefined);
    socket.write("POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\n"); // …and nothing more
    // Without the header timeout the socket would stay open: the bound names the wait.
    await within("the server to close the half-sent request", new Promise((r) => socket.on("close", r)), 10_000);
    const ms = performance.now() - t0;
    assert.match(data, /^HTTP\/1\.1 408/);
    // A lower bound only (load makes it later, never earlier): it waited for --headers-timeout.
    assert.ok(ms >= 250, `closed after ${ms.toFixed(0)} ms`);
  } finally {
    await slow.close(0);
  }
});

/** A raw loopback client: what it was sent, and when the server closed it. */
function rawClient(port: number, write = "") {
  const socket = net.connect(port, "127.0.0.1");
  let data = "";
  socket.on("data", (d) => (data += d));
  socket.on("error", () => undefined);
  if (write) socket.write(write);
  return {
    socket,
    closed: new Promise<string>((r) => socket.on("close", () => r(data))),
    connected: new Promise((r) => socket.on("connect", r)),
    get data() {
      return data;
    },
  };
}

/** Waits (bounded) until the server counts `n` open connections. */
async function untilConnections(s: StepLensServer, n: number): Promise<void> {
  const count = () => new Promise<number>((r) => (s as any).http.getConnections((_: unknown, k: number) => r(k)));
  await waitFor(`the server to count ${n} open connections`, count, (k) => k >= n, { timeoutMs: 10_000, intervalMs: 5 });
}

test("at --max-connections a new connection closes the oldest one still sending headers, not itself", async () => {
  const log: string[] = [];
  const capped = await StepLensServer.start({ engine, port: 0, maxConnections: 2, headersTimeoutMs: 60_000, log: (l) => log.push(l) });
  try {
    const a = rawClient(capped.port, "GET /health HTTP/1.1\r\n"); // stalls in its headers
    await a.connected;
    await untilConnections(capped, 1);
    const b = rawClient(capped.port); // sends nothing
    await b.connected;
    await untilConnections(capped, 2);
    const c = rawClient(capped.port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    assert.match(await c.closed, /^HTTP\/1\.1 200/, "the valid request is answered");
    assert.equal(await a.closed, "", "the oldest stalled connection was closed, without an answer");
    assert.ok(!b.socket.destroyed && b.socket.readyState === "open", "the younger stalled one is still open");
    assert.ok(
      log.some((l) => /closed the oldest connection still sending its headers/.test(l)),
      log.join("\n"),
    );
    b.socket.destroy();
  } finally {
    await capped.close(0);
  }
});

test("at --max-connections with every connection busy, the new one is closed; the busy one is served", async () => {
  const capped = await StepLensServer.start({ engine, port: 0, maxConnections: 1, headersTimeoutMs: 60_000 });
  // node:http parses a request's headers before StepLens queues it: its "request" event is the sign.
  const headersRead = new Promise((r) => (capped as any).http.once("request", r));
  try {
    // Headers complete, body still coming: busy (its request is being read), never closed for the cap.
    const body = JSON.stringify({ problem: "p", steps: ["a"] });
    const a = rawClient(
      capped.port,
      `POST /v1/score HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    await a.connected;
    await untilConnections(capped, 1);
    await within("the server to read the first request's headers", headersRead, 10_000);
    const c = rawClient(capped.port, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    assert.equal(await c.closed, "", "the new connection is the one closed");
    a.socket.write(body);
    assert.match(await a.closed, /^HTTP\/1\.1 200/);
  } finally {
    await capped.close(0);
  }
});

test("600 stalled connections and 20 valid requests: all 20 are answered long before the header timeout; open connections stay at the cap", async () => {
  const capped = await StepLensServer.start({ engine, port: 0, maxConnections: 256, headersTimeoutMs: 60_000, requestTimeoutMs: 120_000 });
  const stalled: ReturnType<typeof rawClient>[] = [];
  try {
    for (let i = 0; i < 600; i++) stalled.push(rawClient(capped.port, i % 2 ? "POST /v1/score HTTP/1.1\r\nHost: x\r\n" : ""));
    await Promise.all(stalled.map((s) => Promise.race([s.connected, s.closed])));
    const statuses = await Promise.all(
      Array.from({ length: 20 }, () => fetch(`${capped.url}/health`, { signal: AbortSignal.timeout(20_000) }).then((r) => r.status)),
    );
    assert.deepEqual(statuses, Array(20).fill(200), "every valid request is answered (the header timeout, 60 s, freed nothing)");
    const count = await new Promise<number>((r) => (capped as any).http.getConnections((_: unknown, k: number) => r(k)));
    assert.ok(count <= 256, `${count} connections open, cap 256`);
    const closedByServer = stalled.filter((s) => s.socket.destroyed || s.socket.readyState !== "open").length;
    assert.ok(closedByServer >= 600 + 20 - 256 - 20, `${closedByServer} stalled connections closed`);
  } finally {
    for (const s of stalled) s.socket.destroy();
    await capped.close(0);
  }
});
