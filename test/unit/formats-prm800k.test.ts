import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { prm800kTrace } from "../../src/formats/prm800k";
import { readTraces } from "../../src/formats/records";
import { StepLensError } from "../../src/core/errors";
import { failures, FIXTURES, jsonl, outcomes, readAll, traces, withTempDir } from "./formats-kit";
import { itemAt } from "../support/indexing";

const ctx = { file: "prm.jsonl", record: 2, line: 3 };
const c = (text: string, rating: number | null) => ({ text, rating, flagged: false });
const record = (steps: unknown[], extra: Record<string, unknown> = {}) => ({
  question: { problem: "What is 1+1?", ground_truth_answer: "2" },
  label: { steps, total_time: 1, finish_reason: "solution" },
  ...extra,
});

test("prm800k: follows chosen completions; ratings 1/0/-1 become true/null/false", () => {
  const t = prm800kTrace(
    record([
      { completions: [c("wrong path", -1), c("One plus one.", 1)], human_completion: null, chosen_completion: 1 },
      { completions: [c("Hmm.", 0)], human_completion: null, chosen_completion: 0 },
      { completions: [c("# Answer\n\n2", 1)], human_completion: null, chosen_completion: 0 },
    ]),
    ctx,
  );
  assert.equal(t.format, "prm800k");
  assert.equal(t.problem, "What is 1+1?");
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["One plus one.", "Hmm.", "# Answer\n\n2"],
  );
  assert.deepEqual(t.labels, { kind: "per-step", steps: [true, null, true], firstError: -1 });
  assert.equal(t.finalAnswer, "2", "PRM800K's closing '# Answer' step gives the answer");
  assert.deepEqual(t.meta, { groundTruthAnswer: "2", finishReason: "solution" });
  assert.deepEqual(t.source, { file: "prm.jsonl", record: 2, line: 3, id: "2" });
  assert.ok(t.steps.every((s) => s.range === null));
});

test("prm800k: chosen_completion null → the human completion (a correct step, as TRL reads it), else the first completion", () => {
  const human = prm800kTrace(
    record([{ completions: [c("bad", -1)], human_completion: { text: "Human step.", rating: null, source: "human" }, chosen_completion: null }]),
    ctx,
  );
  assert.deepEqual(
    human.steps.map((s) => s.text),
    ["Human step."],
  );
  assert.deepEqual(human.labels, { kind: "per-step", steps: [true], firstError: -1 });

  const first = prm800kTrace(record([{ completions: [c("first", -1), c("second", -1)], human_completion: null, chosen_completion: null }]), ctx);
  assert.deepEqual(
    first.steps.map((s) => s.text),
    ["first"],
  );
  assert.deepEqual(first.labels, { kind: "per-step", steps: [false], firstError: 0 });
});

test("prm800k: the trace stops after the first step rated -1", () => {
  const t = prm800kTrace(
    record([
      { completions: [c("ok", 1)], chosen_completion: 0 },
      { completions: [c("wrong", -1)], chosen_completion: null, human_completion: null },
      { completions: [c("after the error", 1)], chosen_completion: 0 },
    ]),
    ctx,
  );
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["ok", "wrong"],
  );
  assert.deepEqual(t.labels, { kind: "per-step", steps: [true, false], firstError: 1 });
});

test("prm800k: an empty step list is a trace with no steps", () => {
  const t = prm800kTrace(record([]), ctx);
  assert.deepEqual(t.steps, []);
  assert.deepEqual(t.labels, { kind: "per-step", steps: [], firstError: -1 });
  assert.equal(t.finalAnswer, null);
});

test("prm800k: malformed records name the field, the file and the line", () => {
  const cases: [unknown, RegExp][] = [
    [{ label: { steps: [] } }, /field 'question' must be a JSON object, found nothing/],
    [{ question: { problem: 1 }, label: { steps: [] } }, /field 'question\.problem' must be a string, found a number/],
    [{ question: { problem: "p" } }, /field 'label' must be a JSON object/],
    [{ question: { problem: "p" }, label: { steps: {} } }, /field 'label\.steps' must be an array, found an object/],
    [record([{ completions: [c("a", 1)], chosen_completion: 3 }]), /'label\.steps\[0\]\.chosen_completion' is 3 but the step has 1 completions/],
    [record([{ completions: [], chosen_completion: null, human_completion: null }]), /'label\.steps\[0\]' has no completion to follow/],
    [record([{ completions: [{ rating: 1 }], chosen_completion: 0 }]), /field 'label\.steps\[0\]\.<completion>\.text' must be a string/],
    [record([{ completions: "x", chosen_completion: 0 }]), /'label\.steps\[0\]\.completions' must be an array/],
    [record([{ completions: [c("a", 1)], chosen_completion: "0" }]), /must be an integer or null, found a string/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => prm800kTrace(value, ctx),
      (e: unknown) => e instanceof StepLensError && pattern.test(e.message) && e.format().startsWith("prm.jsonl:3: record 2: "),
      String(pattern),
    );
  }
});

test("prm800k: the fixture is auto-detected and read whole", async () => {
  const results = await readAll(path.join(FIXTURES(), "prm800k.jsonl"));
  assert.equal(failures(results).length, 0);
  const ts = traces(results);
  assert.equal(ts.length, 3);
  assert.ok(ts.every((t) => t.format === "prm800k"));
  assert.deepEqual(
    ts.map((t) => t.labels?.firstError),
    [-1, -1, 1],
  );
  assert.deepEqual(
    ts.map((t) => t.finalAnswer),
    ["2", "55", null],
  );
  // Step 1 is rated 0 (neutral → no label by default); step 2 is the labeler's human completion (correct).
  assert.deepEqual(ts[1]?.labels, { kind: "per-step", steps: [null, true, true], firstError: -1 });
  assert.equal(ts[1]?.steps[1]?.text, "The sum is $\\frac{10 \\cdot 11}{2} = 55$.");
  assert.deepEqual(
    itemAt(ts, 2, "the third trace").steps.map((s) => s.text),
    ["$\\dbinom{8}{4} = \\frac{8!}{4!4!}$.", "$= \\frac{40320}{48} = 840$."],
  );
  assert.deepEqual(
    ts.map((t) => t.source.line),
    [1, 2, 3],
  );
});

test("prm800k: one bad line among good ones is reported and the rest still come", async () => {
  await withTempDir(async (tmp) => {
    const good = record([{ completions: [c("a", 1)], chosen_completion: 0 }]);
    const text = jsonl([good]) + '{"question": {"problem": "p"}, "label": {"steps": [}\n' + jsonl([{ question: {}, label: { steps: [] } }, good]);
    const file = tmp.file("p.jsonl", text);
    const results = await readAll(file, { format: "prm800k" });
    assert.equal(outcomes(results), "ok#0@1 bad#1@2 bad#2@3 ok#3@4");
    const [syntax, missing] = failures(results);
    assert.ok(syntax && missing, "two failures: the syntax error and the missing field");
    assert.match(syntax.error.format(), /p\.jsonl:2: record 1 is not valid JSON: .*Fix the JSON on this line/);
    assert.match(missing.error.format(), /p\.jsonl:3: record 2: field 'question\.problem' must be a string, the field is missing/);
  });
});

test("prm800k: rating 0 (neutral) is unlabelled by default, or read as correct / incorrect (TRL's reading) on request", async () => {
  const rec = record([
    { completions: [c("Let me think.", 0)], human_completion: null, chosen_completion: 0 },
    { completions: [c("Two.", 1)], human_completion: null, chosen_completion: 0 },
  ]);
  assert.deepEqual(prm800kTrace(rec, ctx).labels, { kind: "per-step", steps: [null, true], firstError: -1 });
  assert.deepEqual(prm800kTrace(rec, ctx, { neutral: "correct" }).labels, { kind: "per-step", steps: [true, true], firstError: -1 });
  const trl = prm800kTrace(rec, ctx, { neutral: "incorrect" });
  assert.deepEqual(trl.labels, { kind: "per-step", steps: [false, true], firstError: 0 });
  // Through the dataset reader: the option reaches the record reader.
  const results = [];
  for await (const r of readTraces(path.join(FIXTURES(), "prm800k.jsonl"), { prm800kNeutral: "incorrect" })) results.push(r);
  const second = itemAt(results, 1, "the second record");
  assert.ok(second.ok);
  assert.deepEqual(second.trace.labels, { kind: "per-step", steps: [false, true, true], firstError: 0 });
});

test("steplens segment --prm800k-neutral incorrect reads the neutral rating as TRL does", async () => {
  const { runCli } = await import("../../src/cli/main");
  const { Writable } = await import("node:stream");
  const run = async (extra: string[]) => {
    const out: string[] = [];
    const sink = (into: string[]) => new Writable({ write: (ch, _e, cb) => (into.push(String(ch)), cb()) });
    const code = await runCli(["segment", path.join(FIXTURES(), "prm800k.jsonl"), "--json", ...extra], {
      stdout: sink(out),
      stderr: sink([]),
      env: {},
      signal: new AbortController().signal,
      isTTY: false,
    });
    const text = out.join("").trim();
    return { code, rows: text ? text.split("\n").map((l) => JSON.parse(l)) : [] };
  };
  const plain = await run([]);
  const trl = await run(["--prm800k-neutral", "incorrect"]);
  assert.equal(plain.code, 0);
  assert.equal(trl.code, 0);
  assert.deepEqual([plain.rows[1].labels.firstError, trl.rows[1].labels.firstError], [-1, 0]);
  assert.equal((await run(["--prm800k-neutral", "maybe"])).code, 2);
});
