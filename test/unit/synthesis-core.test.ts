// The crash-safe building blocks (src/core/folderLock.ts, src/core/appendOnlyJsonl.ts) and the
// synthesis pieces that need no model: the engine pool, the step-label rules, the problems reader.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { acquireFolderLock } from "../../src/core/folderLock";
import { AppendOnlyJsonl, recoverJsonl, scanJsonl, truncateTornTail } from "../../src/core/appendOnlyJsonl";
import { StepLensError } from "../../src/core/errors";
import type { Engine, GenerateRequest, Generation } from "../../src/engines/engine";
import { EnginePool } from "../../src/synthesis/enginePool";
import { labelSolution, labelsFromFirstError } from "../../src/synthesis/stepLabels";
import { readProblems, type Problem } from "../../src/synthesis/problems";
import { parseShard, shardOf, solutionId, verificationId } from "../../src/synthesis/ids";
import type { VerificationParse } from "../../src/verify/verification";
import { itemAt } from "../support/indexing";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-core-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => {
  const d = path.join(dir, `d${n++}`);
  fs.mkdirSync(d);
  return d;
};

test("folder lock: exclusive; a live holder is named; a dead pid's lock is taken over; another host's never", () => {
  const d = fresh();
  const a = acquireFolderLock(d, { command: "steplens synthesize A" });
  const owner = JSON.parse(fs.readFileSync(a.file, "utf8"));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.host, os.hostname());
  // The holder (this very process) is alive: refused, naming it and what it runs.
  assert.throws(
    () => acquireFolderLock(d, { isAlive: () => true }),
    (e: StepLensError) => e.details.code === "locked" && e.message.includes(`pid ${process.pid}`) && e.message.includes("steplens synthesize A"),
  );
  a.release();
  assert.ok(!fs.existsSync(a.file));
  a.release(); // idempotent

  // A lock left by a dead process on this host: taken over.
  fs.writeFileSync(path.join(d, ".steplens-lock"), JSON.stringify({ pid: 999999, host: os.hostname(), started: "x", command: "old", token: "t" }));
  const b = acquireFolderLock(d, { isAlive: () => false });
  assert.equal(b.tookOver?.pid, 999999);
  assert.equal(JSON.parse(fs.readFileSync(b.file, "utf8")).pid, process.pid);
  assert.deepEqual(fs.readdirSync(d), [".steplens-lock"], "no stale leftovers");
  // release() leaves a lock that is no longer its own alone.
  fs.writeFileSync(b.file, JSON.stringify({ pid: 1, host: "elsewhere", started: "x", command: "", token: "other" }));
  b.release();
  assert.ok(fs.existsSync(b.file));
  // Another host's lock is never taken over, even when that pid is not alive here.
  assert.throws(() => acquireFolderLock(d, { isAlive: () => false }), /in use by another StepLens process \(pid 1 on elsewhere/);
  fs.rmSync(b.file);

  // A symbolic link where the lock goes is refused, not followed.
  const target = path.join(dir, "victim");
  fs.writeFileSync(target, "keep");
  fs.symlinkSync(target, path.join(d, ".steplens-lock"));
  assert.throws(
    () => acquireFolderLock(d),
    (e: StepLensError) => e.details.code === "unsafe-path",
  );
  assert.equal(fs.readFileSync(target, "utf8"), "keep");
});

test("append-only JSONL: whole lines; a torn tail (no newline, or a last line that is not JSON) is cut; ids come back", async () => {
  const d = fresh();
  const f = path.join(d, "r.jsonl");
  for (const policy of ["always", "interval", "never"] as const) {
    const w = new AppendOnlyJsonl(f, d, { fsync: policy });
    w.append({ id: `${policy}-1`, x: 1 });
    w.append({ id: `${policy}-2`, text: "line\nbreak" });
    w.close();
  }
  let r = await recoverJsonl(f, d);
  assert.equal(r.tornBytes, 0);
  assert.deepEqual([...r.ids], ["always-1", "always-2", "interval-1", "interval-2", "never-1", "never-2"]);

  fs.appendFileSync(f, '{"id":"half","x":');
  const before = fs.statSync(f).size;
  r = await recoverJsonl(f, d);
  assert.equal(r.tornBytes, '{"id":"half","x":'.length);
  assert.equal(fs.statSync(f).size, before - r.tornBytes);
  assert.ok(!r.ids.has("half"));
  // Zeros after a power loss, even ending in a newline, are not a record either.
  fs.appendFileSync(f, Buffer.from([0, 0, 0, 0, 0x0a]));
  assert.equal(truncateTornTail(f, d), 5);
  assert.equal(truncateTornTail(f, d), 0);

  // After recovery the writer appends cleanly; seen records come back through onRecord.
  const w = new AppendOnlyJsonl(f, d);
  w.append({ id: "after" });
  w.close();
  const seen: string[] = [];
  r = await recoverJsonl(f, d, { onRecord: (rec) => seen.push(String(rec.id)) });
  assert.equal(seen.at(-1), "after");
  assert.equal(r.records, 7);

  // A damaged line inside the file is not a crash artefact: reported with its line number.
  fs.writeFileSync(f, '{"id":"a"}\n{broken\n{"id":"b"}\n');
  await assert.rejects(recoverJsonl(f, d), (e: StepLensError) => e.details.line === 2 && e.details.code === "damaged-record");
  // Duplicates are reported, the first kept.
  fs.writeFileSync(f, '{"id":"a","v":1}\n{"id":"a","v":2}\n');
  r = await scanJsonl(f);
  assert.deepEqual(r.duplicates, ["a"]);
  assert.equal(r.records, 1);
});

test("append-only JSONL never writes or repairs through a symbolic link", async () => {
  const d = fresh();
  const victim = path.join(dir, "victim.jsonl");
  fs.writeFileSync(victim, "precious");
  fs.symlinkSync(victim, path.join(d, "r.jsonl"));
  assert.throws(
    () => new AppendOnlyJsonl(path.join(d, "r.jsonl"), d),
    (e: StepLensError) => e.details.code === "unsafe-path",
  );
  await assert.rejects(recoverJsonl(path.join(d, "r.jsonl"), d), (e: StepLensError) => e.details.code === "unsafe-path");
  assert.equal(fs.readFileSync(victim, "utf8"), "precious");
});

class FakeEngine implements Engine {
  calls = 0;
  inFlight = 0;
  maxInFlight = 0;
  fail = false;
  constructor(
    readonly name: string,
    private readonly gate?: Promise<void>,
  ) {}
  info() {
    return { kind: "openai" as const, device: this.name, models: { generator: "m" }, queued: 0 };
  }
  async generate(req: GenerateRequest): Promise<Generation[]> {
    this.calls++;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) await this.gate;
      if (this.fail) throw new StepLensError(`${this.name} down`, { code: "endpoint-failed" });
      return [{ text: `${this.name}:${String(req.prompt)}`, finishReason: "stop", tokens: 1 }];
    } finally {
      this.inFlight--;
    }
  }
  countTokens = async () => 0;
  scoreSteps = async (): Promise<never> => {
    throw new Error("unused");
  };
  tokenProbabilities = async (): Promise<never> => {
    throw new Error("unused");
  };
  rollouts = async (): Promise<never> => {
    throw new Error("unused");
  };
  dispose = async () => undefined;
}

test("engine pool: load to the fewest outstanding; a failing member retried elsewhere, out of rotation, back after the cool-down", async () => {
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const a = new FakeEngine("a", gate);
  const b = new FakeEngine("b", gate);
  const pool = new EnginePool([
    { name: "a", engine: a },
    { name: "b", engine: b },
  ]);
  const pending = Array.from({ length: 6 }, (_, i) => pool.generate({ role: "generator", prompt: `p${i}` }));
  assert.equal(a.inFlight, 3);
  assert.equal(b.inFlight, 3);
  open();
  await Promise.all(pending);

  let t = 0;
  const events: string[] = [];
  const c = new FakeEngine("c");
  const d = new FakeEngine("d");
  const pool2 = new EnginePool(
    [
      { name: "c", engine: c },
      { name: "d", engine: d },
    ],
    { maxFailures: 2, cooldownMs: 1000, now: () => t, onEvent: (m) => events.push(m) },
  );
  c.fail = true;
  for (let i = 0; i < 6; i++) assert.match((await pool2.generate({ role: "generator", prompt: "x" }))[0]?.text ?? "(no generation)", /^d:/);
  assert.equal(c.calls, 2, "c tried until it was taken out of rotation");
  assert.ok(events.some((e) => /^c: out of rotation for 1 s after 2 failures/.test(e)));
  assert.equal(itemAt(pool2.stats(), 0, "c's stats").inRotation, false);
  c.fail = false;
  t = 1500;
  for (let i = 0; i < 4; i++) await pool2.generate({ role: "generator", prompt: "y" });
  assert.ok(c.calls > 2, "c back in rotation after the cool-down");
  assert.ok(events.some((e) => e === "c: back in rotation"));

  // A request error is the request's, not the endpoint's: passed through, nobody taken out.
  const e = new FakeEngine("e");
  e.generate = async () => {
    throw new StepLensError("too long", { code: "endpoint-bad-request" });
  };
  const pool3 = new EnginePool([
    { name: "e", engine: e },
    { name: "f", engine: new FakeEngine("f") },
  ]);
  await assert.rejects(pool3.generate({ role: "generator", prompt: "z" }), /too long/);
  // Every member failing: the last error comes out.
  const g = new FakeEngine("g");
  g.fail = true;
  await assert.rejects(new EnginePool([{ name: "g", engine: g }]).generate({ role: "generator", prompt: "z" }), /g down/);
});

const ok = (verdicts: string, final: "yes" | "no" | null): VerificationParse => {
  const steps = [...verdicts].map((v, index) => ({
    index,
    verdict: v === "C" ? ("correct" as const) : v === "I" ? ("incorrect" as const) : ("not-given" as const),
    critique: "",
  }));
  const wrong = steps.findIndex((s) => s.verdict === "incorrect");
  return {
    ok: true,
    via: "sections",
    steps,
    finalVerdict: final,
    boxedIndex: null,
    firstError: wrong >= 0 ? wrong : final === "yes" ? -1 : null,
    summary: "",
    warnings: [],
    thinking: null,
    truncated: false,
  };
};

test("step labels: the three rules recorded, the chosen one gives the labels", () => {
  const parses = [
    ok("CIC", "no"),
    ok("CIC", "no"),
    ok("CCI", "no"),
    ok("CCC", "yes"),
    { ok: false as const, reason: "garbage", warnings: [], thinking: null, truncated: false },
  ];
  const step = labelSolution(parses, 3, "step", 0.5);
  assert.deepEqual(step.rules.step.labels, [true, false, true]); // 2 of 4 flag step 2 (ties flag); 1 of 4 flags step 3
  assert.equal(step.rules.step.firstError, 1);
  assert.deepEqual(step.labels, step.rules.step.labels);
  assert.deepEqual(step.rules["first-error"], { labels: [true, false, null], firstError: 1 });
  assert.equal(step.rules.outcome.verdict, "no");
  assert.deepEqual(step.rules.outcome.labels, [true, false, null]);
  assert.equal(step.votes.valid, 4);
  assert.equal(step.votes.malformed, 1);
  const fe = labelSolution(parses, 3, "first-error", 0.5);
  assert.deepEqual(fe.labels, [true, false, null]);
  assert.deepEqual(labelSolution([ok("CC", "yes"), ok("CC", "yes")], 2, "outcome", 0.5).labels, [true, true]);
  const none = labelSolution([{ ok: false, reason: "x", warnings: [], thinking: null, truncated: false }], 2, "step", 0.5);
  assert.equal(none.status, "undecided");
  assert.deepEqual(none.labels, [null, null]);
  assert.deepEqual(labelsFromFirstError(-1, 2), [true, true]);
  assert.deepEqual(labelsFromFirstError(null, 2), [null, null]);
});

test("ids and shards: stable, and every problem in exactly one shard", () => {
  assert.equal(solutionId("gsm8k-1", 3), "gsm8k-1#s3");
  assert.equal(verificationId("gsm8k-1", 3, 0), "gsm8k-1#s3#v0");
  assert.equal(shardOf("gsm8k-1", 4), shardOf("gsm8k-1", 4));
  assert.deepEqual(parseShard("2/4"), { index: 2, count: 4 });
  for (const bad of ["4/4", "1/0", "a/2", "-1/2", "1"]) assert.equal(parseShard(bad), null, bad);
  const counts = [0, 0, 0, 0];
  for (let i = 0; i < 400; i++) {
    const shard = shardOf(`p${i}`, 4);
    counts[shard] = itemAt(counts, shard, `the count of shard ${shard}`) + 1;
  }
  assert.equal(
    counts.reduce((a, b) => a + b),
    400,
  );
  assert.ok(
    counts.every((c) => c > 60),
    `balanced enough: ${counts}`,
  );
});

test("problems: configurable fields, chat prompts, dataset formats; bad records file:line and skipped", async () => {
  const d = fresh();
  const f = path.join(d, "p.jsonl");
  fs.writeFileSync(
    f,
    [
      JSON.stringify({ uid: "x1", q: { text: "Q1" }, gold: ["7"] }),
      JSON.stringify({ uid: "x2", q: { text: "" } }),
      JSON.stringify({ uid: "x1", q: { text: "dup" } }),
      JSON.stringify({ uid: 5, q: { text: "Q5" }, gold: 3 }),
    ].join("\n") + "\n",
  );
  const bad: string[] = [];
  const got: Problem[] = [];
  for await (const p of readProblems(f, { fields: { id: "uid", problem: "q.text", reference: "gold" }, onBadRecord: (e) => bad.push(e.format()) })) got.push(p);
  assert.deepEqual(
    got.map((p) => [p.id, p.problem, p.reference, p.line]),
    [
      ["x1", "Q1", "7", 1],
      ["5", "Q5", "3", 4],
    ],
  );
  assert.equal(bad.length, 2);
  assert.match(itemAt(bad, 0, "the first bad record"), /p\.jsonl:2: record 1: has no problem text in field 'q\.text'/);
  assert.match(itemAt(bad, 1, "the second bad record"), /p\.jsonl:3: record 2: repeats the id 'x1' of line 1/);

  // verl / SPARK-style chat prompts: the last user turn; default fields; no id → the record index.
  fs.writeFileSync(
    f,
    JSON.stringify({
      prompt: [
        { role: "system", content: "s" },
        { role: "user", content: "Solve 1+1" },
      ],
    }) + "\n",
  );
  const chat: Problem[] = [];
  for await (const p of readProblems(f)) chat.push(p);
  assert.deepEqual(
    chat.map((p) => [p.id, p.problem]),
    [["0", "Solve 1+1"]],
  );

  // A ProcessBench file: its problems (steps and labels ignored).
  const pb = path.join(d, "pb.json");
  fs.writeFileSync(
    pb,
    JSON.stringify([
      { id: "gsm8k-0", generator: "g", problem: "P0", steps: ["a", "b"], final_answer_correct: true, label: -1 },
      { id: "gsm8k-1", generator: "g", problem: "P1", steps: ["c"], final_answer_correct: false, label: 0 },
    ]),
  );
  const pbs: string[] = [];
  for await (const p of readProblems(pb)) pbs.push(`${p.id}:${p.problem}`);
  assert.deepEqual(pbs, ["gsm8k-0:P0", "gsm8k-1:P1"]);

  // Shards partition the problems.
  fs.writeFileSync(f, Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `p${i}`, problem: `P${i}` })).join("\n") + "\n");
  const all: string[] = [];
  for (let i = 0; i < 3; i++) for await (const p of readProblems(f, { shard: { index: i, count: 3 } })) all.push(p.id);
  assert.deepEqual(all.sort(), Array.from({ length: 30 }, (_, i) => `p${i}`).sort());
});
