// `steplens synthesize` under faults, through the real CLI against fake OpenAI-compatible endpoints
// (test/support/fakeOpenAiServer.ts): an endpoint that dies mid-run (the pool moves its load to the
// other one, nothing fails), every endpoint down (failures recorded, never dropped; --retry-failed
// redoes exactly those), shards and merge (same ids as one run; a missing, repeated or overlapping
// shard refused), and a second process on a locked folder refused with the holder named.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { startFakeServer } from "../support/fakeOpenAiServer";
import { repoRoot } from "../support/repo";
import { itemAt } from "../support/indexing";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-faults-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const problems = path.join(dir, "problems.jsonl");
fs.writeFileSync(problems, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `p${i}`, problem: `What is ${i} + 3?` })).join("\n") + "\n");

function lines(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), `${file} ends with a newline`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
const ids = (file: string) =>
  lines(file)
    .map((r) => String(r.id))
    .sort();
const RUN = ["--solutions", "2", "--verifications", "3", "--max-tokens", "16", "--max-retries", "0"];

test("an endpoint that dies mid-run: taken out of rotation, the other takes its load, nothing fails", async () => {
  const good = await startFakeServer();
  const dying = await startFakeServer({ failAfter: 6 });
  try {
    const out = path.join(dir, "dying");
    const r = await cli([
      "synthesize",
      "--problems",
      problems,
      "--out",
      out,
      "--endpoint",
      dying.url,
      "--endpoint",
      good.url,
      "--api-model",
      "fake-model",
      ...RUN,
    ]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.err, /out of rotation/);
    assert.equal(dying.stats.answered, 6);
    assert.ok(dying.stats.failed >= 1, "the dead endpoint was tried");
    assert.equal(ids(path.join(out, "labels.jsonl")).length, 24);
    assert.equal(ids(path.join(out, "verifications.jsonl")).length, 72);
    assert.deepEqual(lines(path.join(out, "failures.jsonl")), []);
    const lab = itemAt(lines(path.join(out, "labels.jsonl")), 0, "the first label record");
    assert.deepEqual(lab.labels, [true, true]);
    assert.equal(lab.outcome, "yes");
  } finally {
    await good.close();
    await dying.close();
  }
});

test("every endpoint down: failures recorded (never dropped), --resume leaves them, --retry-failed redoes exactly those", async () => {
  const flaky = await startFakeServer({ failAfter: 20, secondStep: "incorrect" });
  const out = path.join(dir, "retry");
  const args = ["synthesize", "--problems", problems, "--out", out, "--endpoint", flaky.url, "--api-model", "fake-model", ...RUN, "--limit", "4"];
  try {
    const r = await cli(args);
    assert.equal(r.code, 1);
    assert.match(r.err, /--retry-failed/);
    const failed = lines(path.join(out, "failures.jsonl"));
    assert.ok(failed.length > 0);
    const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    assert.equal(m.status, "incomplete");
    const written = new Set([...ids(path.join(out, "solutions.jsonl")), ...ids(path.join(out, "verifications.jsonl"))]);
    for (const f of failed) assert.ok(!written.has(String(f.target)), `${f.target} failed and has no record`);
    // --resume does not try failed calls again: nothing new, not even new failures.
    const resumed = await cli([...args, "--resume", "--json"]);
    assert.equal(resumed.code, 1);
    assert.deepEqual(JSON.parse(resumed.out).written, { solutions: 0, verifications: 0, labels: 0, failures: 0 });
    assert.equal(lines(path.join(out, "failures.jsonl")).length, failed.length);
  } finally {
    await flaky.close();
  }
  const healed = await startFakeServer({ secondStep: "incorrect" });
  try {
    const r = await cli([
      "synthesize",
      "--problems",
      problems,
      "--out",
      out,
      "--endpoint",
      healed.url,
      "--api-model",
      "fake-model",
      ...RUN,
      "--limit",
      "4",
      "--retry-failed",
      "--json",
    ]);
    assert.equal(r.code, 0, r.err);
    const s = JSON.parse(r.out);
    assert.equal(s.failures.total, 0);
    assert.equal(ids(path.join(out, "labels.jsonl")).length, 8);
    assert.equal(new Set(ids(path.join(out, "verifications.jsonl"))).size, 24);
    assert.equal(ids(path.join(out, "verifications.jsonl")).length, 24, "no duplicates");
    const lab = itemAt(lines(path.join(out, "labels.jsonl")), 0, "the first label record");
    assert.deepEqual(lab.labels, [true, false]);
    assert.equal(lab.firstError, 1);
  } finally {
    await healed.close();
  }
});

test("shards: the same ids as one run; merge refuses a missing, repeated or overlapping shard", async () => {
  const server = await startFakeServer();
  try {
    const base = ["--problems", problems, "--endpoint", server.url, "--api-model", "fake-model", ...RUN];
    const whole = path.join(dir, "whole");
    assert.equal((await cli(["synthesize", ...base, "--out", whole])).code, 0);
    const shards = [0, 1, 2].map((i) => path.join(dir, `shard-${i}`));
    for (const [i, d] of shards.entries()) {
      const r = await cli(["synthesize", ...base, "--out", d, "--shard", `${i}/3`]);
      assert.equal(r.code, 0, r.err);
    }
    const sizes = shards.map((d) => ids(path.join(d, "solutions.jsonl")).length);
    assert.ok(
      sizes.every((n) => n > 0 && n < 24),
      `each shard has a part: ${sizes}`,
    );

    const [shard0, shard1, shard2] = shards;
    assert.ok(shard0 !== undefined && shard1 !== undefined && shard2 !== undefined, "three shard folders");
    const missing = await cli(["synthesize", "merge", shard0, shard2, "--out", path.join(dir, "m1")]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /shard 1\/3 missing/);
    const twice = await cli(["synthesize", "merge", shard0, shard1, shard1, "--out", path.join(dir, "m2")]);
    assert.match(twice.err, /given twice/);
    // A copy of shard 0 posing as shard 2: its records overlap shard 0's.
    const fake = path.join(dir, "fake-2");
    fs.cpSync(shard0, fake, { recursive: true });
    const fm = JSON.parse(fs.readFileSync(path.join(fake, "manifest.json"), "utf8"));
    fm.settings.shard.index = 2;
    fs.writeFileSync(path.join(fake, "manifest.json"), JSON.stringify(fm));
    const overlap = await cli(["synthesize", "merge", shard0, shard1, fake, "--out", path.join(dir, "m3")]);
    assert.match(overlap.err, /is in two shards/);
    assert.ok(!fs.existsSync(path.join(dir, "m3", "solutions.jsonl")), "a refused merge writes nothing");

    // A shard that has not finished (killed, or with failures) is refused.
    const unfinished = path.join(dir, "unfinished-1");
    fs.cpSync(shard1, unfinished, { recursive: true });
    const um = JSON.parse(fs.readFileSync(path.join(unfinished, "manifest.json"), "utf8"));
    um.status = "interrupted";
    fs.writeFileSync(path.join(unfinished, "manifest.json"), JSON.stringify(um));
    const notDone = await cli(["synthesize", "merge", shard0, unfinished, shard2, "--out", path.join(dir, "m4")]);
    assert.match(notDone.err, /shard 1\/3\) is not finished \(interrupted/);

    const merged = path.join(dir, "merged");
    const ok = await cli(["synthesize", "merge", ...shards, "--out", merged]);
    assert.equal(ok.code, 0, ok.err);
    for (const f of ["solutions.jsonl", "verifications.jsonl", "labels.jsonl"]) assert.deepEqual(ids(path.join(merged, f)), ids(path.join(whole, f)), f);
    const mm = JSON.parse(fs.readFileSync(path.join(merged, "manifest.json"), "utf8"));
    assert.deepEqual(mm.settings.shard, { index: 0, count: 1 });
    assert.equal(mm.counts.labels, 24);
    assert.equal(mm.mergedFrom.length, 3);
  } finally {
    await server.close();
  }
});

test("a second process on the same folder is refused, naming the one that holds it", async () => {
  const cliJs = path.join(repoRoot(), "dist", "cli.js");
  assert.ok(fs.existsSync(cliJs), `${cliJs} is missing: build first (node src/build/build.mjs)`);
  // A server that holds every request until released: the first process stays busy inside the folder.
  const held: (() => void)[] = [];
  const http = await import("node:http");
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith("/models")) return res.end(JSON.stringify({ data: [{ id: "m" }] }));
    held.push(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as import("node:net").AddressInfo).port}/v1`;
  const out = path.join(dir, "locked");
  const first = spawn(process.execPath, [cliJs, "synthesize", "--problems", problems, "--out", out, "--endpoint", url, "--api-model", "m", ...RUN], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    const lock = path.join(out, ".steplens-lock");
    for (let i = 0; !(fs.existsSync(lock) && held.length > 0); i++) {
      assert.ok(i < 2000, "the first process took the lock and sent a request");
      await new Promise((r) => setTimeout(r, 10));
    }
    const second = await cli(["synthesize", "--problems", problems, "--out", out, "--endpoint", url, "--api-model", "m", ...RUN, "--resume"]);
    assert.equal(second.code, 1);
    assert.match(second.err, new RegExp(`in use by another StepLens process \\(pid ${first.pid} on `));
    assert.match(second.err, /steplens synthesize/);
  } finally {
    first.kill("SIGKILL");
    await new Promise((r) => first.once("exit", r));
    for (const h of held) h();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
  // The killed process's lock is stale: a new run takes it over.
  const server2 = await startFakeServer();
  try {
    const r = await cli(["synthesize", "--problems", problems, "--out", out, "--endpoint", server2.url, "--api-model", "fake-model", ...RUN, "--resume"]);
    assert.equal(r.code, 0, r.err);
  } finally {
    await server2.close();
  }
});
