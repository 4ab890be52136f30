// The reward log as a live dataset (src/datasets/rewardLogIndex.ts) and the run dashboard's numbers
// (src/datasets/rewardLogDashboard.ts): the index tails the file (a line being written waits for its
// newline; bytes already indexed are never read again), starts over when the log is rotated, filters
// by gate code, reward range, trainer step range and prompt, sorts by reward; the dashboard's means,
// spreads, gated shares and per-position quantiles equal the values computed by hand from the lines
// the test wrote.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RewardLog } from "../../src/rewards/rewardLog";
import type { RewardDetail } from "../../src/rewards/rewardScorer";
import { RewardLogIndex } from "../../src/datasets/rewardLogIndex";
import { runDashboardModel } from "../../src/datasets/rewardLogDashboard";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-reward-log-index-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function detail(values: number[], reward: number, codes: string[] = []): RewardDetail {
  return {
    reward,
    gate: { passed: codes.length === 0, reasons: codes as RewardDetail["gate"]["reasons"], details: codes.map((c) => `failed ${c}`) },
    outcome: codes.length ? null : 1,
    steps: values,
    stepTexts: (codes.length ? [0, 0, 0] : values).map((_, i) => `step ${i + 1}`),
    stepRewards: values,
    stepCount: codes.length ? 3 : values.length,
    scalarize: "min",
    source: "prm",
    answer: "2",
    answerCorrect: null,
    seconds: 0.01,
  };
}

/** Rollouts of the test run: [trainer step, prompt, step values, reward, gate codes]. */
const ROLLOUTS: [number | null, string, number[], number, string[]][] = [
  [1, "Solve 2x = 4.", [0.9, 0.5, 0.7], 0.5, []],
  [1, "Solve 2x = 4.", [0.8, 0.6, 0.4], 0.4, []],
  [1, "Find the area.", [], 0, ["boxed-count"]],
  [2, "Find the area.", [0.2, 0.9], 0.2, []],
  [2, "Solve 2x = 4.", [], 0, ["boxed-count", "answer-tag-count"]],
  [2, "Solve 2x = 4.", [1.0, 0.8, 0.6, 0.9], 0.6, []],
];

function write(log: RewardLog, rows: typeof ROLLOUTS): void {
  for (const [step, prompt, values, reward, codes] of rows)
    log.append({
      client: "client:t",
      route: "/v1/reward",
      item: { prompt, response: `${prompt} ${"x".repeat(values.length * 10)}` },
      detail: detail(values, reward, codes),
      trainerStep: step,
    });
}

test("the index tails the log: whole lines only, never re-reading indexed bytes; a rotation starts it over", async () => {
  const file = path.join(dir, "tail.jsonl");
  const log = new RewardLog(file, { model: "m", fsync: "never" });
  write(log, ROLLOUTS.slice(0, 2));
  const index = await RewardLogIndex.open(file);
  assert.equal(index.size, 2);
  const bytesAfterTwo = fs.statSync(file).size;
  assert.equal(index.bytes, bytesAfterTwo);

  // Bytes already indexed are not read again: overwrite the first rollout's prompt in place.
  const fd = fs.openSync(file, "r+");
  const text = fs.readFileSync(file, "utf8");
  fs.writeSync(fd, Buffer.from("Q".repeat(5)), 0, 5, text.indexOf("Solve"));
  fs.closeSync(fd);

  write(log, ROLLOUTS.slice(2, 4));
  // A line still being written (no newline yet) waits.
  const half = '{"log": "steplens-reward-log", "v": 1, "id": "late", "reward": 0.25, "trainerStep": 3, "prompt": "p", "response": "r",';
  fs.appendFileSync(file, half);
  const p1 = await index.poll();
  assert.deepEqual(p1, { added: 2, restarted: false });
  assert.equal(index.size, 4);
  assert.equal(index.summary(0).prompt, "Solve 2x = 4.", "the first line was not read again");
  fs.appendFileSync(file, ' "steps": [], "gate": {"passed": true, "codes": [], "details": []}, "stepValues": []}\n');
  const p2 = await index.poll();
  assert.deepEqual(p2, { added: 1, restarted: false });
  assert.equal(index.summary(4).id, "late");
  assert.equal(index.summary(4).trainerStep, 3);
  assert.deepEqual(await index.poll(), { added: 0, restarted: false }, "nothing new: nothing added");

  // Rotation: the file is renamed and a new one started.
  log.close();
  fs.renameSync(file, path.join(dir, "tail.1.jsonl"));
  const log2 = new RewardLog(file, { model: "m", fsync: "never" });
  write(log2, ROLLOUTS.slice(0, 1));
  log2.close();
  const p3 = await index.poll();
  assert.deepEqual(p3, { added: 1, restarted: true });
  assert.equal(index.size, 1);
  assert.equal((await index.load(0)).prompt, "Solve 2x = 4.");
});

test("filters (gate code, reward range, trainer step range, prompt) and sort by reward", async () => {
  const file = path.join(dir, "filters.jsonl");
  const log = new RewardLog(file, { model: "m", fsync: "never" });
  write(log, ROLLOUTS);
  log.close();
  const index = await RewardLogIndex.open(file);
  const ids = (f: Parameters<RewardLogIndex["filter"]>[0], sort: Parameters<RewardLogIndex["filter"]>[1] = "oldest") => Array.from(index.filter(f, sort));
  assert.deepEqual(ids({}), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(ids({}, "newest"), [5, 4, 3, 2, 1, 0]);
  assert.deepEqual(ids({ gate: "gated" }), [2, 4]);
  assert.deepEqual(ids({ gate: "passed" }), [0, 1, 3, 5]);
  assert.deepEqual(ids({ gate: "answer-tag-count" }), [4]);
  assert.deepEqual(ids({ gate: "boxed-count" }), [2, 4]);
  assert.deepEqual(ids({ reward: { min: 0.3, max: 0.55 } }), [0, 1]);
  assert.deepEqual(ids({ trainerStep: { min: 2, max: 2 } }), [3, 4, 5]);
  assert.deepEqual(ids({ prompt: "AREA" }), [2, 3]);
  assert.deepEqual(ids({ prompt: "solve", gate: "passed", trainerStep: { min: 2, max: 9 } }), [5]);
  assert.deepEqual(ids({}, "reward-desc"), [5, 0, 1, 3, 2, 4], "ties keep file order");
  assert.deepEqual(ids({}, "reward-asc"), [2, 4, 3, 1, 0, 5]);
  const s = index.summary(4);
  assert.deepEqual(s.codes, ["boxed-count", "answer-tag-count"]);
  assert.equal(s.passed, false);
  assert.deepEqual(
    index.summary(5).stepValues.map((v) => Number(v.toFixed(4))),
    [1, 0.8, 0.6, 0.9],
  );
});

test("the run dashboard: reward mean and spread, gated share per code, steps and length per trainer step; quantiles per step position", async () => {
  const file = path.join(dir, "dash.jsonl");
  const log = new RewardLog(file, { model: "m", fsync: "never" });
  write(log, ROLLOUTS);
  log.close();
  const model = runDashboardModel(await RewardLogIndex.open(file));
  assert.equal(model.xLabel, "trainer step");
  assert.deepEqual(
    model.points.map((p) => [p.x, p.n]),
    [
      [1, 3],
      [2, 3],
    ],
  );
  const [s1, s2] = model.points;
  // Step 1: rewards 0.5, 0.4, 0 → mean 0.3, population sd sqrt(((0.2)² + (0.1)² + (0.3)²)/3).
  assert.ok(Math.abs(s1!.mean - 0.3) < 1e-12);
  assert.ok(Math.abs(s1!.sd - Math.sqrt((0.04 + 0.01 + 0.09) / 3)) < 1e-12);
  assert.equal(s1!.min, 0);
  assert.equal(s1!.max, 0.5);
  assert.ok(Math.abs(s1!.gated - 1 / 3) < 1e-12);
  assert.deepEqual(Object.keys(s1!.gatedBy), ["boxed-count"]);
  assert.ok(Math.abs(s2!.gatedBy["answer-tag-count"]! - 1 / 3) < 1e-12);
  // Step counts: step 1 → 3, 3, 3 (the gated one's would-be steps) → 3; step 2 → 2, 3, 4 → 3.
  assert.equal(s1!.meanSteps, 3);
  assert.equal(s2!.meanSteps, 3);
  assert.deepEqual(s2!.filter, { trainerStep: { min: 2, max: 2 } });
  assert.deepEqual(model.codes, ["answer-tag-count", "boxed-count"]);
  // Position 1 values: 0.9, 0.8, 0.2, 1.0 → sorted 0.2 0.8 0.9 1.0; median 0.85.
  const p1 = model.positions[0]!;
  assert.equal(p1.n, 4);
  assert.ok(Math.abs(p1.p50 - 0.85) < 1e-6);
  assert.ok(Math.abs(p1.mean - 0.725) < 1e-6);
  // Position 4: only 0.9.
  assert.equal(model.positions[3]!.n, 1);
  assert.ok(Math.abs(model.positions[3]!.p50 - 0.9) < 1e-6);
});

test("without trainer steps the x axis is the arrival order, and each point lists its own rollouts", async () => {
  const file = path.join(dir, "nostep.jsonl");
  const log = new RewardLog(file, { model: "m", fsync: "never" });
  write(
    log,
    Array.from({ length: 20 }, (_, i) => [null, `p${i}`, [i / 20], i / 20, []] as (typeof ROLLOUTS)[number]),
  );
  log.close();
  const index = await RewardLogIndex.open(file);
  const model = runDashboardModel(index);
  assert.match(model.xLabel, /arrival order, batches of 8/);
  assert.deepEqual(
    model.points.map((p) => p.n),
    [8, 8, 4],
  );
  assert.deepEqual(Array.from(index.filter(model.points[2]!.filter, "oldest")), [16, 17, 18, 19]);
});
