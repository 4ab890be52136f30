// `steplens serve` from the command line (runCli with in-memory streams): flags, the refusal to
// listen off loopback without a token (before any model loads), the printed URL, serving, the
// token from STEPLENS_SERVE_TOKEN, and stopping on the CLI's abort signal (Ctrl-C).
// The model is the generated tiny GGUF (random weights: plumbing, not judgement).
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { runCli } from "../../src/cli/main";
import type { CliIo } from "../../src/cli/command";
import { serveTestModel } from "./serve-fixture";
import { waitForValue } from "../support/wait";

function memoryIo(env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const controller = new AbortController();
  const io: CliIo = { stdout, stderr, env, signal: controller.signal, isTTY: false };
  return { io, controller, out: () => out, err: () => err };
}

test("serve refuses a non-loopback host without a token, before loading anything", async () => {
  const m = memoryIo();
  const code = await runCli(["serve", "--host", "0.0.0.0", "--model", "/nonexistent/model.gguf"], m.io);
  assert.equal(code, 1);
  assert.match(m.err(), /Refusing to listen on 0\.0\.0\.0 without a bearer token/);
  assert.match(m.err(), /--token|STEPLENS_SERVE_TOKEN/);
  // No model was loaded: loading this path fails with "model file not found" (the next test), and
  // that message is absent; the refusal came first.
  assert.doesNotMatch(m.err(), /model file not found/, "no model was loaded");
});

test("serve loads the model before listening: a missing file fails at start with the engine's message", async () => {
  const m = memoryIo();
  const code = await runCli(["serve", "--model", "/nonexistent/prm.gguf", "--port", "0", "--gpu", "off"], m.io);
  assert.equal(code, 1);
  assert.match(m.err(), /\/nonexistent\/prm\.gguf: model file not found/);
  assert.doesNotMatch(m.out(), /listening/);
});

test("serve flag errors are usage errors (exit 2)", async () => {
  for (const argv of [
    ["serve"],
    ["serve", "--model", "m.gguf", "--port", "99999"],
    ["serve", "--model", "m.gguf", "--max-body", "0"],
    ["serve", "--model", "m.gguf", "--gpu", "tpu"],
    ["serve", "--model", "m.gguf", "--bogus"],
  ]) {
    const m = memoryIo();
    assert.equal(await runCli(argv, m.io), 2, argv.join(" "));
    assert.match(m.err(), /steplens serve: .*\nRun 'steplens serve --help'/);
  }
  const help = memoryIo();
  assert.equal(await runCli(["serve", "--help"], help.io), 0);
  assert.match(help.out(), /POST \/v1\/score/);
});

test("serve prints its URL, serves with the token from STEPLENS_SERVE_TOKEN, and stops on Ctrl-C", async () => {
  const model = await serveTestModel();
  const m = memoryIo({ STEPLENS_SERVE_TOKEN: "env-token-123" });
  const running = runCli(["serve", "--model", model, "--port", "0", "--gpu", "off", "--concurrency", "2", "--max-body", "2048"], m.io);
  const url = await waitForValue("serve to print its URL", () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(m.out())?.[1], {
    timeoutMs: 30_000,
    intervalMs: 50,
  }).catch((e: Error) => assert.fail(`${e.message}; stdout: ${m.out()} stderr: ${m.err()}`));
  assert.match(m.out(), /OpenAI base URL: http:\/\/127\.0\.0\.1:\d+\/v1/);
  assert.match(m.out(), /Ctrl-C stops/);

  assert.equal((await fetch(`${url}/v1/models`)).status, 401, "the env token is required");
  const auth = { Authorization: "Bearer env-token-123", "Content-Type": "application/json" };
  const score = await fetch(`${url}/v1/score`, { method: "POST", headers: auth, body: JSON.stringify({ problem: "p", steps: ["a", "b"] }) });
  assert.equal(score.status, 200);
  assert.equal(((await score.json()) as any).steps.length, 2);
  const big = await fetch(`${url}/v1/score`, { method: "POST", headers: auth, body: JSON.stringify({ problem: "p", steps: ["x".repeat(4096)] }) });
  assert.equal(big.status, 413, "--max-body is applied");
  assert.match(m.err(), /POST \/v1\/score 200 \d+ms/, "one log line per request");

  m.controller.abort(); // what SIGINT does in src/cli/main.ts
  assert.equal(await running, 0);
  assert.match(m.err(), /stopped/);
  await assert.rejects(fetch(`${url}/health`), /fetch failed/, "the port is closed");
});
