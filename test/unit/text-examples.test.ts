// Every trace in examples/ segments cleanly, and its front-matter label points at a real step.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { segmentText } from "../../src/formats/text";
import { checkInvariants } from "./text-kit";

function repoRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "examples"))) return dir;
    if (path.dirname(dir) === dir) throw new Error("repository root not found");
  }
}
const dir = path.join(repoRoot(), "examples");
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".trace.md") || f.endsWith(".trace"))
  .sort();

/** What each example is known to contain (steps, final answer, first error). */
const KNOWN: Record<string, { steps: number; finalAnswer: string; firstError: number }> = {
  "clips-gsm8k.trace": { steps: 3, finalAnswer: "72", firstError: -1 },
  "dice-sum-8.trace.md": { steps: 4, finalAnswer: "\\frac{1}{4}", firstError: 2 },
  "divisors-of-36-think.trace.md": { steps: 5, finalAnswer: "9", firstError: -1 },
  "factorial-divisible-by-1000.trace.md": { steps: 4, finalAnswer: "15", firstError: -1 },
  "geometric-series.trace.md": { steps: 4, finalAnswer: "381", firstError: 1 },
  "quadratic-sum-of-squares.trace.md": { steps: 4, finalAnswer: "13", firstError: -1 },
  "radicals-sum.trace.md": { steps: 3, finalAnswer: "2\\sqrt{17}", firstError: 0 },
  "remainder-mod-6.trace.md": { steps: 3, finalAnswer: "4", firstError: 1 },
  "triangle-area.trace.md": { steps: 3, finalAnswer: "6", firstError: -1 },
};

test("examples/ has at least 3 correct traces and 3 with a known first error", () => {
  const labels = files.map((f) => segmentText(fs.readFileSync(path.join(dir, f), "utf8")).labels);
  assert.ok(
    labels.every((l) => l !== null),
    "every example carries a label",
  );
  assert.ok(labels.filter((l) => l!.firstError === -1).length >= 3);
  assert.ok(labels.filter((l) => l!.firstError >= 0).length >= 3);
  assert.ok(
    files.some((f) => fs.readFileSync(path.join(dir, f), "utf8").includes("\r\n")),
    "one example uses CRLF",
  );
});

for (const f of files) {
  test(`example ${f}: label in range, problem, final answer, invariants`, () => {
    const source = fs.readFileSync(path.join(dir, f), "utf8");
    const t = segmentText(source, { file: f });
    checkInvariants(source, t);
    assert.ok(t.problem.length > 0, "has a problem");
    assert.ok(t.steps.length >= 2, "has steps");
    assert.ok(
      t.steps.every((s) => s.text.trim() !== ""),
      "no empty steps",
    );
    assert.ok(t.labels && t.labels.kind === "first-error");
    assert.ok(t.labels.firstError >= -1 && t.labels.firstError < t.steps.length, `label ${t.labels.firstError} of ${t.steps.length} steps`);
    assert.ok(t.finalAnswer, "has a final answer");
    const known = KNOWN[f];
    assert.ok(known, `add ${f} to KNOWN in this test with its step count, final answer and first error`);
    assert.deepEqual({ steps: t.steps.length, finalAnswer: t.finalAnswer, firstError: t.labels.firstError }, known);
  });
}
