// Crash safety of the reward log: the real CLI (node dist/cli.js serve --reward-log) is killed with
// SIGKILL while clients keep sending reward batches of large rollouts (about 30 KB per log line),
// three times, restarted on the same log each time. Every line that ends in a newline must be a
// whole JSON object, no id may repeat, and each restart must keep every such line and cut what a
// kill may leave after the last newline (the kernel can stop a write longer than a page part-way). The rollouts fail the format gate (no model runs for them), so the
// server writes lines as fast as it can: the kill lands while lines are being written.
// The model is the generated tiny GGUF (random weights; it is only loaded, never asked here).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { RewardLog } from "../../src/rewards/rewardLog";
import { repoRoot } from "../support/repo";
import { waitForValue, waitUntil } from "../support/wait";
import { serveTestModel } from "./serve-fixture";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-reward-log-kill-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/**
 * The whole lines of the log, and the bytes after its last newline (a torn tail). Every line that
 * ends in a newline must be a whole record. A SIGKILL while the kernel copies a line longer than a
 * page may leave that line's beginning after the last newline: readers never read it, and the next
 * start of the server cuts it away (checked on each restart below).
 */
function logLines(file: string): { lines: { id: string }[]; torn: number } {
  if (!fs.existsSync(file)) return { lines: [], torn: 0 };
  const text = fs.readFileSync(file, "utf8");
  const end = text.lastIndexOf("\n") + 1;
  const lines = text
    .slice(0, end)
    .split("\n")
    .filter(Boolean)
    .map((l, i) => {
      try {
        return JSON.parse(l) as { id: string };
      } catch {
        return assert.fail(`line ${i + 1} is not a whole record: ${l.slice(0, 60)}…${l.slice(-60)}`);
      }
    });
  return { lines, torn: Buffer.byteLength(text.slice(end)) };
}

function countLines(file: string): number {
  try {
    const t = fs.readFileSync(file);
    let n = 0;
    for (let i = t.indexOf(0x0a); i >= 0; i = t.indexOf(0x0a, i + 1)) n++;
    return n;
  } catch {
    return 0;
  }
}

test(
  "SIGKILL of the server while it logs: every line read is whole, a torn tail is cut on restart, restarts append after the kept lines",
  { timeout: 240_000 },
  async () => {
    const cliJs = path.join(repoRoot(), "dist", "cli.js");
    assert.ok(fs.existsSync(cliJs), `${cliJs} is missing: build first (node src/build/build.mjs)`);
    const model = await serveTestModel();
    const log = path.join(dir, "rewards.jsonl");
    // Two \boxed{} and no <answer>: gated; ~10 KB of text per rollout, logged as response and steps.
    const body = (round: number, k: number) =>
      JSON.stringify({
        trainer_step: round * 1000 + k,
        items: Array.from({ length: 16 }, (_, i) => ({
          prompt: `Problem ${round}.${k}.${i}`,
          response: `Step 1: ${"long reasoning ".repeat(300)} \\boxed{1}\nStep 2: ${"more ".repeat(300)} \\boxed{2}\nStep 3: done`,
        })),
      });
    let before = 0;
    let tornBefore = 0;
    let tornTails = 0;
    for (let round = 0; round < 3; round++) {
      const child: ChildProcess = spawn(process.execPath, [cliJs, "serve", "--model", model, "--gpu", "off", "--port", "0", "--quiet", "--reward-log", log], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      let err = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (err += d));
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      try {
        const url = await waitForValue(`the server's URL (stderr: ${err.slice(-300)})`, () => /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], {
          timeoutMs: 120_000,
          intervalMs: 20,
        });
        // The restart cut the previous run's torn tail (if any) and kept every whole line.
        const restarted = logLines(log);
        assert.equal(restarted.torn, 0, `round ${round}: the restart cut the ${tornBefore} torn bytes`);
        assert.ok(restarted.lines.length >= before, `round ${round}: the restart kept the ${before} earlier lines (now ${restarted.lines.length})`);
        await waitUntil("the log path printed at start", () => out.includes(`reward log: ${log}`), { timeoutMs: 10_000, intervalMs: 20 });
        // Clients keep the server busy until it dies.
        let stop = false;
        const clients = Array.from({ length: 4 }, async (_, c) => {
          for (let k = 0; !stop; k++) {
            try {
              await fetch(`${url}/v1/reward`, { method: "POST", headers: { "Content-Type": "application/json" }, body: body(round, c * 10000 + k) });
            } catch {
              return; // the server was killed
            }
          }
        });
        const target = before + 200 + round * 37;
        await waitUntil(`${target} log lines`, () => countLines(log) >= target, { timeoutMs: 60_000, intervalMs: 20 });
        child.kill("SIGKILL");
        await exited;
        stop = true;
        await Promise.all(clients);
      } finally {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill("SIGKILL");
          await exited;
        }
      }
      const { lines, torn } = logLines(log);
      assert.ok(lines.length >= before, `round ${round}: the killed server kept the ${before} earlier lines (now ${lines.length})`);
      assert.equal(new Set(lines.map((l) => l.id)).size, lines.length, `round ${round}: no id repeats`);
      before = lines.length;
      tornBefore = torn;
      if (torn) tornTails++;
    }
    assert.ok(before >= 200, `${before} lines logged over three runs`);
    // A last start cuts the last kill's torn tail, if any.
    if (tornBefore) {
      new RewardLog(log, { model: "m" }).close();
      assert.equal(logLines(log).torn, 0, "a new writer cuts the torn tail");
    }
    console.log(`# ${before} whole lines over three kills; ${tornTails} kill(s) left a torn tail, cut on restart`);
  },
);
