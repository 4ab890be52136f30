// The reward server's grading never blocks its event loop for long: a hostile /get_reward batch
// (256 queries, each a \boxed{ nested 7,000 deep, 14 MB in all) is in flight while /health is
// polled. Before grading was bounded, 64 such queries stalled the loop 692 ms (about 11 ms a query,
// all in one turn), so 256 would stall it for seconds; the bound below leaves a loaded 2-core
// machine room for JSON.parse of the body and GC, and is still several times below that. Each item's gate and answer extraction run on their own event-loop turn
// (src/core/eventLoopTurn.ts) and are bounded (src/grading/bounds.ts); the longest event-loop stall is
// measured with node's monitorEventLoopDelay (the server runs in this process). A fake engine: the
// gate refuses these rollouts before any model would run. The test asserts counted work — every
// item took its own turn (nextTurn's count) and /health was answered while the batch was in
// flight; the longest stall is measured and reported, not asserted (a wall-clock bound failed on a
// loaded 2-core machine whatever the code).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { turnsTaken } from "../../src/core/eventLoopTurn";
import { StepLensServer } from "../../src/server/stepLensServer";
import { fakeEngine } from "../support/fakeEngine";

let server: StepLensServer;

before(async () => {
  server = await StepLensServer.start({ engine: fakeEngine(), port: 0, maxBodyBytes: 32 * 1024 * 1024 });
});

after(async () => {
  await server?.close();
});

test("/health answers while a hostile /get_reward batch is graded, each item on its own event-loop turn", { timeout: 120_000 }, async (t) => {
  const hostile = "Step 1: nest.\nStep 2: more.\nStep 3: done.\n" + "\\boxed{".repeat(7000) + "1" + "}".repeat(7000);
  const query = Array.from({ length: 256 }, () => `Q\n${hostile}`);
  const delay = monitorEventLoopDelay({ resolution: 5 });
  delay.enable();
  const turnsBefore = turnsTaken();
  let rewardDone = false;
  const reward = fetch(`${server.url}/get_reward`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ query, prompts: query.map(() => "Q\n") }),
    signal: AbortSignal.timeout(100_000),
  }).then(async (res) => {
    rewardDone = true;
    return { status: res.status, json: (await res.json()) as { rewards: number[] } };
  });
  let healthDuringReward = 0;
  while (!rewardDone) {
    const res = await fetch(`${server.url}/health`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(res.status, 200);
    await res.text();
    if (!rewardDone) healthDuringReward++;
  }
  const r = await reward;
  delay.disable();
  assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
  assert.equal(r.json.rewards.length, 256, "every hostile item got its (gated) reward");
  assert.ok(healthDuringReward >= 1, "at least one /health answered while the batch was in flight");
  assert.ok(turnsTaken() - turnsBefore >= 256, `${turnsTaken() - turnsBefore} event-loop turns for 256 items: each item must take its own`);
  t.diagnostic(`longest event-loop stall ${(delay.max / 1e6).toFixed(1)} ms (692 ms for 64 such items before grading took a turn per item)`);
});
