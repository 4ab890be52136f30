import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { jsonlTrace, resolveJsonlFields, DEFAULT_JSONL_FIELDS } from "../../src/formats/jsonl";
import { StepLensError } from "../../src/core/errors";
import { failures, FIXTURES, jsonl, outcomes, readAll, traces, withTempDir } from "./formats-kit";
import { itemAt } from "../support/indexing";

const ctx = { file: "g.jsonl", record: 1, line: 2 };

test("jsonl: a steps array with question/problem/prompt defaults, labels and an answer field", () => {
  const t = jsonlTrace({ id: 17, question: "Is 91 prime?", steps: ["91 = 7 × 13.\n", "So no."], labels: [true, "-"], answer: "no" }, ctx);
  assert.equal(t.format, "jsonl");
  assert.equal(t.problem, "Is 91 prime?");
  assert.deepEqual(t.steps, [
    { index: 0, text: "91 = 7 × 13.", range: null },
    { index: 1, text: "So no.", range: null },
  ]);
  assert.deepEqual(t.labels, { kind: "per-step", steps: [true, false], firstError: 1 });
  assert.equal(t.finalAnswer, "no");
  assert.deepEqual(t.source, { file: "g.jsonl", record: 1, line: 2, id: "17" });
  assert.equal(jsonlTrace({ problem: "p", steps: ["a"] }, ctx).source.id, "1");
  assert.equal(jsonlTrace({ prompt: "p", steps: ["a"] }, ctx).problem, "p");
});

test("jsonl: TRL's {prompt, completions, labels} rows read as steps with per-step labels", () => {
  const t = jsonlTrace({ prompt: "2+2?", completions: ["2+2 = 5", "\\boxed{5}"], labels: [false, 0] }, ctx);
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["2+2 = 5", "\\boxed{5}"],
  );
  assert.deepEqual(t.labels, { kind: "per-step", steps: [false, false], firstError: 0 });
  assert.equal(t.finalAnswer, "5");
});

test("jsonl: a solution string is segmented like a text trace (steps without file ranges)", () => {
  const t = jsonlTrace({ problem: "Solve 2x+3=11.", response: "Step 1: 2x = 8.\nStep 2: x = 4, so \\boxed{4}." }, ctx);
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["2x = 8.", "x = 4, so \\boxed{4}."],
  );
  assert.ok(
    t.steps.every((s) => s.range === null),
    "dataset steps have no range",
  );
  assert.equal(t.finalAnswer, "4");
  for (const key of ["solution", "completion", "output"]) {
    assert.equal(jsonlTrace({ problem: "p", [key]: "Step 1: a\nStep 2: b" }, ctx).steps.length, 2, key);
  }
});

test("jsonl: chat messages: first user turn is the problem, last assistant turn the solution", () => {
  const t = jsonlTrace(
    {
      messages: [
        { role: "system", content: "Be careful." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is " },
            { type: "text", text: "12 × 13?" },
          ],
        },
        { role: "assistant", content: "draft" },
        { role: "user", content: "Again, step by step." },
        { role: "assistant", content: "Step 1: 12 × 13 = 120 + 36.\nStep 2: = \\boxed{156}." },
      ],
    },
    ctx,
  );
  assert.equal(t.problem, "What is 12 × 13?");
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["12 × 13 = 120 + 36.", "= \\boxed{156}."],
  );
  assert.equal(t.finalAnswer, "156");
});

test("jsonl: a verl-style prompt given as chat messages gives its user turn as the problem", () => {
  const t = jsonlTrace(
    {
      prompt: [
        { role: "system", content: "s" },
        { role: "user", content: "Q?" },
      ],
      steps: ["a"],
    },
    ctx,
  );
  assert.equal(t.problem, "Q?");
});

test("jsonl: field overrides replace the defaults and accept dotted paths", () => {
  const fields = { problem: ["task.text"], solution: ["reply"], steps: ["trace.steps"] };
  assert.deepEqual(resolveJsonlFields(fields).problem, ["task.text"]);
  assert.deepEqual(resolveJsonlFields({}).solution, DEFAULT_JSONL_FIELDS.solution);
  const fromSteps = jsonlTrace({ task: { text: "Q" }, trace: { steps: ["x", "y"] }, question: "ignored" }, ctx, fields);
  assert.equal(fromSteps.problem, "Q");
  assert.deepEqual(
    fromSteps.steps.map((s) => s.text),
    ["x", "y"],
  );
  const fromReply = jsonlTrace({ task: { text: "Q" }, reply: "Step 1: a\nStep 2: b", response: "ignored" }, ctx, {
    problem: ["task.text"],
    solution: ["reply"],
  });
  assert.deepEqual(
    fromReply.steps.map((s) => s.text),
    ["a", "b"],
  );
  // The defaults are not consulted once a field is named.
  assert.throws(() => jsonlTrace({ question: "Q", steps: ["a"] }, ctx, { problem: ["title"] }), /no problem: none of 'title' is a string/);
});

test("jsonl: first-error `label`, and label shapes that are not step labels are ignored", () => {
  assert.deepEqual(jsonlTrace({ problem: "p", steps: ["a", "b"], label: 1 }, ctx).labels, { kind: "first-error", firstError: 1 });
  assert.equal(jsonlTrace({ problem: "p", steps: ["a"], label: "correct" }, ctx).labels, null);
  assert.equal(jsonlTrace({ problem: "p", steps: ["a"] }, ctx).labels, null);
});

test("jsonl: malformed records fail with file:line, the field and the flags to use", () => {
  const cases: [unknown, RegExp][] = [
    [{ steps: ["a"] }, /no problem: none of 'question', 'problem', 'prompt' is a string/],
    [{ problem: "p" }, /no steps: none of 'steps', 'completions', 'response', 'solution', 'completion', 'output', 'messages'/],
    [{ problem: "p", steps: ["a", { text: "b" }] }, /'steps\[1\]' must be a string, found an object/],
    [{ problem: "p", steps: ["a", "b"], labels: [true] }, /'labels' has 1 entries but the record has 2 steps/],
    [{ problem: "p", steps: ["a"], labels: ["yes"] }, /'labels\[0\]' must be true\/false\/null/],
    [{ problem: "p", steps: ["a"], label: 3 }, /'label' is 3 but the record has 1 steps/],
    ["just a string", /a record must be a JSON object, found a string/],
    [{ problem: "p", messages: [{ role: "user", content: "q" }] }, /no steps/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(
      () => jsonlTrace(value, ctx),
      (e: unknown) => e instanceof StepLensError && pattern.test(e.message) && e.format().startsWith("g.jsonl:2: record 1: "),
      String(pattern),
    );
  }
  assert.throws(() => jsonlTrace({ problem: "p", mine: "x" }, ctx, { steps: ["mine"] }), /field 'mine' must be an array of strings, found a string/);
  assert.throws(() => jsonlTrace({ problem: "p", mine: ["x"] }, ctx, { solution: ["mine"] }), /field 'mine' must be a string, found an array/);
  assert.throws(() => jsonlTrace({ problem: 5, steps: ["a"] }, ctx, { problem: ["problem"] }), /field 'problem' must be a string or a list of chat messages/);
  assert.throws(
    () => jsonlTrace({}, ctx),
    (e: unknown) => e instanceof StepLensError && /--problem-field/.test(e.details.hint ?? ""),
  );
});

test("jsonl: the generic fixture (chat, TRL steps, solution string) is auto-detected and read", async () => {
  const results = await readAll(path.join(FIXTURES(), "generic.jsonl"));
  assert.equal(failures(results).length, 0);
  const ts = traces(results);
  assert.deepEqual(
    ts.map((t) => t.format),
    ["jsonl", "jsonl", "jsonl"],
  );
  assert.deepEqual(
    ts.map((t) => t.source.id),
    ["chat-1", "steps-1", "2"],
  );
  assert.deepEqual(
    ts.map((t) => t.steps.length),
    [2, 2, 2],
  );
  assert.deepEqual(
    ts.map((t) => t.finalAnswer),
    ["156", null, "4"],
  );
  assert.equal(ts[0]?.problem, "What is 12 × 13?");
});

test("jsonl: field names given to readTraces reach every record; bad JSON lines are skipped", async () => {
  await withTempDir(async (tmp) => {
    const file = tmp.file("c.jsonl", jsonl([{ q: "Q1", a: ["s1"] }]) + "{oops\n\n" + jsonl([{ q: "Q2", a: ["s2", "s3"] }, { q: "Q3" }]));
    const results = await readAll(file, { format: "jsonl", fields: { problem: ["q"], steps: ["a"] } });
    assert.equal(outcomes(results), "ok#0@1 bad#1@2 ok#2@4 bad#3@5");
    assert.deepEqual(
      traces(results).map((t) => t.problem),
      ["Q1", "Q2"],
    );
    assert.match(itemAt(failures(results), 1, "the failure of record 3").error.format(), /c\.jsonl:5: record 3: no steps: none of 'a', 'response'/);
  });
});
