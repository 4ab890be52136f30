/**
 * `steplens synthesize` with the real model (Gemma 3 270M Q4_K_M) as generator and constrained
 * verifier (ProcessBench's critic template: the shortest prompt and JSON, so that the run fits the
 * unit stage's 10 minutes per file on a shared 2-core machine), through the real CLI, on the first 8 problems of the GSM8K test set
 * (test/fixtures/datasets/gsm8k-test-8.jsonl; openai/grade-school-math, MIT): the run completes, every
 * solution is labelled (no verification fails and none is malformed), solutions are sized to the
 * verifier's context, and `export --format trl-prm` writes rows from it. A solution whose
 * verification cannot fit the context (this weak model sometimes repeats a line dozens of times, which
 * the segmenter cuts into as many steps) is recorded once as unverifiable and does not fail the run.
 * Behaviour only: a 270M model's labels are not judged.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { cli } from "../support/cliIo";
import { realModelFlags } from "../support/realModel";
import { repoRoot } from "../support/repo";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-real-synth-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const problems = path.join(repoRoot(), "test/fixtures/datasets/gsm8k-test-8.jsonl");

function lines(file: string): Record<string, unknown>[] {
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

test("8 GSM8K problems: real generator + constrained real verifier → labels → trl-prm rows", { timeout: 590_000 }, async () => {
  const out = path.join(dir, "synth");
  const r = await cli([
    "synthesize",
    "--problems",
    problems,
    "--out",
    out,
    "--reference-field",
    "answer",
    "--solutions",
    "1",
    "--verifications",
    "2",
    "--max-tokens",
    "64",
    "--template",
    "processbench",
    "--constrained",
    "--max-critique-chars",
    "16",
    "--context-size",
    "8192",
    ...realModelFlags(),
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(r.out);
  assert.equal(summary.status, "complete");
  assert.equal(summary.failures.total, 0, "no call failed");
  const sols = lines(path.join(out, "solutions.jsonl"));
  assert.equal(sols.length, 8);
  for (const s of sols) assert.ok((s.tokens as number) > 0 && (s.tokens as number) <= 64);
  const unverifiable = fs.existsSync(path.join(out, "failures.jsonl")) ? lines(path.join(out, "failures.jsonl")) : [];
  assert.equal(unverifiable.length, summary.unverifiable.total);
  for (const f of unverifiable) assert.equal(f.stage, "unverifiable");
  assert.equal(new Set(unverifiable.map((f) => f.target)).size, unverifiable.length, "recorded once per solution");
  // Graded against the reference: every solution has a verdict on its answer (true, false or null when none was found).
  for (const s of sols) assert.ok(s.answerCorrect === true || s.answerCorrect === false || s.answerCorrect === null);
  const ver = lines(path.join(out, "verifications.jsonl"));
  const skipped = new Set(unverifiable.map((f) => f.target));
  const withSteps = sols.filter((s) => (s.steps as string[]).length > 0 && !skipped.has(s.id as string));
  assert.ok(withSteps.length > 0, "some solutions were verified");
  assert.equal(ver.length, withSteps.length * 2);
  for (const v of ver) {
    assert.equal(v.finishReason, "stop", `${v.id} closed`);
    assert.equal((v.parse as { ok: boolean }).ok, true, `${v.id} parsed`);
  }
  const labels = lines(path.join(out, "labels.jsonl"));
  assert.equal(labels.length + skipped.size, 8, "every solution is labelled or recorded as unverifiable");
  for (const l of labels) if ((l.stepCount as number) > 0) assert.equal(l.status, "labelled", `${l.id}`);

  const file = path.join(dir, "prm.jsonl");
  const e = await cli(["export", out, "--format", "trl-prm", "--out", file]);
  assert.equal(e.code, 0, e.err);
  const rows = lines(file);
  assert.ok(rows.length > 0, "rows written");
  for (const row of rows) {
    const completions = row.completions as string[];
    const lab = row.labels as boolean[];
    assert.equal(typeof row.prompt, "string");
    assert.equal(completions.length, lab.length);
    assert.ok(lab.every((x) => typeof x === "boolean"));
  }
});
