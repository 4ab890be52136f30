// The one verdict parser on realistic verifier outputs (SPARK, ProcessBench critic, ThinkPRM, compact
// PRM lines, constrained JSON) and on malformed ones. Expectations live next to the outputs in
// test/fixtures/verifier-outputs/cases.json.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseVerification, boxedContents, indexFromBoxed } from "../../src/verify/verdictParser";
import { splitThinking } from "../../src/verify/thinking";
import type { Generation } from "../../src/engines/engine";
import type { VerdictFormat } from "../../src/verify/verification";
import { itemAt } from "../support/indexing";

function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
}
const FIXTURES = path.join(repoRoot(), "test/fixtures/verifier-outputs");

interface Case {
  file: string;
  format: VerdictFormat;
  stepCount: number;
  finishReason?: Generation["finishReason"];
  json?: boolean;
  expect: {
    ok: boolean;
    verdicts?: string | null;
    finalVerdict?: "yes" | "no" | null;
    firstError?: number | null;
    via?: string;
    critique?: [number, string];
    reason?: string;
    warning?: string;
    thinking?: boolean;
  };
}

const { cases } = JSON.parse(fs.readFileSync(path.join(FIXTURES, "cases.json"), "utf8")) as { cases: Case[] };
const LETTER = { correct: "C", incorrect: "I", "not-given": "-" } as const;

test("the fixture set is large and varied (a dozen+ per format, malformed included)", () => {
  const count = (p: (c: Case) => boolean) => cases.filter(p).length;
  assert.ok(count((c) => c.file.startsWith("spark-")) >= 12);
  assert.ok(count((c) => c.file.startsWith("pb-")) >= 12);
  assert.ok(count((c) => c.file.startsWith("thinkprm-")) >= 12);
  assert.ok(count((c) => !c.expect.ok) >= 12);
});

for (const c of cases) {
  test(`parses ${c.file} (${c.format}${c.json ? ", json" : ""}) → ${c.expect.ok ? `verdicts ${c.expect.verdicts ?? "any"}, first error ${c.expect.firstError}` : "malformed"}`, () => {
    const text = fs.readFileSync(path.join(FIXTURES, c.file), "utf8");
    const r = parseVerification(text, { stepCount: c.stepCount, format: c.format, json: c.json, finishReason: c.finishReason ?? "stop" });
    const e = c.expect;
    assert.equal(r.ok, e.ok, r.ok ? `expected malformed, got ${JSON.stringify(r)}` : `unexpected malformed: ${r.reason}`);
    if (e.warning)
      assert.ok(
        r.warnings.some((w) => w.includes(e.warning!)),
        `no warning containing "${e.warning}" in ${JSON.stringify(r.warnings)}`,
      );
    if (e.thinking !== undefined) assert.equal(r.thinking !== null, e.thinking);
    if (c.finishReason === "length") assert.equal(r.truncated, true);
    if (!r.ok) {
      assert.ok(r.reason.includes(e.reason!), `reason "${r.reason}" lacks "${e.reason}"`);
      return;
    }
    assert.equal(r.steps.length, c.stepCount);
    r.steps.forEach((s, i) => assert.equal(s.index, i));
    if (e.verdicts) assert.equal(r.steps.map((s) => LETTER[s.verdict]).join(""), e.verdicts);
    assert.equal(r.finalVerdict, e.finalVerdict ?? null);
    assert.equal(r.firstError, e.firstError ?? null);
    if (e.via) assert.equal(r.via, e.via);
    if (e.critique)
      assert.ok(
        itemAt(r.steps, e.critique[0], "the step with the expected critique").critique.includes(e.critique[1]),
        `critique of step ${e.critique[0]}: ${JSON.stringify(r.steps[e.critique[0]]?.critique)}`,
      );
  });
}

test("critique text keeps the analysis and drops the verdict line", () => {
  const text = fs.readFileSync(path.join(FIXTURES, "spark-canonical.txt"), "utf8");
  const r = parseVerification(text, { stepCount: 4 });
  assert.ok(r.ok);
  assert.match(itemAt(r.steps, 1, "step 2").critique, /^One third of 18 is 6/);
  assert.doesNotMatch(itemAt(r.steps, 1, "step 2").critique, /This step is/);
  assert.doesNotMatch(itemAt(r.steps, 3, "step 4").critique, /Verification/);
});

test("thinking drafts never count: a verdict only inside <think> is ignored for the SPARK format", () => {
  const text = "<think>\n## Step 1: fine\n**This step is correct.**\n</think>\n\nI could not decide.";
  const r = parseVerification(text, { stepCount: 1, format: "spark" });
  assert.equal(r.ok, false);
});

test("a verdict sentence outranks check marks in the same section, and bold outranks a sentence", () => {
  const a = parseVerification("## Step 1: 2+2=4 ✓ but 4*3=13 ✗ and this step is incorrect.\n", { stepCount: 1 });
  assert.ok(a.ok);
  assert.equal(itemAt(a.steps, 0, "step 1").verdict, "incorrect");
  const b = parseVerification("## Step 1: at first glance this step is correct, but the sign is flipped.\n**This step is incorrect.**\n", { stepCount: 1 });
  assert.ok(b.ok);
  assert.equal(itemAt(b.steps, 0, "step 1").verdict, "incorrect");
});

test("a reference to another step inside the analysis does not start a new section", () => {
  const text = "## Step 2: This uses the value from Step 1 which was 12.\nStep 1 computed 12 correctly.\n**This step is correct.**\n";
  const r = parseVerification(text, { stepCount: 2 });
  assert.ok(r.ok);
  assert.deepEqual(
    r.steps.map((s) => s.verdict),
    ["not-given", "correct"],
  );
});

test("splitThinking: closed blocks, a lone closing tag, and an unclosed opening tag", () => {
  assert.deepEqual(splitThinking("<think>a</think>b"), { visible: "b", thinking: "a", unclosed: false, recovered: false });
  assert.deepEqual(splitThinking("a</think>b"), { visible: "b", thinking: "a", unclosed: false, recovered: false });
  assert.deepEqual(splitThinking("<think>a"), { visible: "", thinking: "a", unclosed: true, recovered: false });
  assert.deepEqual(splitThinking("x<think>1</think>y<think>2</think>z"), { visible: "x\ny\nz", thinking: "1\n\n2", unclosed: false, recovered: false });
  assert.deepEqual(splitThinking("plain"), { visible: "plain", thinking: null, unclosed: false, recovered: false });
  // SPARK cuts at the FIRST closing tag: a second lone one stays in the answer (its tag removed).
  assert.deepEqual(splitThinking("a</think>b</think>c"), { visible: "b\nc", thinking: "a", unclosed: false, recovered: false });
  // An unclosed block holding a verification: recovered from its first "## Step 1:" line.
  assert.deepEqual(splitThinking("<think>hmm, Step 1 looks ok\n\n## Step 1: fine\n**This step is correct.**"), {
    visible: "## Step 1: fine\n**This step is correct.**",
    thinking: "hmm, Step 1 looks ok",
    unclosed: true,
    recovered: true,
  });
});

test("boxedContents handles nested braces and stops at an unbalanced box", () => {
  assert.deepEqual(boxedContents("a \\boxed{\\frac{1}{2}} b \\boxed{3} c \\boxed{4"), ["\\frac{1}{2}", "3"]);
  assert.equal(indexFromBoxed("\\text{-1}"), -1);
  assert.equal(indexFromBoxed("$2$"), 2);
  assert.equal(indexFromBoxed("paragraph 4"), 4);
  assert.equal(indexFromBoxed("2.5"), null);
  assert.equal(indexFromBoxed("x"), null);
});

test("a cancelled generation is parsed for what it holds, with a warning", () => {
  const r = parseVerification("## Step 1: ok\n**This step is correct.**\n## Step 2: the", { stepCount: 2, finishReason: "cancelled" });
  assert.ok(r.ok);
  assert.ok(r.warnings.some((w) => w.includes("cancelled")));
  assert.equal(r.firstError, null);
});

test("constrained JSON: a fractional step number is a warning on that entry, the others are read (it crashed with a TypeError)", () => {
  const text = JSON.stringify({
    steps: [
      { step: 1.5, verdict: "incorrect", critique: "half" },
      { step: 2, verdict: "correct" },
    ],
    answerCorrect: "yes",
  });
  const r = parseVerification(text, { stepCount: 2, json: true });
  assert.ok(r.ok, JSON.stringify(r));
  assert.deepEqual(
    r.steps.map((s) => s.verdict),
    ["not-given", "correct"],
  );
  assert.ok(
    r.warnings.some((w) => w === "steps[0] is not a whole step of the trace's 2 steps; ignored"),
    r.warnings.join("\n"),
  );
});
