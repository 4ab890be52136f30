/**
 * A small OpenAI-compatible chat endpoint for pipeline tests (not a test file itself): answers
 * `POST /v1/chat/completions` with canned texts — a two-step solution ending "Answer: 5" to a
 * generator prompt, a SPARK-format verification of two steps to a verifier prompt — and lists one
 * model at `GET /v1/models`. It can start failing after a number of requests (HTTP 503, or the
 * connection dropped) to play an endpoint that dies mid-run. Listens on 127.0.0.1, port 0.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeServerOptions {
  /** Requests answered normally before every later one fails (default: never fails). */
  failAfter?: number;
  failWith?: "503" | "drop";
  /** The verdict of the second step in verifications (default "correct"). */
  secondStep?: "correct" | "incorrect";
  /** Server-side latency of each chat answer in ms (default 0): a run long enough to interrupt. */
  delayMs?: number;
}

export interface FakeServer {
  url: string;
  /** Chat requests received, answered, failed. */
  stats: { requests: number; answered: number; failed: number };
  close(): Promise<void>;
}

export const FAKE_SOLUTION = "Step 1: Add 2 and 3 to get 5.\nStep 2: Check: 5 - 3 = 2.\nAnswer: 5";

export function fakeVerification(second: "correct" | "incorrect"): string {
  return [
    "## Step 1: 2 + 3 = 5 is right.",
    "**This step is correct.**",
    "",
    `## Step 2: the check ${second === "correct" ? "holds" : "is wrong"}.`,
    `**This step is ${second}.**`,
    "",
    `**Verification: Is the answer correct (Yes/No)? ${second === "correct" ? "Yes" : "No"}**`,
  ].join("\n");
}

export async function startFakeServer(o: FakeServerOptions = {}): Promise<FakeServer> {
  const stats = { requests: 0, answered: 0, failed: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.method === "GET" && req.url?.endsWith("/models")) {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ object: "list", data: [{ id: "fake-model", object: "model" }] }));
        return;
      }
      if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "no such route" } }));
        return;
      }
      stats.requests++;
      if (o.failAfter !== undefined && stats.answered >= o.failAfter) {
        stats.failed++;
        if (o.failWith === "drop") {
          req.socket.destroy();
          return;
        }
        res.writeHead(503, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "fake endpoint is down" } }));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { n?: number; messages: { content: string }[] };
      // The generator's prompt (src/synthesis/generatorPrompt.ts) opens "Solve the following …"; anything else verifies.
      const verifier = !body.messages.some((m) => m.content.startsWith("Solve the following"));
      const text = verifier ? fakeVerification(o.secondStep ?? "correct") : FAKE_SOLUTION;
      const n = Math.max(1, body.n ?? 1);
      stats.answered++;
      const answer = () => {
        if (res.destroyed) return;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            id: `fake-${stats.requests}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: "fake-model",
            choices: Array.from({ length: n }, (_, index) => ({ index, message: { role: "assistant", content: text }, finish_reason: "stop" })),
            usage: { prompt_tokens: 10, completion_tokens: 20 * n, total_tokens: 10 + 20 * n },
          }),
        );
      };
      if (o.delayMs) setTimeout(answer, o.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
