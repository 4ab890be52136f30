/**
 * Progress and search with real sampling on the real model (Gemma 3 270M Q4_K_M): rollouts stop on
 * their own (the end-of-turn trigger ends them before the token limit, and is not left in the text),
 * their final answers are extracted and graded, `steplens progress` completes, and `steplens search`
 * (best-of-N and beam) completes within its budget of generations and tokens. Behaviour only: whether
 * a 270M model's answers are right is not tested.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { LocalEngine } from "../../src/engines/local/localEngine";
import { answersEqual, extractAnswer } from "../../src/grading";
import { completedSolution, proverPrompt } from "../../src/progress/proverPrompt";
import { cli } from "../support/cliIo";
import { realModelEngine, realModelFlags } from "../support/realModel";
import { itemAt } from "../support/indexing";

const PROBLEM =
  "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?";
const STEPS = ["In April she sold 48 clips and in May 48 / 2 = 24 clips.", "Altogether she sold 48 + 24 = 72 clips, so the answer is $\\boxed{72}$."];
const MAX_TOKENS = 128;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-real-progress-"));

describe("real model: progress rollouts and search", () => {
  let engine: LocalEngine;
  before(async () => {
    engine = await realModelEngine({ sequences: 2 });
  });
  after(async () => {
    await engine?.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("rollouts after every step stop on their own, and their answers are extracted and graded", { timeout: 900_000 }, async () => {
    const { head, segments } = proverPrompt(PROBLEM, STEPS);
    const r = await engine.prefixRollouts({ role: "prover", head, segments, n: 2, temperature: 0.7, topP: 0.95, seed: 1, maxTokens: MAX_TOKENS });
    assert.equal(r.rollouts.length, STEPS.length + 1, "rollouts before step 1 and after every step");
    let stopped = 0;
    let graded = 0;
    r.rollouts.forEach((row, boundary) => {
      assert.equal(row.length, 2);
      for (const g of row) {
        assert.ok(g.finishReason === "stop" || g.finishReason === "length");
        assert.ok(!g.text.includes("<end_of_turn>"), "the stop trigger is not part of the text");
        if (g.finishReason === "stop") {
          stopped++;
          assert.ok(g.tokens < MAX_TOKENS, "stopped before the limit");
        } else assert.equal(g.tokens, MAX_TOKENS);
        const answer = extractAnswer(completedSolution(segments, boundary, g.text));
        if (answer !== null) {
          graded++;
          assert.equal(typeof answersEqual(answer, "72"), "boolean");
        }
      }
    });
    // After the last step the solution is complete (its answer boxed): the model ends its turn.
    const last = itemAt(r.rollouts, STEPS.length, "the rollouts after the last step");
    assert.ok(
      last.some((g) => g.finishReason === "stop"),
      `a rollout after the complete solution stops on its own: ${last.map((g) => g.finishReason).join(", ")}`,
    );
    assert.ok(stopped > 0);
    // The completed solutions after the last step carry the boxed answer of the trace itself.
    for (const g of last) assert.equal(extractAnswer(completedSolution(segments, STEPS.length, g.text)) !== null, true);
    assert.ok(graded >= last.length);
  });

  it("steplens progress completes with real rollouts", { timeout: 900_000 }, async () => {
    const trace = path.join(dir, "clips.trace.md");
    fs.writeFileSync(trace, `Question: ${PROBLEM}\n\n${STEPS.join("\n\n")}\n`);
    const r = await cli(["progress", trace, ...realModelFlags(), "--reference", "72", "--rollouts", "2", "--max-tokens", String(MAX_TOKENS), "--json"]);
    assert.equal(r.code, 0, r.err);
    const out = JSON.parse(r.out);
    assert.equal(out.steps.length, STEPS.length);
    for (const s of out.steps) for (const q of [s.q, s.qBefore]) assert.ok([0, 0.5, 1].includes(q), `Q is a share of 2 rollouts: ${q}`);
    assert.equal(out.answer.source, "reference");
    assert.ok(out.rolloutTokens > 0 && out.rolloutTokens <= (STEPS.length + 1) * 2 * MAX_TOKENS, `rollout tokens within the budget: ${out.rolloutTokens}`);
  });

  it("steplens search: best-of-N and beam search complete within their budgets", { timeout: 900_000 }, async () => {
    const problems = path.join(dir, "problems.jsonl");
    fs.writeFileSync(problems, JSON.stringify({ id: "clips", problem: PROBLEM, answer: "72" }) + "\n");
    const bon = await cli(["search", "--problems", problems, ...realModelFlags(), "--prm", "judge", "--n", "2", "--max-tokens", "96", "--json"]);
    assert.equal(bon.code, 0, bon.err);
    const b = JSON.parse(itemAt(bon.out.trim().split("\n"), 0, "the first JSON line"));
    assert.equal(b.mode, "best-of-n");
    assert.equal(b.generations, 2);
    assert.ok(b.tokens.generated > 0 && b.tokens.generated <= 2 * 96, `generated ${b.tokens.generated} ≤ 2 × 96`);
    assert.ok(b.answer === null || typeof b.answer === "string");
    assert.equal(typeof b.correct, "boolean");

    const beam = await cli([
      "search",
      "--problems",
      problems,
      ...realModelFlags(),
      "--prm",
      "judge",
      "--beam",
      "2",
      "--expand",
      "2",
      "--max-steps",
      "2",
      "--step-tokens",
      "48",
      "--json",
    ]);
    assert.equal(beam.code, 0, beam.err);
    const s = JSON.parse(itemAt(beam.out.trim().split("\n"), 0, "the first JSON line"));
    assert.equal(s.mode, "beam");
    // At most B·E expansions per step for S steps, each at most --step-tokens tokens.
    assert.ok(s.generations <= 2 * 2 * 2, `generations ${s.generations} ≤ B·E·S`);
    assert.ok(s.tokens.generated <= s.generations * 48, `generated ${s.tokens.generated} ≤ ${s.generations} × 48`);
    assert.equal(typeof s.correct, "boolean");
  });
});
