/**
 * Two real processes label the same workspace at once: one appends marks, the other appends and
 * compacts repeatedly. Every label must survive (the labels lock covers append and re-read + rename).
 * The child processes run this same bundled file with STEPLENS_LABELS_CHILD set.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LabelStore } from "../../src/labels/labelStore";

const MARKS = 250;

async function child(role: string, file: string): Promise<void> {
  const store = new LabelStore(file);
  await store.load();
  for (let i = 0; i < MARKS; i++) {
    await store.mark(`${role}.md`, i, i % 2 ? "correct" : "incorrect");
    if (role === "compactor" && i % 10 === 9) await store.compact();
  }
  if (role === "compactor") await store.compact();
}

if (process.env.STEPLENS_LABELS_CHILD) {
  const [role, file] = process.env.STEPLENS_LABELS_CHILD.split("\n");
  assert.ok(role !== undefined && file !== undefined, "STEPLENS_LABELS_CHILD holds 'role\\nfile'");
  child(role, file).then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-labels2-"));
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  const run = (role: string, file: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const script = process.argv[1];
      assert.ok(script !== undefined, "the bundled test file to run as the child (process.argv[1])");
      const p = spawn(process.execPath, [script], {
        env: { ...process.env, STEPLENS_LABELS_CHILD: `${role}\n${file}` },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      p.stderr.on("data", (d) => (stderr += d));
      p.on("close", (code) => resolve({ code, stderr }));
    });

  test("two processes: marks appended while the other compacts are never lost", { timeout: 60_000 }, async () => {
    const file = path.join(root, "ws", ".steplens", "labels.jsonl");
    const [a, b] = await Promise.all([run("appender", file), run("compactor", file)]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    const store = new LabelStore(file);
    assert.deepEqual(await store.load(), []);
    assert.equal(store.labelsFor("appender.md").size, MARKS);
    assert.equal(store.labelsFor("compactor.md").size, MARKS);
    assert.equal(store.get("appender.md", 7), "correct");
    assert.deepEqual(fs.readdirSync(path.dirname(file)).sort(), ["labels.jsonl"]); // no lock or temp file left
  });

  test("a labels lock left by a process that died is taken over", { timeout: 30_000 }, async () => {
    const file = path.join(root, "ws2", ".steplens", "labels.jsonl");
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const dead = spawn(process.execPath, ["-e", ""]);
    const deadPid = await new Promise<number>((r) => dead.on("close", () => r(dead.pid!)));
    fs.writeFileSync(`${file}.lock`, JSON.stringify({ pid: deadPid, host: os.hostname(), started: new Date().toISOString(), command: "x", token: "t" }) + "\n");
    const store = new LabelStore(file);
    await store.load();
    await store.markCorrect("a.md", 0);
    assert.equal(store.get("a.md", 0), "correct");
    assert.equal(fs.existsSync(`${file}.lock`), false);
  });
}
