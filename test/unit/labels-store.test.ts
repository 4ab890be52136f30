import { test, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { StepLensError } from "../../src/core/errors";
import { LabelStore, type LabelChange } from "../../src/labels/labelStore";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-labels-"));
after(() => fs.rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = () => path.join(root, `ws${n++}`, ".steplens", "labels.jsonl");

function clock() {
  let t = Date.parse("2025-01-31T10:00:00.000Z");
  return () => new Date((t += 1000));
}

test("mark, clear and reload round-trip through the file; events say what changed", async () => {
  const file = fresh();
  const store = new LabelStore(file, { now: clock() });
  const events: LabelChange[] = [];
  store.onDidChange((e) => events.push(e));
  assert.deepEqual(await store.load(), []); // no file yet: empty, no problems

  await store.markIncorrect("traces/a.md", 2);
  await store.markCorrect("traces/a.md", 0);
  await store.markFirstError("data/d.json#r7", 1);
  await store.clear("traces/a.md", 0);
  await store.markIncorrect("traces/a.md", 2); // unchanged: nothing written
  await store.clear("traces/b.md", 5); // nothing to clear: nothing written

  assert.equal(
    fs.readFileSync(file, "utf8"),
    [
      '{"trace":"traces/a.md","step":2,"label":"incorrect","at":"2025-01-31T10:00:01.000Z"}',
      '{"trace":"traces/a.md","step":0,"label":"correct","at":"2025-01-31T10:00:02.000Z"}',
      '{"trace":"data/d.json#r7","step":1,"label":"first-error","at":"2025-01-31T10:00:03.000Z"}',
      '{"trace":"traces/a.md","step":0,"label":"clear","at":"2025-01-31T10:00:04.000Z"}',
      "",
    ].join("\n"),
  );
  assert.deepEqual(events, [
    { reason: "mark", trace: "traces/a.md", step: 2, label: "incorrect" },
    { reason: "mark", trace: "traces/a.md", step: 0, label: "correct" },
    { reason: "mark", trace: "data/d.json#r7", step: 1, label: "first-error" },
    { reason: "clear", trace: "traces/a.md", step: 0, label: null },
  ]);
  assert.deepEqual([...store.labelsFor("traces/a.md")], [[2, "incorrect"]]);
  assert.equal(store.get("traces/a.md", 0), undefined);
  assert.equal(store.size, 2);

  const again = new LabelStore(file);
  await again.load();
  assert.deepEqual([...again.labelsFor("traces/a.md")], [[2, "incorrect"]]);
  assert.deepEqual([...again.labelsFor("data/d.json#r7")], [[1, "first-error"]]);
  assert.deepEqual(again.traces().sort(), ["data/d.json#r7", "traces/a.md"]);
  assert.deepEqual(again.toTraceLabels("data/d.json#r7", 3, { kind: "first-error", firstError: 0 }), {
    kind: "per-step",
    steps: [true, false, null],
    firstError: 1,
  });
});

test("a CRLF file stays CRLF, and a file without a final line break gets one before the new line", async () => {
  const file = fresh();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    '{"trace":"a.md","step":0,"label":"correct","at":"2025-01-01T00:00:00.000Z"}\r\n{"trace":"a.md","step":1,"label":"incorrect","at":"2025-01-01T00:00:00.000Z"}',
  );
  const store = new LabelStore(file, { now: clock() });
  await store.load();
  await store.markCorrect("a.md", 1);
  assert.equal(
    fs.readFileSync(file, "utf8"),
    '{"trace":"a.md","step":0,"label":"correct","at":"2025-01-01T00:00:00.000Z"}\r\n{"trace":"a.md","step":1,"label":"incorrect","at":"2025-01-01T00:00:00.000Z"}\r\n{"trace":"a.md","step":1,"label":"correct","at":"2025-01-31T10:00:01.000Z"}\r\n',
  );
  const reread = new LabelStore(file);
  await reread.load();
  assert.deepEqual([...reread.labelsFor("a.md")].sort(), [
    [0, "correct"],
    [1, "correct"],
  ]);
  assert.deepEqual(reread.problems, []);
});

test("bad lines: reported with file:line, the good lines around them all kept, and kept by compaction", async () => {
  const file = fresh();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(
    file,
    [
      '{"trace":"a.md","step":0,"label":"correct","at":"2025-01-01T00:00:00.000Z"}',
      '{"trace":"a.md","step":1,"label":"incorr',
      '{"trace":"a.md","step":2,"label":"incorrect","at":"2025-01-01T00:00:00.000Z"}',
      '{"trace":"a.md","step":0,"label":"clear","at":"2025-01-01T00:00:01.000Z"}',
      '{"trace":"a.md","step":"3","label":"correct"}',
      "",
    ].join("\n"),
  );
  const store = new LabelStore(file, { now: clock() });
  const problems = await store.load();
  assert.deepEqual(
    problems.map((p) => p.details.line),
    [2, 5],
  );
  assert.ok(problems.every((p) => p.details.file === file && p.details.code === "bad-label"));
  assert.deepEqual([...store.labelsFor("a.md")], [[2, "incorrect"]]);

  const result = await store.compact();
  assert.deepEqual(result, { before: 5, after: 3 });
  assert.equal(
    fs.readFileSync(file, "utf8"),
    [
      '{"trace":"a.md","step":2,"label":"incorrect","at":"2025-01-01T00:00:00.000Z"}',
      '{"trace":"a.md","step":1,"label":"incorr',
      '{"trace":"a.md","step":"3","label":"correct"}',
      "",
    ].join("\n"),
  );
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["labels.jsonl"]); // no temp file left behind
});

test("compaction: sorted, tombstones gone, lines appended by another process kept", async () => {
  const file = fresh();
  const store = new LabelStore(file, { now: clock() });
  await store.load();
  await store.markIncorrect("b.md", 3);
  await store.markCorrect("a.md", 1);
  await store.markCorrect("b.md", 3);
  await store.clear("a.md", 1);
  await store.markFirstError("a.md", 0);
  // Another window appends a line the store has not seen.
  fs.appendFileSync(file, '{"trace":"c.md","step":4,"label":"incorrect","at":"2025-02-01T00:00:00.000Z"}\n');
  const events: LabelChange[] = [];
  store.onDidChange((e) => events.push(e));
  assert.deepEqual(await store.compact(), { before: 6, after: 3 });
  assert.equal(
    fs.readFileSync(file, "utf8"),
    [
      '{"trace":"a.md","step":0,"label":"first-error","at":"2025-01-31T10:00:05.000Z"}',
      '{"trace":"b.md","step":3,"label":"correct","at":"2025-01-31T10:00:03.000Z"}',
      '{"trace":"c.md","step":4,"label":"incorrect","at":"2025-02-01T00:00:00.000Z"}',
      "",
    ].join("\n"),
  );
  assert.equal(store.get("c.md", 4), "incorrect");
  assert.deepEqual(events, [{ reason: "compact" }]);
});

test("concurrent marks from one store are serialised: every line lands whole", async () => {
  const file = fresh();
  const store = new LabelStore(file, { now: clock() });
  await store.load();
  await Promise.all(Array.from({ length: 50 }, (_, i) => store.mark(`t${i % 5}.md`, i, i % 2 ? "correct" : "incorrect")));
  const lines = fs.readFileSync(file, "utf8").split("\n").filter(Boolean);
  assert.equal(lines.length, 50);
  for (const l of lines) JSON.parse(l);
  const reread = new LabelStore(file);
  await reread.load();
  assert.equal(reread.size, 50);
  await Promise.all([store.compact(), store.markCorrect("t0.md", 0), store.compact()]);
  const after2 = new LabelStore(file);
  await after2.load();
  assert.equal(after2.get("t0.md", 0), "correct");
  assert.equal(after2.size, 50);
});

test("reload after an outside edit fires once, and not when nothing changed", async () => {
  const file = fresh();
  const store = new LabelStore(file, { now: clock() });
  await store.load();
  await store.markCorrect("a.md", 0);
  let reloads = 0;
  store.onDidChange((e) => {
    if (e.reason === "reload") reloads++;
  });
  await store.reload();
  assert.equal(reloads, 0);
  fs.appendFileSync(file, '{"trace":"a.md","step":0,"label":"clear","at":"2025-03-01T00:00:00.000Z"}\n');
  await store.reload();
  assert.equal(reloads, 1);
  assert.equal(store.get("a.md", 0), undefined);
});

test("invalid arguments are refused without touching the file", async () => {
  const file = fresh();
  const store = new LabelStore(file);
  await assert.rejects(store.markCorrect("a.md", -1), RangeError);
  await assert.rejects(store.markCorrect("a.md", 1.5), RangeError);
  await assert.rejects(store.markCorrect("", 0), /trace key/);
  assert.equal(fs.existsSync(file), false);
});

test("a symlinked labels file or .steplens folder (a cloned repository's trap) is refused, nothing written outside", async () => {
  const outside = path.join(root, `outside${n}`);
  fs.mkdirSync(outside, { recursive: true });
  const victim = path.join(outside, "bashrc");
  fs.writeFileSync(victim, "echo hi\n");

  const file = fresh();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.symlinkSync(victim, file);
  const store = new LabelStore(file);
  await assert.rejects(store.load(), (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path" && /symbolic link/.test(e.message));
  await assert.rejects(store.markIncorrect("a.md", 0), (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path");
  await assert.rejects(store.compact(), (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path");

  const ws = path.join(root, `ws${n++}`);
  fs.mkdirSync(ws);
  fs.symlinkSync(outside, path.join(ws, ".steplens"));
  const linked = new LabelStore(path.join(ws, ".steplens", "bashrc"));
  await assert.rejects(linked.markIncorrect("a.md", 0), (e: unknown) => e instanceof StepLensError && e.details.file === path.join(ws, ".steplens"));
  assert.equal(fs.readFileSync(victim, "utf8"), "echo hi\n");
});

test("export's --labels reads a workspace's .steplens/labels.jsonl only when it is no link", async () => {
  const { readHumanLabels } = await import("../../src/export/humanLabels");
  const ws = path.join(root, `ws${n++}`);
  fs.mkdirSync(path.join(ws, ".steplens"), { recursive: true });
  const secret = path.join(root, `secret${n}.txt`);
  fs.writeFileSync(secret, '{"trace":"a.md","step":0,"label":"correct","at":"2025-01-01T00:00:00.000Z"}\n');
  fs.symlinkSync(secret, path.join(ws, ".steplens", "labels.jsonl"));
  assert.throws(
    () => readHumanLabels(path.join(ws, ".steplens", "labels.jsonl")),
    (e: unknown) => e instanceof StepLensError && e.details.code === "unsafe-path",
  );
  fs.rmSync(path.join(ws, ".steplens", "labels.jsonl"));
  fs.copyFileSync(secret, path.join(ws, ".steplens", "labels.jsonl"));
  assert.equal(
    readHumanLabels(path.join(ws, ".steplens", "labels.jsonl"))
      .labels.get("a.md")
      ?.get(0)?.label,
    "correct",
  );
  assert.throws(() => readHumanLabels(path.join(ws, ".steplens", "missing.jsonl")), /no such labels file/);
});

test("compaction gives up, leaving the file as it is, when the file keeps changing under it (a writer that ignores the lock)", async () => {
  const file = fresh();
  const store = new LabelStore(file, { now: clock() });
  await store.load();
  await store.markCorrect("a.md", 0);
  await store.markIncorrect("a.md", 0);
  const before = fs.readFileSync(file, "utf8");
  let reads = 0;
  // Every read sees one more line than the last, as if another program appended all the time.
  (store as unknown as { readText: () => string }).readText = () =>
    before + '{"trace":"b.md","step":0,"label":"correct","at":"2025-01-01T00:00:00.000Z"}\n'.repeat(++reads);
  await assert.rejects(store.compact(), (e: unknown) => e instanceof StepLensError && e.details.code === "compact-busy" && /left as it was/.test(e.message));
  assert.equal(fs.readFileSync(file, "utf8"), before, "not renamed over");
  assert.deepEqual(fs.readdirSync(path.dirname(file)), ["labels.jsonl"]);
});
