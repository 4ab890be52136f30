import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { mathShepherdTrace } from "../../src/formats/mathShepherd";
import { StepLensError } from "../../src/core/errors";
import { failures, FIXTURES, jsonl, lineOutcomes, readAll, traces, withTempDir } from "./formats-kit";
import { itemAt } from "../support/indexing";

const ctx = { file: "ms.jsonl", record: 0, line: 1 };

/** A record in Math-Shepherd's layout: "<q> Step 1: … ки\nStep 2: … ки", labels with +/- in the tags' place. */
function shepherd(question: string, steps: string[], marks: string, tag = "ки") {
  const body = (end: (i: number) => string) => question + " " + steps.map((s, i) => `Step ${i + 1}: ${s} ${end(i)}`).join("\n");
  return { input: body(() => tag), label: body((i) => itemAt(marks, i, `the mark of step ${i + 1}`)), task: "GSM8K" };
}

test("math-shepherd: splits the problem from the steps, drops 'Step k:' markers, reads +/- labels", () => {
  const rec = shepherd("Tom has 3 apples and buys 5. How many?", ["He has 3 + 5 = <<3+5=8>>8.", "Wait, 3 + 5 = 9.", "The answer is: 9"], "+--");
  const t = mathShepherdTrace(rec, ctx);
  assert.equal(t.format, "math-shepherd");
  assert.equal(t.problem, "Tom has 3 apples and buys 5. How many?");
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["He has 3 + 5 = <<3+5=8>>8.", "Wait, 3 + 5 = 9.", "The answer is: 9"],
  );
  assert.deepEqual(t.labels, { kind: "per-step", steps: [true, false, false], firstError: 1 });
  assert.equal(t.finalAnswer, "9");
  assert.deepEqual(t.meta, { task: "GSM8K" });
  assert.equal(t.source.id, "0");
});

test("math-shepherd: '+' and '-' inside the text do not confuse the labels", () => {
  const rec = shepherd("Compute 5 - 3 + 1.", ["5 - 3 = 2, then + 1 gives 3 -", "So + it is 3. The answer is: 3"], "-+");
  const t = mathShepherdTrace(rec, ctx);
  assert.deepEqual(t.labels, { kind: "per-step", steps: [false, true], firstError: 0 });
  assert.equal(t.steps[0]?.text, "5 - 3 = 2, then + 1 gives 3 -");
});

test("math-shepherd: a question that mentions 'Step 1' before the first step still splits at the real first step", () => {
  const rec = shepherd("In Step 1: of the recipe, add 2 eggs. Step 1: follows. How many eggs?", ["Two eggs.", "The answer is: 2"], "++");
  const t = mathShepherdTrace(rec, ctx);
  assert.equal(t.problem, "In Step 1: of the recipe, add 2 eggs. Step 1: follows. How many eggs?");
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["Two eggs.", "The answer is: 2"],
  );
});

test("math-shepherd: without 'Step 1:' the problem ends at the last line break before the first tag", () => {
  const t = mathShepherdTrace({ input: "What is 2+2?\nTwo plus two is four. ки\nSo 4. ки", label: "What is 2+2?\nTwo plus two is four. +\nSo 4. +" }, ctx);
  assert.equal(t.problem, "What is 2+2?");
  assert.deepEqual(
    t.steps.map((s) => s.text),
    ["Two plus two is four.", "So 4."],
  );
  assert.deepEqual(t.labels?.kind === "per-step" && t.labels.steps, [true, true]);
});

test("math-shepherd: no label → unlabelled; a custom tag; an untagged last step is kept unlabelled", () => {
  const unlabelled = mathShepherdTrace({ input: "Q? Step 1: a ки\nStep 2: b ки" }, ctx);
  assert.equal(unlabelled.labels, null);
  assert.equal(unlabelled.steps.length, 2);

  const custom = mathShepherdTrace({ input: "Q? Step 1: a <tag>\nStep 2: b <tag>", label: "Q? Step 1: a +\nStep 2: b -" }, ctx, { stepTag: "<tag>" });
  assert.deepEqual(custom.labels, { kind: "per-step", steps: [true, false], firstError: 1 });

  const tail = mathShepherdTrace({ input: "Q? Step 1: a ки\nStep 2: b", label: "Q? Step 1: a +\nStep 2: b" }, ctx);
  assert.deepEqual(
    tail.steps.map((s) => s.text),
    ["a", "b"],
  );
  assert.deepEqual(tail.labels, { kind: "per-step", steps: [true, null], firstError: -1 });
});

test("math-shepherd: malformed records fail with file, line and what to do", () => {
  const cases: [unknown, RegExp, RegExp][] = [
    [{ label: "x" }, /field 'input' must be a string, the field is missing/, /needs 'input'/],
    [{ input: "Q? no tags here" }, /'input' has no step tag 'ки'/, /--step-tag/],
    [{ input: "Q? Step 1: a ки", label: 5 }, /field 'label' must be a string, found a number/, /Math-Shepherd/],
    [{ input: "Q? Step 1: a ки\nStep 2: b ки", label: "Q? Step 1: a +\nStep 2: b ?" }, /'label' does not match 'input' at step 2/, /Regenerate/],
    [{ input: "Q? Step 1: a ки", label: "Something else entirely +" }, /'label' does not match 'input' at step 1/, /Regenerate/],
    [{ input: "one line, no marker ки" }, /cannot tell where the problem ends/, /Step 1:/],
  ];
  for (const [value, pattern, hint] of cases) {
    assert.throws(
      () => mathShepherdTrace(value, ctx),
      (e: unknown) =>
        e instanceof StepLensError && pattern.test(e.message) && hint.test(e.details.hint ?? "") && e.format().startsWith("ms.jsonl:1: record 0: "),
      String(pattern),
    );
  }
});

test("math-shepherd: the fixture is auto-detected; a bad line in the middle is skipped with its line", async () => {
  const fixture = await readAll(path.join(FIXTURES(), "math-shepherd.jsonl"));
  assert.equal(failures(fixture).length, 0);
  const ts = traces(fixture);
  assert.ok(ts.every((t) => t.format === "math-shepherd"));
  assert.deepEqual(
    ts.map((t) => t.labels?.firstError),
    [-1, 2, 1],
  );
  assert.deepEqual(
    ts.map((t) => t.finalAnswer),
    ["18", "14", "3"],
  );
  assert.match(itemAt(ts, 0, "the first trace").problem, /^Janet’s ducks lay 16 eggs per day\..*farmers' market\?$/);

  await withTempDir(async (tmp) => {
    const file = tmp.file(
      "ms.jsonl",
      jsonl([shepherd("Q1?", ["a"], "+")]) + "not json at all\n" + jsonl([{ input: "Q? Step 1: no tag" }, shepherd("Q2?", ["b"], "-")]),
    );
    const results = await readAll(file, { format: "math-shepherd" });
    assert.equal(lineOutcomes(results), "ok@1 bad@2 bad@3 ok@4");
    assert.equal(traces(results)[1]?.problem, "Q2?");
  });
});

test("math-shepherd: a row with a stray tag inside the problem keeps each label on its own step (TRL's known rows)", () => {
  // Shaped like the published rows TRL lists: an annotation tag (and its mark) inside the problem text.
  const input =
    "Mr. Rocky went to the market to sell his handmade crafts on a particular week. ки He was selling jewelry at $30 each and paintings at $100 each. How much did he make? " +
    "Step 1: He sold 10 jewelry for 10 * 30 = $<<10*30=300>>300. ки\nStep 2: He sold 5 paintings for 5 * 100 = $<<5*100=500>>500. ки\nStep 3: He made 300 + 500 = $<<300+500=800>>800. The answer is: 800 ки";
  const label = input.replace(/ки/g, () => "+").replace(/(Step 2: [^\n]*?)\+/, "$1-");
  const t = mathShepherdTrace({ input, label, task: "GSM8K" }, ctx);
  assert.equal(
    t.problem,
    "Mr. Rocky went to the market to sell his handmade crafts on a particular week.  He was selling jewelry at $30 each and paintings at $100 each. How much did he make?",
  );
  assert.equal(t.steps.length, 3);
  assert.equal(t.steps[0]?.text, "He sold 10 jewelry for 10 * 30 = $<<10*30=300>>300.");
  assert.deepEqual(t.labels, { kind: "per-step", steps: [true, false, true], firstError: 1 }, "the stray tag's mark labels no step");
  assert.equal(t.meta?.strayTags, 1);
  // The same row without the stray tag reads the same steps and labels.
  const clean = mathShepherdTrace({ input: input.replace(" ки He", " He"), label: label.replace(" + He", " He") }, ctx);
  assert.deepEqual(clean.labels, t.labels);
  assert.equal(clean.meta?.strayTags, undefined);
  // TRL's "?" split when there is no "Step 1:".
  const q = mathShepherdTrace(
    {
      input: "How many legs do 3 cats have? Each cat has 4 legs. ки 3 * 4 = 12. ки",
      label: "How many legs do 3 cats have? Each cat has 4 legs. + 3 * 4 = 12. +",
    },
    ctx,
  );
  assert.equal(q.problem, "How many legs do 3 cats have?");
  assert.deepEqual(
    q.steps.map((s) => s.text),
    ["Each cat has 4 legs.", "3 * 4 = 12."],
  );
});
