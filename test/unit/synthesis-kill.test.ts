// Fault injection: the real CLI (node dist/cli.js synthesize) is killed with SIGKILL at random moments
// (after a random number of new records, so the kills land in every stage), resumed each time, at
// least five times in one run; once, a torn half record is also left at the end of a file (a write
// cut by a power loss). The final folder must hold exactly the record ids of an uninterrupted run:
// no duplicate, no partial line, nothing missing. The endpoint is a fake OpenAI-compatible server
// with a small latency (test/support/fakeOpenAiServer.ts), so the run is deterministic.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { cli } from "../support/cliIo";
import { startFakeServer } from "../support/fakeOpenAiServer";
import { repoRoot } from "../support/repo";
import { waitUntil } from "../support/wait";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-synth-kill-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const FILES = ["solutions.jsonl", "verifications.jsonl", "labels.jsonl"];

/** Every line of a record file: whole JSON objects, each ending in a newline. */
function records(file: string): Record<string, unknown>[] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, "utf8");
  assert.ok(text === "" || text.endsWith("\n"), `${path.basename(file)}: no partial last line`);
  return text
    .split("\n")
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l);
      } catch {
        assert.fail(`${path.basename(file)}:${i + 1} is not a whole record: ${l.slice(0, 80)}`);
      }
    });
}

function lineCount(d: string): number {
  let n = 0;
  for (const f of FILES) {
    try {
      const t = fs.readFileSync(path.join(d, f), "utf8");
      for (let i = t.indexOf("\n"); i >= 0; i = t.indexOf("\n", i + 1)) n++;
    } catch {
      // not there yet
    }
  }
  return n;
}

/** A small seeded generator, so a failing run can be replayed (the seed is in the message). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    return s / 2 ** 32;
  };
}

test("SIGKILL at random points, resumed each time: the same record ids as an uninterrupted run, no duplicates, no partial lines", async () => {
  const cliJs = path.join(repoRoot(), "dist", "cli.js");
  assert.ok(fs.existsSync(cliJs), `${cliJs} is missing: build first (node src/build/build.mjs)`);
  const problems = path.join(dir, "problems.jsonl");
  fs.writeFileSync(problems, Array.from({ length: 16 }, (_, i) => JSON.stringify({ id: `q${i}`, problem: `What is ${i} + 3?` })).join("\n") + "\n");
  const server = await startFakeServer({ delayMs: 4 });
  const seed = Number(process.env.STEPLENS_FAULT_SEED ?? Date.now() % 100000);
  const random = prng(seed);
  const args = (out: string) => [
    "synthesize",
    "--problems",
    problems,
    "--out",
    out,
    "--endpoint",
    server.url,
    "--api-model",
    "fake-model",
    "--solutions",
    "2",
    "--verifications",
    "3",
    "--max-tokens",
    "16",
    "--concurrency",
    "2",
  ];
  try {
    const reference = path.join(dir, "reference");
    const ref = await cli(args(reference));
    assert.equal(ref.code, 0, ref.err);

    const out = path.join(dir, "killed");
    let kills = 0;
    let runs = 0;
    let finished = false;
    let tornWritten = false;
    while (!finished) {
      assert.ok(runs < 60, `too many restarts (seed ${seed})`);
      const start = lineCount(out);
      const child = spawn(process.execPath, [cliJs, ...args(out), ...(runs ? ["--resume"] : [])], { stdio: ["ignore", "ignore", "pipe"] });
      runs++;
      let stderr = "";
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      let code: number | null | undefined;
      child.once("exit", (c) => (code = c));
      // Kill after 1–12 new records (a condition, polled), unless it finishes first; stop killing after seven kills.
      const target = start + 1 + Math.floor(random() * 12);
      if (kills < 7)
        await waitUntil(`run ${runs} to write record ${target} or exit (seed ${seed})`, () => code !== undefined || lineCount(out) >= target, {
          timeoutMs: 60_000,
          intervalMs: 2,
        });
      if (code === undefined && kills < 7) {
        child.kill("SIGKILL");
        kills++;
        await exited;
        if (kills === 3 && !tornWritten) {
          // A power loss in the middle of a write: half a record, no newline.
          fs.appendFileSync(path.join(out, "labels.jsonl"), '{"id":"q99#s0","solutionId":"q9');
          tornWritten = true;
        }
        continue;
      }
      const c = await exited;
      assert.equal(c, 0, `resumed run ${runs} failed (seed ${seed}): ${stderr}`);
      finished = true;
    }
    assert.ok(kills >= 5, `killed ${kills} times, at least 5 wanted (seed ${seed}); the run ended too soon`);
    assert.ok(tornWritten);
    for (const f of FILES) {
      const got = records(path.join(out, f)).map((r) => String(r.id));
      const want = records(path.join(reference, f)).map((r) => String(r.id));
      assert.equal(new Set(got).size, got.length, `${f}: duplicate ids (seed ${seed})`);
      assert.deepEqual([...got].sort(), [...want].sort(), `${f}: same ids as the uninterrupted run (seed ${seed})`);
    }
    assert.equal(records(path.join(out, "failures.jsonl")).length, 0);
    const m = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    assert.equal(m.status, "complete");
    assert.equal(m.counts.labels, 32);
    assert.equal(m.runs.length, runs);
    assert.ok(!fs.existsSync(path.join(out, ".steplens-lock")), "the last run released the lock");
  } finally {
    await server.close();
  }
});
