// `steplens grade` stops on SIGTERM and on Ctrl-C (SIGINT) in the middle of a long file of costly
// pairs (each runs into the grading work budget): grading yields to the event loop between lines, so
// the signal is seen and the command exits 130 ("cancelled"). Runs the built CLI (dist/cli.js).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../support/repo";
import { waitFor } from "../support/wait";
import { itemAt } from "../support/indexing";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-grade-signal-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function costlyFile(): string {
  const n = Array.from({ length: 300 }, (_, i) => i + 1);
  const line = JSON.stringify({ gold: `\\boxed{\\{${n.map((k) => `${k}.0`).join(", ")}\\}}`, pred: `\\boxed{\\{${[...n].reverse().join(", ")}\\}}` });
  const file = path.join(tmp, "costly.jsonl");
  fs.writeFileSync(file, (line + "\n").repeat(20_000));
  return file;
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`grade stops on ${signal} mid-file and exits 130`, { timeout: 60_000 }, async () => {
    const cliJs = path.join(repoRoot(), "dist", "cli.js");
    assert.ok(fs.existsSync(cliJs), `${cliJs} is missing: build first (node src/build/build.mjs)`);
    const child = spawn(process.execPath, [cliJs, "grade", costlyFile(), "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (c: string) => (out += c));
    child.stderr.setEncoding("utf8").on("data", (c: string) => (err += c));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Wait until grading is under way (its first verdicts printed), then signal it.
    await waitFor(
      "the first graded lines on stdout",
      () => out.split("\n").length,
      (n) => n > 3,
      { timeoutMs: 30_000 },
    );
    child.kill(signal);
    const code = await Promise.race([exited, new Promise<"hung">((resolve) => setTimeout(() => resolve("hung"), 10_000).unref())]);
    if (code === "hung") child.kill("SIGKILL");
    assert.notEqual(code, "hung", `grade did not exit within 10 s of ${signal}`);
    assert.equal(code, 130, err);
    assert.match(err, /cancelled/);
    const graded = out.trimEnd().split("\n").length;
    assert.ok(graded < 20_000, `stopped before the end (${graded} lines graded)`);
    const first = JSON.parse(itemAt(out.split("\n"), 0, "the first graded line"));
    assert.equal(first.equal, false);
    assert.match(first.unknown, /work units/, "each costly pair ran into the work budget");
  });
}
