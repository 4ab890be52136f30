import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import fs from "node:fs";
import os from "node:os";
import { Writable } from "node:stream";
import { runCli } from "../../src/cli/main";
import { FIXTURES, PROCESSBENCH_DIR, jsonl, withTempDir } from "./formats-kit";
import { jsonLines } from "../support/cliIo";
import { itemAt } from "../support/indexing";

/** An in-memory stream; `delayMs` > 0 makes it slow (small buffer, late callbacks) to exercise backpressure. */
class Sink extends Writable {
  chunks: string[] = [];
  drains = 0;
  constructor(delayMs = 0) {
    super({ highWaterMark: delayMs ? 1024 : 16384, decodeStrings: false });
    this.on("drain", () => this.drains++);
    this.delayMs = delayMs;
  }
  private readonly delayMs: number;
  override _write(chunk: string | Buffer, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.chunks.push(chunk.toString());
    if (this.delayMs) setTimeout(done, this.delayMs);
    else done();
  }
  get text(): string {
    return this.chunks.join("");
  }
}

async function cli(argv: string[], options: { slow?: number; signal?: AbortSignal; isTTY?: boolean } = {}) {
  const stdout = new Sink(options.slow ?? 0);
  const stderr = new Sink();
  const code = await runCli(["segment", ...argv], {
    stdout,
    stderr,
    env: {},
    signal: options.signal ?? new AbortController().signal,
    isTTY: options.isTTY ?? false,
  });
  return { code, out: stdout.text, err: stderr.text, stdout };
}

const fixture = (name: string) => path.join(FIXTURES(), name);
const TEXT = "Problem: What is 2 + 3?\n\nStep 1: Two plus three.\nIt is five.\n\nStep 2: So the answer is \\boxed{5}.\n";

test("segment --json on a text trace: one JSON object with 0-based line/character ranges", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("t.trace.md", TEXT);
    const { code, out, err } = await cli([file, "--json"]);
    assert.equal(code, 0, err);
    assert.equal(err, "");
    assert.equal(out.trimEnd().split("\n").length, 1, "a single JSON object");
    const obj = JSON.parse(out);
    assert.deepEqual(Object.keys(obj), ["format", "problem", "steps", "finalAnswer", "labels"]);
    assert.equal(obj.format, "text");
    assert.equal(obj.finalAnswer, "5");
    assert.equal(obj.labels, null);
    assert.ok(obj.steps.length >= 2);
    for (const [i, step] of obj.steps.entries()) {
      assert.deepEqual(Object.keys(step), ["index", "text", "range"]);
      assert.equal(step.index, i);
      assert.deepEqual(Object.keys(step.range), ["start", "end"]);
      for (const end of [step.range.start, step.range.end]) {
        assert.deepEqual(Object.keys(end), ["line", "character"]);
        assert.ok(Number.isInteger(end.line) && Number.isInteger(end.character));
      }
    }
    // The range points into the file: its start line holds the step's text.
    const lines = TEXT.split("\n");
    const last = obj.steps[obj.steps.length - 1];
    assert.ok(itemAt(lines, last.range.start.line, "the last step's start line").includes("\\boxed{5}"));
  });
});

test("segment without --json: a readable listing with problem, numbered steps, line ranges and answer", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("t.md", TEXT);
    const { code, out } = await cli([file]);
    assert.equal(code, 0);
    assert.match(out, /Problem.*What is 2 \+ 3\?/);
    assert.match(out, /Steps \(\d+\):/);
    assert.match(out, /\n {2}1\. \[lines 3–4\] Two plus three\.\n {5}It is five\.\n {2}2\. \[line 6\] So the answer/);
    assert.match(out, /Final answer: 5\n/);
    assert.match(out, /Labels: none/);
  });
});

test("segment --json on a dataset: one object per line with id, record, null ranges and labels", async () => {
  const { code, out, err } = await cli([fixture("processbench.json"), "--json"]);
  assert.equal(code, 0, err);
  const rows = jsonLines(out);
  assert.equal(rows.length, 2);
  assert.deepEqual(Object.keys(rows[0]), ["format", "id", "record", "problem", "steps", "finalAnswer", "labels"]);
  assert.deepEqual(
    rows.map((r) => [r.format, r.id, r.record]),
    [
      ["processbench", "toy-0", 0],
      ["processbench", "toy-1", 1],
    ],
  );
  assert.deepEqual(rows[1].steps[0], { index: 0, text: "Two pens cost 2 × 2 = 4 dollars.", range: null });
  assert.deepEqual(rows[1].labels, { firstError: 1, steps: null });
  assert.equal(rows[0].finalAnswer, "8");

  const prm = await cli([fixture("prm800k.jsonl"), "--json"]);
  const prmRows = jsonLines(prm.out);
  assert.deepEqual(
    prmRows.map((r) => r.labels),
    [
      { firstError: -1, steps: [true, true, true] },
      { firstError: -1, steps: [null, true, true] }, // a human completion is a correct step (TRL)
      { firstError: 1, steps: [true, false] },
    ],
  );
  const ms = await cli([fixture("math-shepherd.jsonl"), "--json", "--format", "math-shepherd"]);
  assert.deepEqual(
    ms.out
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).labels.steps),
    [
      [true, true],
      [true, true, false, false],
      [true, false],
    ],
  );
});

test("segment listing of a dataset marks labelled steps and names record, id and line", async () => {
  const { code, out } = await cli([fixture("processbench.json")]);
  assert.equal(code, 0);
  assert.match(out, /── .*processbench\.json · record 1 · id toy-1 · line 14 · processbench/);
  assert.match(out, / {2}1\. ✓ Two pens cost/);
  assert.match(out, / {2}2\. ✗ Adding the notebook/);
  assert.match(out, / {2}3\. · The final answer/);
  assert.match(out, /Labels \(first error\): first wrong step is step 2/);
  assert.match(out, /Labels \(first error\): no wrong step among 3/);
});

test("segment: bad records go to stderr as file:line and are skipped; exit code 1", async () => {
  await withTempDir(async (tmp) => {
    const good = (id: string) => ({ id, problem: "p", steps: ["a", "b"], label: 0 });
    const file = tmp.file("d.jsonl", jsonl([good("a")]) + "{broken\n" + jsonl([{ id: "c", problem: "p", steps: ["a"], label: 7 }, good("d")]));
    const { code, out, err } = await cli([file, "--json", "--format", "processbench"]);
    assert.equal(code, 1);
    assert.deepEqual(
      out
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).id),
      ["a", "d"],
    );
    const errLines = err.trimEnd().split("\n");
    assert.match(itemAt(errLines, 0, "the error for record 1"), new RegExp(`^${escape(file)}:2: record 1 is not valid JSON: .+ Fix the JSON on this line`));
    assert.match(itemAt(errLines, 1, "the error for record 2"), new RegExp(`^${escape(file)}:3: record 2: 'label' is 7 but the record has 1 steps`));
    assert.equal(errLines[2], "steplens segment: 2 of 4 records could not be read (reported above); the other 2 came out.");
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

test("segment: a missing file is a clear error (exit 1); usage errors exit 2", async () => {
  const missing = path.join(FIXTURES(), "does-not-exist.jsonl");
  const m = await cli([missing]);
  assert.equal(m.code, 1);
  assert.equal(m.err, `${missing}: no such file. Check the path (relative paths start from the current directory).\n`);
  assert.equal(m.out, "");

  const unknown = await cli([fixture("generic.jsonl"), "--format", "csv"]);
  assert.equal(unknown.code, 2);
  assert.match(
    unknown.err,
    /^steplens segment: --format must be one of auto, text, processbench, prm800k, math-shepherd, jsonl \(got 'csv'\)\.\nRun 'steplens segment --help' for usage\.\n$/,
  );

  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /missing <file>/);

  const two = await cli(["a.jsonl", "b.jsonl"]);
  assert.equal(two.code, 2);
  assert.match(two.err, /one file at a time/);

  const flag = await cli([fixture("generic.jsonl"), "--jsno"]);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /--jsno/);

  const wrongFields = await cli([fixture("processbench.json"), "--format", "processbench", "--steps-field", "x"]);
  assert.equal(wrongFields.code, 2);
  assert.match(wrongFields.err, /apply to generic JSONL only/);
});

test("segment: --problem-field / --steps-field / --solution-field read custom JSONL", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file(
      "custom.jsonl",
      jsonl([
        { uid: 1, task: { q: "Q1" }, trace: ["x", "y"] },
        { uid: 2, task: { q: "Q2" }, reply: "Step 1: a\nStep 2: b" },
      ]),
    );
    const steps = await cli([file, "--json", "--problem-field", "task.q", "--steps-field", "trace"]);
    assert.equal(steps.code, 1, "the second record has no 'trace'");
    const row = JSON.parse(steps.out);
    assert.deepEqual([row.format, row.problem, row.steps.map((s: { text: string }) => s.text)], ["jsonl", "Q1", ["x", "y"]]);
    assert.match(steps.err, /custom\.jsonl:2: record 1: no steps: none of 'trace', 'response'/);

    const reply = await cli([file, "--json", "--problem-field", "task.q", "--solution-field", "reply", "--steps-field", "trace"]);
    assert.equal(reply.code, 0, reply.err);
    const rows = jsonLines(reply.out);
    assert.deepEqual(
      rows.map((r) => r.steps.length),
      [2, 2],
    );
    assert.deepEqual(
      rows.map((r) => r.problem),
      ["Q1", "Q2"],
    );
  });
});

test("segment: output waits for a slow stdout (backpressure) and loses nothing", async () => {
  await withTempDir(async (tmp) => {
    const n = 3000;
    const records = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, problem: `problem ${i} `.repeat(5), steps: ["a", "b", `c ${i}`], label: -1 }));
    const file = tmp.file("big.jsonl", jsonl(records));
    const { code, out, stdout } = await cli([file, "--json"], { slow: 1 });
    assert.equal(code, 0);
    const rows = out.trimEnd().split("\n");
    assert.equal(rows.length, n);
    rows.forEach((l, i) => assert.equal(JSON.parse(l).id, `r${i}`));
    assert.ok(stdout.drains > 0, "the writer waited for 'drain'");
  });
});

test("segment: on a terminal, progress goes to stderr and is cleared; never on stdout", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("p.jsonl", jsonl(Array.from({ length: 600 }, (_, i) => ({ id: i, problem: "p", steps: ["a"], label: -1 }))));
    const tty = await cli([file, "--json"], { isTTY: true });
    assert.equal(tty.code, 0);
    assert.match(tty.err, /^\r\x1b\[Kreading \d+% \(\d+\.\d MB of \d+\.\d MB\) — \d+ records/);
    assert.ok(tty.err.endsWith("\r\x1b[K"), "the progress line is cleared at the end");
    assert.equal(tty.out.trimEnd().split("\n").length, 600);
    assert.ok(!tty.out.includes("reading"));
    const pipe = await cli([file, "--json"]);
    assert.equal(pipe.err, "", "no progress when stderr is not a terminal");
  });
});

test("segment: an aborted signal stops the run with exit code 130", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("big.jsonl", jsonl(Array.from({ length: 5000 }, (_, i) => ({ id: i, problem: "p", steps: ["a"], label: -1 }))));
    const controller = new AbortController();
    const run = cli([file, "--json"], { slow: 1, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    const { code, err, out } = await run;
    assert.equal(code, 130);
    assert.match(err, /cancelled/);
    assert.ok(out.split("\n").length < 5000, "stopped early");
  });
});

test("segment --json over the real gsm8k.json: 400 lines, ids in order", async () => {
  const { code, out, err } = await cli([path.join(PROCESSBENCH_DIR, "gsm8k.json"), "--json"]);
  assert.equal(code, 0, err);
  const rows = jsonLines(out);
  assert.equal(rows.length, 400);
  assert.deepEqual(
    rows.map((r) => r.id),
    rows.map((_, i) => `gsm8k-${i}`),
  );
  assert.equal(rows.filter((r) => r.labels.firstError === -1).length, 193);
});

test("segment --help describes the JSON shape and exit codes", async () => {
  const stdout = new Sink();
  const code = await runCli(["segment", "--help"], { stdout, stderr: new Sink(), env: {}, signal: new AbortController().signal, isTTY: false });
  assert.equal(code, 0);
  assert.match(stdout.text, /Usage: steplens segment <file>/);
  assert.match(stdout.text, /--format <name> +auto \| text \| processbench \| prm800k \| math-shepherd \| jsonl/);
  assert.match(stdout.text, /"firstError"/);
  assert.match(stdout.text, /Exit codes: 0/);
});

test("a UTF-8 byte-order mark is dropped, as VS Code does, so ranges match the editor", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-bom-"));
  try {
    const file = path.join(dir, "bom.trace.md");
    fs.writeFileSync(file, "\ufeffProblem: 1 + 1?\n\nStep 1: Two.\n");
    const { code, out } = await cli([file, "--json"]);
    assert.equal(code, 0);
    const json = JSON.parse(out);
    assert.equal(json.problem, "1 + 1?");
    assert.deepEqual(json.steps[0].range.start, { line: 2, character: 0 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
