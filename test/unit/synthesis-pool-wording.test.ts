/**
 * Messages of the synthesis engine pool for a single engine (issue 18: a local model that recovered
 * was reported "back in rotation", endpoint-pool jargon). With one member: "answering again after N
 * failed requests"; with several, the rotation messages stay (synthesis-core covers those).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { EnginePool } from "../../src/synthesis/enginePool";
import { fakeEngine } from "../support/fakeEngine";

test("one engine (a local model): no rotation jargon when it answers again after failures", async () => {
  let failing = 2;
  const engine = fakeEngine({
    generations: () => {
      if (failing > 0) {
        failing--;
        throw new Error("model busy");
      }
      return ["ok"];
    },
  });
  const events: string[] = [];
  const pool = new EnginePool([{ name: "steplens-demo.gguf", engine }], { maxFailures: 2, onEvent: (m) => events.push(m) });
  for (let i = 0; i < 2; i++) await assert.rejects(pool.generate({ role: "generator", prompt: "x" }), /model busy/);
  const [g] = await pool.generate({ role: "generator", prompt: "x" });
  assert.ok(g, "a generation once the model answers again");
  assert.equal(g.text, "ok");
  assert.deepEqual(events, ["steplens-demo.gguf: answering again after 2 failed requests"]);
  assert.ok(!events.some((e) => /rotation/.test(e)));
});
