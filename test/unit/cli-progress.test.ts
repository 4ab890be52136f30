/**
 * `steplens progress` through runCli with in-memory streams, on a generated tiny model with RANDOM
 * weights (the Q values mean nothing; the tests check the contract): the JSON shape exactly as
 * documented, the reference from the flag / front matter / none (majority), JSONL with id/record for
 * datasets, the readable table, the demo label, usage errors and Ctrl-C; two different generated
 * models as base policy π (--policy) and prover μ (--prover).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { testModel } from "../support/testModels";
import { cli, jsonLines } from "../support/cliIo";
import { suiteTempDir } from "../support/tempDir";
import { only } from "../support/indexing";

const KEYS = ["steps", "answer", "rollouts", "prefixTokensEvaluated", "traceTokens", "rolloutTokens", "samePolicy", "policy", "seconds", "demo"];
const STEP_KEYS = ["index", "qBefore", "q", "advantage", "qBase", "effective", "interval", "intervalBefore", "qBaseInterval"];
const TRACE = `Problem: Solve 2x + 3 = 11.

Step 1: Subtract 3 from both sides: 2x = 8.
Step 2: Divide by 2: x = 4.
Step 3: The answer is \\boxed{4}.
`;

describe("steplens progress (random-weight tiny model: plumbing, not judgement)", () => {
  const tmp = suiteTempDir("sl-progress-");
  let model: string;
  let otherModel: string;
  let trace: string;
  const fast = () => ["--model", model, "--rollouts", "2", "--max-tokens", "4", "--threads", "1"];
  before(async () => {
    model = await testModel({ tokenizer: "spm" });
    otherModel = await testModel({ tokenizer: "bpe", seed: 77 });
    trace = path.join(tmp.path, "quadratic.trace.md");
    fs.writeFileSync(trace, TRACE);
  });

  it("--json: exactly the documented object, the trace evaluated once, the reference from the flag", async () => {
    const { code, out, err } = await cli(["progress", trace, ...fast(), "--reference", "4", "--json", "--seed", "7"]);
    assert.equal(code, 0, err);
    const lines = out.trim().split("\n");
    const r = JSON.parse(only(lines, "the one JSON line"));
    assert.deepEqual(Object.keys(r), KEYS);
    assert.equal(r.demo, "demo: scores are meaningless");
    assert.equal(r.steps.length, 3);
    r.steps.forEach((s: Record<string, unknown>, i: number) => {
      assert.deepEqual(Object.keys(s), STEP_KEYS);
      assert.equal(s.index, i);
      const q = s.q as number;
      const [lo, hi] = s.interval as number[];
      assert.ok(lo !== undefined && hi !== undefined, `step ${i + 1}'s interval has two ends`);
      assert.ok(lo <= q && q <= hi && lo >= 0 && hi <= 1);
      assert.ok(Math.abs((s.advantage as number) - (q - (s.qBefore as number))) < 1e-9);
      assert.equal(s.qBase, q, "one model: Q^π = Q^μ");
      assert.deepEqual(s.qBaseInterval, s.interval);
      assert.ok(Math.abs((s.effective as number) - (q + 0.5 * (s.advantage as number))) < 1e-9, "default α 0.5");
      if (i > 0) assert.deepEqual(s.intervalBefore, r.steps[i - 1].interval);
      if (i > 0) assert.equal(s.qBefore, r.steps[i - 1].q);
    });
    assert.deepEqual(Object.keys(r.answer), ["value", "source", "share"]);
    assert.equal(r.answer.source, "reference");
    assert.equal(r.answer.value, "4");
    assert.equal(r.rollouts, 2);
    assert.equal(r.prefixTokensEvaluated, r.traceTokens, "evaluated once");
    assert.equal(r.samePolicy, true);
    assert.deepEqual(r.policy, { prefixTokensEvaluated: 0, traceTokens: 0, rolloutTokens: 0 }, "no second set of rollouts");
    assert.ok(r.rolloutTokens > 0 && r.rolloutTokens <= 2 * 4 * 4);
    // Same seed, same result.
    const again = JSON.parse((await cli(["progress", trace, ...fast(), "--reference", "4", "--json", "--seed", "7"])).out);
    assert.deepEqual(again.steps, r.steps);
  });

  it("the reference from front matter; without any, the majority answer", async () => {
    const fm = path.join(tmp.path, "fm.trace.md");
    fs.writeFileSync(fm, `---\nreference: "4"\n---\n${TRACE}`);
    const a = JSON.parse((await cli(["progress", fm, ...fast(), "--json"])).out);
    assert.deepEqual([a.answer.source, a.answer.value], ["reference", "4"]);
    const b = JSON.parse((await cli(["progress", trace, ...fast(), "--json", "--alpha", "0"])).out);
    assert.equal(b.answer.source, "majority");
    assert.ok(b.answer.value === null || typeof b.answer.value === "string");
    for (const s of b.steps) assert.equal(s.effective, s.q, "α 0");
  });

  it("datasets: one JSON line per record with id and record first; the readable table with the demo label", async () => {
    const file = path.join(tmp.path, "pb.jsonl");
    const rec = (id: string) =>
      JSON.stringify({ id, generator: "t", problem: "Solve 2x = 8.", steps: ["Divide by 2.", "x = \\boxed{4}."], final_answer_correct: true, label: -1 });
    fs.writeFileSync(file, `${rec("a")}\n${rec("b")}\n`);
    const { code, out, err } = await cli(["progress", file, ...fast(), "--json"]);
    assert.equal(code, 0, err);
    const lines = jsonLines(out);
    assert.deepEqual(
      lines.map((l) => [l.id, l.record]),
      [
        ["a", 0],
        ["b", 1],
      ],
    );
    assert.deepEqual(Object.keys(lines[0]), ["id", "record", ...KEYS]);
    const generic = path.join(tmp.path, "generic.jsonl");
    fs.writeFileSync(generic, JSON.stringify({ id: "g1", question: "Solve 2x = 8.", steps: ["Divide by 2.", "x = \\boxed{4}."], gold: "4" }) + "\n");
    const g = JSON.parse((await cli(["progress", generic, ...fast(), "--json"])).out);
    assert.deepEqual([g.id, g.answer.source, g.answer.value], ["g1", "reference", "4"], "a dataset's gold field");
    const table = await cli(["progress", trace, ...fast(), "--reference", "4"]);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /Qμ before → after/);
    assert.match(table.out, /π = μ: the base policy and the prover are the same model/);
    assert.match(table.out, /^ {2}3\. \d\.\d\d → \d\.\d\d/m);
    assert.match(table.out, /Correct = the reference answer 4/);
    assert.match(table.out, /prefix tokens evaluated for a \d+-token trace/);
    assert.match(table.out, /demo: scores are meaningless/);
  });

  it("two different models as π (--policy) and μ (--prover): each evaluates the trace once, effective = Q^π + α·A^μ", async () => {
    const two = ["--policy", otherModel, "--prover", model, "--rollouts", "3", "--max-tokens", "4", "--threads", "1", "--alpha", "0.3"];
    const { code, out, err } = await cli(["progress", trace, ...two, "--reference", "4", "--json", "--seed", "5"]);
    assert.equal(code, 0, err);
    const r = JSON.parse(out);
    assert.deepEqual(Object.keys(r), KEYS);
    assert.equal(r.samePolicy, false);
    // Each model evaluates the trace once (its own tokenizer: the two counts differ), never per rollout.
    assert.equal(r.prefixTokensEvaluated, r.traceTokens);
    assert.equal(r.policy.prefixTokensEvaluated, r.policy.traceTokens);
    assert.notEqual(r.policy.traceTokens, r.traceTokens, "the base policy is the other (BPE) model");
    // The base policy rolls out after steps 1–3 only: at most 3 boundaries × 3 rollouts × 4 tokens.
    assert.ok(r.policy.rolloutTokens > 0 && r.policy.rolloutTokens <= 3 * 3 * 4, `${r.policy.rolloutTokens}`);
    assert.ok(r.rolloutTokens > 0 && r.rolloutTokens <= 4 * 3 * 4);
    for (const s of r.steps) {
      assert.deepEqual(Object.keys(s), STEP_KEYS);
      assert.ok(
        [0, 1 / 3, 2 / 3, 1].some((v) => Math.abs(v - s.qBase) < 1e-6),
        `Q^π is a share of 3 rollouts: ${s.qBase}`,
      );
      assert.ok(s.qBaseInterval[0] <= s.qBase && s.qBase <= s.qBaseInterval[1]);
      assert.ok(Math.abs(s.effective - (s.qBase + 0.3 * s.advantage)) < 1e-6);
      assert.ok(Math.abs(s.advantage - (s.q - s.qBefore)) < 1e-6);
    }
    const table = await cli(["progress", trace, ...two, "--reference", "4"]);
    assert.equal(table.code, 0, table.err);
    assert.match(table.out, /π ≠ μ: Qμ and Aμ from the prover's rollouts, Qπ from the base policy's/);
    assert.match(table.out, /base policy: \d+ prefix tokens evaluated/);
    // Naming the same file twice is π = μ again.
    const same = JSON.parse(
      (await cli(["progress", trace, "--policy", model, "--prover", model, "--rollouts", "2", "--max-tokens", "4", "--threads", "1", "--json"])).out,
    );
    assert.equal(same.samePolicy, true);
  });

  it("usage errors exit 2; Ctrl-C exits 130", async () => {
    for (const bad of [["--rollouts", "0"], ["--alpha", "-1"], ["--max-tokens", "x"], ["--bogus"]]) {
      const r = await cli(["progress", trace, ...fast(), ...bad]);
      assert.equal(r.code, 2, `${bad.join(" ")}: ${r.err}`);
    }
    assert.equal((await cli(["progress"])).code, 2);
    assert.equal((await cli(["progress", trace])).code, 2, "no model");
    assert.equal((await cli(["progress", trace, "--policy", model])).code, 2, "a policy but no prover");
    const controller = new AbortController();
    controller.abort();
    const c = await cli(["progress", trace, ...fast()], { signal: controller.signal });
    assert.equal(c.code, 130, c.err);
  });
});
