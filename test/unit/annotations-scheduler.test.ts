// The scheduler's own logic (triggers, debounce, cancellation, coalescing, staleness, cache use) is
// under test here, so the engine is the shared scripted fake (test/support/fakeEngine.ts): it records
// calls, lets the test decide when each run finishes (callGate), honours AbortSignal, and emulates
// prefix reuse per cacheKey (counting the steps it would re-evaluate) so the test can check the
// scheduler passes the same key.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ScoreResult } from "../../src/engines/engine";
import { ResultCache } from "../../src/annotations/resultCache";
import { ScoringScheduler, type ScoringDocument, type ScoringOutcome, type ScoringSettings, type Timers } from "../../src/annotations/scoringScheduler";
import { textTrace } from "./annotations-fixtures";
import { waitUntil } from "../support/wait";
import { callGate, fakeEngine } from "../support/fakeEngine";
import { itemAt, only } from "../support/indexing";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-sched-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let dirs = 0;

/**
 * The engine: test/support/fakeEngine.ts with every scoreSteps call held until the test releases it
 * (`calls[i].release()`), honouring AbortSignal, and prefix reuse per cacheKey emulated (the steps it
 * would re-evaluate are counted), so the test can check the scheduler passes the same key.
 */
function schedulerEngine() {
  const gate = callGate();
  const engine = fakeEngine({
    hold: gate.hold,
    prefixReuse: true,
    stepScore: (s) => (s.includes("bad") ? 0.1 : 0.9),
    info: { models: { prm: "fake.gguf" } },
  });
  return { engine, gate };
}

class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private pending = new Map<number, { at: number; fn: () => void }>();
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }
  get count(): number {
    return this.pending.size;
  }
  advance(ms: number): void {
    this.now += ms;
    for (const [id, t] of [...this.pending].sort((a, b) => a[1].at - b[1].at)) {
      if (t.at <= this.now) {
        this.pending.delete(id);
        t.fn();
      }
    }
  }
}

/** Lets pending promise callbacks (and the cache's file I/O) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
}

/** Waits (real time, bounded) until `cond` holds: the cache does real file I/O. */
function until(cond: () => boolean, what = "condition"): Promise<void> {
  return waitUntil(what, cond, { timeoutMs: 5000, intervalMs: 1 });
}

function setup(trigger: ScoringSettings["trigger"], opts: { cache?: boolean; maxConcurrent?: number } = {}) {
  const { engine, gate } = schedulerEngine();
  const timers = new FakeTimers();
  const results: ScoringOutcome[] = [];
  const errors: unknown[] = [];
  const queue: number[] = [];
  const cache = opts.cache ? new ResultCache<ScoreResult>(path.join(root, `cache${dirs++}`)) : undefined;
  const settings: ScoringSettings = { trigger, debounceMs: 800, cacheIdentity: { model: "fake.gguf", adapter: "math-shepherd", settings: { stepTag: "ки" } } };
  const scheduler = new ScoringScheduler({
    engine: () => engine,
    settings: () => settings,
    cache,
    timers,
    maxConcurrent: opts.maxConcurrent,
    onResult: (o) => results.push(o),
    onError: (_k, _v, e) => errors.push(e),
    onQueueChange: (q) => queue.push(q),
  });
  /** The versions whose results landed, in order. */
  const versions = () => results.map((r) => r.version);
  return { engine, gate, calls: gate.calls, timers, results, versions, errors, queue, scheduler, settings, cache };
}

let parses = 0;
function doc(key: string, version: number, steps: string[]): ScoringDocument {
  return {
    key,
    version,
    trace: () => {
      parses++;
      return textTrace(steps);
    },
  };
}

const STEPS = ["2 + 2 = 4", "4 * 2 = 8", "8 - 1 = 7", "answer 7"];

test("open-save: open scores once; a repeated open of the same version coalesces; notify never does the work itself", async () => {
  const { calls, results, scheduler, queue } = setup("open-save");
  const before = parses;
  scheduler.notify("open", doc("a", 1, STEPS));
  scheduler.notify("open", doc("a", 1, STEPS));
  assert.equal(parses, before); // the trace is parsed later, not inside notify
  assert.equal(calls.length, 0);
  await settle();
  const call = only(calls, "the scoring call for version 1");
  assert.equal(call.cacheKey, "a");
  assert.deepEqual(call.steps, STEPS);
  assert.equal(scheduler.queued, 1);
  call.release();
  await scheduler.whenIdle();
  const result = only(results, "the result for version 1");
  assert.deepEqual([result.key, result.version, result.fromCache], ["a", 1, false]);
  assert.equal(scheduler.queued, 0);
  assert.deepEqual(queue, [1, 0]);
});

test("open-save: edits do not score but cancel the run in flight; save scores the newest version", async () => {
  const { calls, scheduler, errors, versions } = setup("open-save");
  scheduler.notify("open", doc("a", 1, STEPS));
  await settle();
  scheduler.notify("edit", doc("a", 2, [...STEPS.slice(0, 3), "answer 8"]));
  await settle();
  assert.equal(itemAt(calls, 0, "the first scoring call").signal?.aborted, true);
  assert.equal(calls.length, 1);
  scheduler.notify("save", doc("a", 2, [...STEPS.slice(0, 3), "answer 8"]));
  await settle();
  assert.equal(calls.length, 2);
  itemAt(calls, 1, "the second scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(versions(), [2]);
  assert.deepEqual(errors, []); // cancellation is silent
});

test("type: edits are debounced into one run of the newest version", async () => {
  const { calls, timers, scheduler, versions } = setup("type");
  for (let v = 1; v <= 5; v++) {
    scheduler.notify("edit", doc("a", v, [...STEPS.slice(0, 3), `answer ${v}`]));
    timers.advance(500); // less than the 800 ms debounce each time
  }
  await settle();
  assert.equal(calls.length, 0);
  assert.equal(timers.count, 1);
  timers.advance(300);
  await settle();
  assert.equal(calls.length, 1);
  assert.deepEqual(itemAt(calls, 0, "the first scoring call").steps.at(-1), "answer 5");
  itemAt(calls, 0, "the first scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(versions(), [5]);
});

test("type: a newer version cancels the run in flight at once, and only the newest result lands", async () => {
  const { engine, calls, timers, scheduler, versions } = setup("type");
  scheduler.notify("open", doc("a", 1, STEPS));
  await settle();
  assert.equal(calls.length, 1);
  scheduler.notify("edit", doc("a", 2, [...STEPS.slice(0, 3), "answer 9"]));
  assert.equal(itemAt(calls, 0, "the first scoring call").signal?.aborted, true); // before the debounce fires
  timers.advance(800);
  await settle();
  assert.equal(calls.length, 2);
  itemAt(calls, 1, "the second scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(versions(), [2]);
  assert.equal(engine.maxInFlightPerKey, 1);
});

test("a stale result never lands, even from an engine that ignores cancellation", async () => {
  const { engine, calls, gate, timers, results, scheduler, versions } = setup("type");
  gate.ignoreAbort = true;
  scheduler.notify("open", doc("a", 1, STEPS));
  await settle();
  scheduler.notify("edit", doc("a", 2, STEPS));
  timers.advance(800);
  await settle();
  assert.equal(calls.length, 1, "the next run waits for the stubborn one: one run per document at a time");
  itemAt(calls, 0, "the first scoring call").release(); // v1 finishes after all
  await settle();
  assert.equal(results.length, 0);
  assert.equal(calls.length, 2);
  itemAt(calls, 1, "the second scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(versions(), [2]);
  assert.equal(engine.maxInFlightPerKey, 1);
});

test("after an edit the same cacheKey reaches the engine, so only steps from the first change are re-evaluated", async () => {
  const { calls, results, scheduler } = setup("open-save");
  const edited = (i: number) => STEPS.map((s, k) => (k === i ? `${s} (edited)` : s));
  scheduler.notify("open", doc("a", 1, STEPS));
  await settle();
  itemAt(calls, 0, "the first scoring call").release();
  await scheduler.whenIdle();
  scheduler.notify("save", doc("a", 2, edited(3)));
  await settle();
  itemAt(calls, 1, "the second scoring call").release();
  await scheduler.whenIdle();
  scheduler.notify("save", doc("a", 3, edited(0)));
  await settle();
  itemAt(calls, 2, "the third scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(
    calls.map((c) => c.cacheKey),
    ["a", "a", "a"],
  );
  assert.deepEqual(
    calls.map((c) => c.evaluatedSteps),
    [4, 1, 4],
  );
  // Tokens are words here: the problem "what is 2 + 2?" (5) and the steps (5, 5, 5, 2) on the first
  // run; then only the edited last step "answer 7 (edited)" (3); then every step, the first edited (6 + 5 + 5 + 2).
  assert.deepEqual(
    results.map((r) => r.result.evaluatedTokens),
    [22, 3, 18],
  );
});

test("the result cache answers first; a forced re-score skips it; an undo finds the earlier result", async () => {
  const { calls, results, scheduler, cache } = setup("open-save", { cache: true });
  scheduler.notify("open", doc("a", 1, STEPS));
  await until(() => calls.length > 0, "engine call 0");
  itemAt(calls, 0, "the first scoring call").release();
  await scheduler.whenIdle();
  assert.equal(cache!.stats().entries, 1);

  // Reopen (a new version number, same content): from the cache, no engine call.
  scheduler.close("a");
  scheduler.notify("open", doc("a", 7, STEPS));
  await scheduler.whenIdle();
  assert.equal(calls.length, 1);
  assert.deepEqual(
    results.map((r) => [r.version, r.fromCache]),
    [
      [1, false],
      [7, true],
    ],
  );

  // Re-score on demand with force: the engine runs although the cache has it.
  scheduler.notify("demand", doc("a", 7, STEPS), { force: true });
  await until(() => calls.length === 2, "the forced run");
  itemAt(calls, 1, "the second scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(results.at(-1)!.fromCache, false);

  // An edit that is undone: the original content comes from the cache.
  scheduler.notify("save", doc("a", 8, ["changed"]));
  await until(() => calls.length > 2, "engine call 2");
  itemAt(calls, 2, "the third scoring call").release();
  await scheduler.whenIdle();
  scheduler.notify("save", doc("a", 9, STEPS));
  await scheduler.whenIdle();
  assert.equal(calls.length, 3);
  assert.deepEqual(results.at(-1)!.version, 9);
  assert.deepEqual(results.at(-1)!.fromCache, true);
});

test("demand: open and save only read the cache; the demand event scores", async () => {
  const { calls, results, scheduler, timers } = setup("demand", { cache: true });
  scheduler.notify("open", doc("a", 1, STEPS));
  scheduler.notify("edit", doc("a", 2, STEPS));
  scheduler.notify("save", doc("a", 2, STEPS));
  await scheduler.whenIdle();
  assert.equal(timers.count, 0);
  assert.equal(calls.length, 0);
  assert.equal(results.length, 0);
  scheduler.notify("demand", doc("a", 2, STEPS));
  await until(() => calls.length === 1, "the demanded run");
  itemAt(calls, 0, "the first scoring call").release();
  await scheduler.whenIdle();
  scheduler.notify("open", doc("b", 1, STEPS)); // same content in another document: cached
  await scheduler.whenIdle();
  assert.deepEqual(
    results.map((r) => [r.key, r.fromCache]),
    [
      ["a", false],
      ["b", true],
    ],
  );
});

test("documents score at most maxConcurrent at a time; the queue length follows", async () => {
  const { engine, calls, results, scheduler, queue } = setup("open-save", { maxConcurrent: 2 });
  for (const k of ["a", "b", "c"]) scheduler.notify("open", doc(k, 1, STEPS));
  await settle();
  assert.equal(calls.length, 2);
  assert.equal(scheduler.queued, 3);
  itemAt(calls, 0, "the first scoring call").release();
  await settle();
  assert.equal(calls.length, 3);
  assert.equal(itemAt(calls, 2, "the third scoring call").cacheKey, "c");
  itemAt(calls, 1, "the second scoring call").release();
  itemAt(calls, 2, "the third scoring call").release();
  await scheduler.whenIdle();
  assert.deepEqual(results.map((r) => r.key).sort(), ["a", "b", "c"]);
  assert.equal(engine.maxInFlight, 2);
  assert.deepEqual(queue, [1, 2, 3, 2, 1, 0].slice(0, queue.length));
  assert.equal(queue.at(-1), 0);
});

test("closing a document cancels its run and drops its result; errors are reported, cancellations are not", async () => {
  const { calls, results, scheduler, errors } = setup("open-save");
  scheduler.notify("open", doc("a", 1, STEPS));
  await settle();
  scheduler.close("a");
  assert.equal(itemAt(calls, 0, "the first scoring call").signal?.aborted, true);
  await scheduler.whenIdle();
  assert.deepEqual([results.length, errors.length], [0, 0]);

  scheduler.notify("open", doc("b", 1, STEPS));
  await settle();
  itemAt(calls, 1, "the second scoring call").fail(new Error("model exploded"));
  await scheduler.whenIdle();
  assert.equal(results.length, 0);
  assert.deepEqual(
    errors.map((e) => (e as Error).message),
    ["model exploded"],
  );
});

test("a document that is not a trace (or has no steps) is skipped; no engine means cache only", async () => {
  const { calls, scheduler, results } = setup("open-save");
  scheduler.notify("open", { key: "x", version: 1, trace: () => undefined });
  scheduler.notify("open", doc("y", 1, []));
  await scheduler.whenIdle();
  assert.equal(calls.length, 0);
  assert.equal(results.length, 0);

  const noEngine = new ScoringScheduler({
    engine: () => undefined,
    settings: () => ({ trigger: "open-save", debounceMs: 0, cacheIdentity: null }),
    onResult: () => assert.fail("no result expected"),
  });
  noEngine.notify("open", doc("z", 1, STEPS));
  await noEngine.whenIdle();
  noEngine.dispose();
});

test("events for an older version than already seen are ignored; dispose cancels everything", async () => {
  const { calls, scheduler, results, timers } = setup("type");
  scheduler.notify("edit", doc("a", 5, STEPS));
  scheduler.notify("save", doc("a", 3, STEPS)); // out of order
  await settle();
  assert.equal(calls.length, 0);
  timers.advance(800);
  await settle();
  assert.equal(calls.length, 1);
  scheduler.dispose();
  assert.equal(itemAt(calls, 0, "the first scoring call").signal?.aborted, true);
  scheduler.notify("open", doc("b", 1, STEPS));
  await settle();
  assert.equal(calls.length, 1);
  assert.equal(results.length, 0);
});
