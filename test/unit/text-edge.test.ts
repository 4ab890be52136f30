// Line endings, Unicode, BOM, and scale.
import { test } from "node:test";
import assert from "node:assert/strict";
import { segmentText } from "../../src/formats/text";
import { covered, pos, ranges, seg, texts } from "./text-kit";
import { itemAt } from "../support/indexing";

test("CRLF: same steps as LF, no \\r in any text, ranges on the CRLF document", () => {
  const lf = "Problem: What is 3 * 4?\n\nStep 1: 3 * 4 = 12.\n\n$$\n12\n$$\n\nStep 2: Done.\n\nAnswer: 12\n";
  const crlf = lf.replace(/\n/g, "\r\n");
  const a = seg(lf);
  const b = seg(crlf);
  assert.deepEqual(texts(b), texts(a));
  assert.deepEqual(texts(b), ["3 * 4 = 12.\n\n$$\n12\n$$", "Done."]);
  assert.equal(b.problem, "What is 3 * 4?");
  assert.deepEqual(ranges(b), ranges(a));
  assert.deepEqual(ranges(b), ["2:0-6:2", "8:0-8:13"]);
  assert.deepEqual(
    a.steps.map((s) => s.range!.startOffset),
    [25, 56],
  );
  assert.deepEqual(
    b.steps.map((s) => s.range!.startOffset),
    [27, 64],
  );
  assert.deepEqual(covered(crlf, b)[0], "Step 1: 3 * 4 = 12.\r\n\r\n$$\r\n12\r\n$$");
  assert.equal(b.finalAnswer, "12");
  assert.equal(pos(b.finalAnswerRange), "10:8-10:10");
});

test("mixed line endings and lone CR", () => {
  const t = seg("Step 1: a\r\nb\rStep 2: c\nd");
  assert.deepEqual(texts(t), ["a\nb", "c\nd"]);
  assert.deepEqual(ranges(t), ["0:0-1:1", "2:0-3:1"]);
});

test("astral characters: characters are UTF-16 code units, like VS Code", () => {
  const src = "Problem: 𝑓(𝑥) = 𝑥² — find 𝑓(2).\n\nStep 1: 𝑓(2) = 4 😀\nStep 2: 🎉 so \\boxed{4}";
  const t = seg(src);
  assert.deepEqual(texts(t), ["𝑓(2) = 4 😀", "🎉 so \\boxed{4}"]);
  // "Step 1: " (8) + 𝑓 (2) + "(2) = 4 " (8) + 😀 (2) = 20 code units; "Step 2: " (8) + 🎉 (2) + " so " (4) + "\boxed{4}" (9) = 23.
  assert.deepEqual(ranges(t), ["2:0-2:20", "3:0-3:23"]);
  assert.equal(pos(t.finalAnswerRange), "3:14-3:23");
  assert.equal(t.problem, "𝑓(𝑥) = 𝑥² — find 𝑓(2).");
});

test("a BOM at the start does not hide a problem label or front matter", () => {
  const t = seg("\ufeffProblem: p\n\nStep 1: a");
  assert.equal(t.problem, "p");
  assert.equal(pos(t.problemRange), "0:1-0:11");
  assert.deepEqual(texts(seg("\ufeff---\nproblem: q\n---\nStep 1: a")), ["a"]);
  assert.equal(seg("\ufeff---\nproblem: q\n---\nStep 1: a").problem, "q");
});

test("a file without blank lines or markers: one step per line", () => {
  assert.deepEqual(texts(seg("a\nb\nc")), ["a", "b", "c"]);
});

test("tabs in text are kept; tab-indented continuation stays with its step", () => {
  const t = seg("Step 1:\ta\tb\n\tcontinued\nStep 2: c");
  assert.deepEqual(texts(t), ["a\tb\n\tcontinued", "c"]);
});

test("100k marker steps segment whole and right, like 10k (linearity is timed in bench/segment-scaling.mjs)", { timeout: 30_000 }, () => {
  const make = (n: number) => {
    const parts: string[] = ["Problem: sum."];
    for (let k = 1; k <= n; k++) parts.push(`Step ${k}: add $${k}$ to get ${(k * (k + 1)) / 2}.`);
    return parts.join("\n\n");
  };
  const small = make(10_000);
  const big = make(100_000);
  const a = segmentText(small);
  const b = segmentText(big);
  // Counted, not timed: every step found once, none merged or split (the per-step time at 100k vs 1k
  // steps is measured as a ratio in bench/segment-scaling.mjs, which fails above 3×).
  assert.equal(a.steps.length, 10_000);
  assert.equal(b.steps.length, 100_000);
  assert.equal(itemAt(b.steps, 99_999, "step 100,000").text, "add $100000$ to get 5000050000.");
  assert.deepEqual(
    b.steps.slice(0, 10_000).map((s) => s.text),
    a.steps.map((s) => s.text),
    "the first 10k steps of the big trace are the small trace's steps",
  );
});

test("pathological input stays linear: long whitespace runs, many $$ and many unclosed environments", () => {
  const spaces = "x" + " ".repeat(200_000) + "y\n\n";
  const dollars = "$$ a\n\n".repeat(20_001);
  const envs = "\\begin{x}\n\n".repeat(20_000);
  // The time these take grows linearly with the input: measured as ratios in bench/adversarial-scaling.mjs.
  assert.equal(segmentText(spaces).steps.length, 1);
  // "$$ a" pairs up across the blank line: 10000 two-paragraph blocks, and the last, unpaired one.
  assert.equal(segmentText(dollars).steps.length, 10_001);
  // Unclosed environments: the first 8 are ignored as typos, the 9th runs to the end.
  assert.equal(segmentText(envs).steps.length, 9);
});

test("many think tags on one line", () => {
  const src = "<think>a</think>b".repeat(40);
  const t = seg(src);
  assert.equal(t.steps.length, 80);
  assert.deepEqual(texts(t).slice(0, 3), ["a", "b", "a"]);
  assert.deepEqual(ranges(t).slice(0, 2), ["0:7-0:8", "0:16-0:17"]);
});
