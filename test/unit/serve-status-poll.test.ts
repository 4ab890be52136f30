/**
 * The reward-server terminal does not log the editor's own /health poll (issue 18: a line every
 * 3 s). A /health request carrying the editor's status-poll header is answered but neither logged
 * nor counted in requests/s; the same request without the header, and every other request, is.
 * Loopback HTTP on a free port; the engine is the scripted fake (no model needed for /health).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { StepLensServer } from "../../src/server/stepLensServer";
import { STATUS_POLL_HEADER } from "../../src/server/statusPoll";
import { fakeEngine } from "../support/fakeEngine";

test("the editor's status poll is answered, not logged, not counted; other requests are", async () => {
  const lines: string[] = [];
  const server = await StepLensServer.start({ engine: fakeEngine(), port: 0, log: (l) => lines.push(l) });
  try {
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${server.url}/health`, { headers: { [STATUS_POLL_HEADER]: "1" } });
      assert.equal(r.status, 200);
      await r.body?.cancel();
    }
    assert.equal(lines.length, 0, `five polls, no log line: ${lines.join(" / ")}`);
    const plain = await fetch(`${server.url}/health`);
    const health = (await plain.json()) as Record<string, unknown>;
    assert.equal(plain.status, 200);
    assert.deepEqual(
      lines.map((l) => l.replace(/\d+ms$/, "Nms")),
      ["GET /health 200 Nms"],
      "a request without the header is logged",
    );
    assert.equal(health.requests, 0, `the five polls are not counted: ${JSON.stringify(health)}`);
    const missing = await fetch(`${server.url}/nope`, { headers: { [STATUS_POLL_HEADER]: "1" } });
    await missing.body?.cancel();
    assert.ok(
      lines.some((l) => l.startsWith("GET /nope 404")),
      "the header silences /health only",
    );
  } finally {
    await server.close(0);
  }
});
