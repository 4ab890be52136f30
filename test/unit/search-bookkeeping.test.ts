/**
 * Search bookkeeping on a deterministic fake engine (test/support/fakeEngine.ts): best-of-N picks,
 * beam pruning (which prefixes are expanded), the final pick, token counts, the majority scorer,
 * and the resumable runner (interrupted runs, failures retried, torn last line, other settings refused).
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { CancelledError, StepLensError } from "../../src/core/errors";
import { beamSearch, pruneBeams } from "../../src/search/beamSearch";
import { bestOfN } from "../../src/search/bestOfN";
import { generatorPrompt, promptText } from "../../src/search/candidate";
import { majorityScorer, pavScorer, prmScorer, verifyScorer } from "../../src/search/scorers";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { runSearch, type SearchRecord } from "../../src/search/searchRunner";
import { readSearchProblems } from "../../src/search/searchProblems";
import { countWords, fakeEngine } from "../support/fakeEngine";
import { itemAt } from "../support/indexing";

const q = (s: string) => Number(/q=([\d.]+)/.exec(s)?.[1] ?? 0);
const GEN = { temperature: 0.8, seed: 0, maxTokens: 64 };
const PROBLEM = "What is one plus one?";

describe("pruneBeams", () => {
  it("keeps the B best by last-step score, ties to the earlier, null scores last", () => {
    const items = [0.2, null, 0.9, 0.5, 0.9, 0.1].map((last, i) => ({ i, score: { last, solution: null } }));
    assert.deepEqual(
      pruneBeams(items, 3).map((x) => x.i),
      [2, 4, 3],
    );
    assert.deepEqual(
      pruneBeams(items, 10).map((x) => x.i),
      [2, 4, 3, 0, 5, 1],
    );
  });
});

describe("best-of-N", () => {
  it("ranks N solutions by the PRM's lowest step score and counts every token", async () => {
    const first = [0.2, 0.9, 0.6, 0.8];
    const second = [0.9, 0.5, 0.7, 0.1];
    const engine = fakeEngine({ solution: (i) => `Step 1: q=${first[i]} start.\n\nStep 2: q=${second[i]} so \\boxed{${i}}.`, stepScore: q });
    const r = await bestOfN(engine, prmScorer(engine), PROBLEM, "p", 4, GEN);
    assert.equal(r.answer, "2");
    assert.equal(r.score, 0.6);
    assert.deepEqual(r.steps, ["q=0.6 start.", "q=0.7 so \\boxed{2}."]);
    assert.equal(r.candidates, 4);
    assert.equal(engine.calls.filter((c) => c.kind === "generate").length, 1, "one generate call with n = N");
    assert.equal(r.generatorTokens.generated, engine.generated);
    assert.equal(r.generatorTokens.evaluated, countWords(promptText(generatorPrompt(PROBLEM, []).slice(0, 1))));
    assert.equal(r.scorerTokens.evaluated, engine.scored);
    assert.equal(r.scorerTokens.generated, 0);
  });

  it("majority: self-consistency picks the first solution of the largest answer group, free of scorer tokens", async () => {
    const answers = ["3", "5", "3.0", "4", "5", "3"];
    const engine = fakeEngine({ solution: (i) => `Work.\n\nThe answer is ${answers[i]}.` });
    const r = await bestOfN(engine, majorityScorer(), PROBLEM, "p", answers.length, GEN);
    assert.equal(r.answer, "3");
    assert.equal(r.score, 3 / 6);
    assert.deepEqual(r.scorerTokens, { evaluated: 0, generated: 0 });
    assert.equal(engine.calls.filter((c) => c.kind === "scoreSteps").length, 0);
  });
});

describe("step-level beam search", () => {
  // Depth 0: four first steps; the two best (a1, a3) survive. Depth 1: a3 finishes once (with a
  // low step), a3b0 and a1b0 survive. Depth 2: four finished solutions; five finished ≥ B stops.
  const first = ["a0 q=0.1", "a1 q=0.9", "a2 q=0.5", "a3 q=0.7"];
  const second: Record<string, string[]> = { "a1 q=0.9": ["a1b0 q=0.6", "a1b1 q=0.3"], "a3 q=0.7": ["a3b0 q=0.95", "so q=0.4 \\boxed{7}"] };
  const third: Record<string, string[]> = { "a3b0 q=0.95": ["\\boxed{2} q=0.9", "\\boxed{3} q=0.1"], "a1b0 q=0.6": ["\\boxed{4} q=0.5", "\\boxed{5} q=0.5"] };
  const continuationsAfter = (table: Record<string, string[]>, step: string) => {
    const next = table[step];
    assert.ok(next, `a scripted continuation after '${step}'`);
    return next;
  };
  const script = {
    step: (steps: string[], sample: number) => {
      const i = sample % 1009;
      if (steps.length === 0) return `${first[i]}\n\nnever seen: cut at the blank line`;
      if (steps.length === 1) return itemAt(continuationsAfter(second, steps[0]!), i, `sample ${i} after one step`);
      return itemAt(continuationsAfter(third, itemAt(steps, 1, "the second step")), i, `sample ${i} after two steps`);
    },
    stepScore: q,
  };

  it("expands B·E first steps, keeps the B best, expands E each, and picks the best finished solution", async () => {
    const engine = fakeEngine(script);
    const r = await beamSearch(engine, prmScorer(engine), PROBLEM, "p", { beams: 2, expansions: 2, maxSteps: 5 }, GEN);
    const expanded = engine.calls.filter((c) => c.kind === "rollouts").map((c) => [c.steps, c.n]);
    assert.deepEqual(expanded, [
      [[], 4],
      [["a1 q=0.9"], 2],
      [["a3 q=0.7"], 2],
      [["a3 q=0.7", "a3b0 q=0.95"], 2],
      [["a1 q=0.9", "a1b0 q=0.6"], 2],
    ]);
    assert.deepEqual(r.steps, ["a3 q=0.7", "a3b0 q=0.95", "\\boxed{2} q=0.9"]);
    assert.equal(r.answer, "2");
    assert.equal(r.score, 0.7, "solution score: the lowest step score");
    assert.equal(r.candidates, 5);
    assert.equal(r.generations, 12);
    // Seeds differ per call, so expansions of different beams never share a sample.
    const seeds = engine.calls.filter((c) => c.kind === "rollouts").map((c) => c.seed);
    assert.equal(new Set(seeds).size, seeds.length);
  });

  it("counts generator prompt tokens once per call, generated tokens, and the PRM's evaluated tokens", async () => {
    const engine = fakeEngine(script);
    const r = await beamSearch(engine, prmScorer(engine), PROBLEM, "p", { beams: 2, expansions: 2, maxSteps: 5 }, GEN);
    const prompts = engine.calls.filter((c) => c.kind === "rollouts").map((c) => countWords(promptText(generatorPrompt(PROBLEM, c.steps))));
    assert.equal(
      r.generatorTokens.evaluated,
      prompts.reduce((a, b) => a + b, 0),
    );
    assert.equal(r.generatorTokens.generated, engine.generated);
    assert.equal(r.scorerTokens.evaluated, engine.scored);
    const scored = engine.calls.filter((c) => c.kind === "scoreSteps");
    assert.equal(scored.length, 4 + 4 + 4, "every child scored once");
  });

  it("stops after S steps and picks among the open beams", async () => {
    const engine = fakeEngine({ step: (steps, sample) => `s${steps.length} k${sample % 1009} q=0.${(sample % 1009) + 1}`, stepScore: q });
    const r = await beamSearch(engine, prmScorer(engine), PROBLEM, "p", { beams: 2, expansions: 3, maxSteps: 3 }, GEN);
    assert.equal(r.steps.length, 3);
    assert.equal(r.answer, null);
    assert.equal(r.candidates, 2);
    assert.equal(engine.calls.filter((c) => c.kind === "rollouts").length, 1 + 2 + 2);
  });

  it("drops duplicate expansions and refuses a scorer without step scores", async () => {
    const engine = fakeEngine({ step: (steps) => (steps.length ? "\\boxed{1}" : "same step q=0.5"), stepScore: q });
    const r = await beamSearch(engine, prmScorer(engine), PROBLEM, "p", { beams: 2, expansions: 2, maxSteps: 4 }, GEN);
    assert.equal(r.candidates, 1, "four identical first steps are one beam, whose two identical endings are one solution");
    await assert.rejects(beamSearch(engine, majorityScorer(), PROBLEM, "p", { beams: 2, expansions: 2, maxSteps: 4 }, GEN), /no step score/);
  });
});

describe("pav and verify scorers", () => {
  const candidate = (steps: string[]) => ({ steps, answer: null, done: true, key: "k" });

  it("pav: the last step's effective reward and the lowest one, tokens from the rollouts (reference-free)", async () => {
    // Rollouts after a boundary answer 1 when the solution so far has a "good" step, else 2; the
    // majority answer over all rollouts of the candidate is the target (no reference is passed).
    const engine = fakeEngine({ step: (steps) => (steps.some((s) => s.includes("good")) ? "\\boxed{1}" : "\\boxed{2}") });
    const scorer = pavScorer(engine, { rollouts: 2, alpha: 0.5, seed: 0 });
    const { scores, tokens } = await scorer.score(PROBLEM, [candidate(["good start", "then more"]), candidate(["bad start", "good fix"])]);
    // Candidate 1: boundaries 0,1,2 answer 2,1,1 → majority 1 (4 of 6): Q = [0, 1, 1]; r = [1 + 0.5, 1 + 0] → last 1, min 1.
    assert.deepEqual(scores[0], { last: 1, solution: 1 });
    // Candidate 2: answers 2,2,1 → majority 2: Q = [1, 1, 0]; r = [1, 0 - 0.5] → last -0.5, min -0.5.
    assert.deepEqual(scores[1], { last: -0.5, solution: -0.5 });
    assert.equal(tokens.generated, engine.generated);
    assert.ok(tokens.evaluated > 0);
    assert.ok(engine.calls.filter((c) => c.kind === "rollouts").every((c) => !c.problem.includes("reference")));
  });

  it("verify: the share calling the last step correct, and the share of Yes verdicts", async () => {
    const verdicts = [
      "## Step 1: fine\n**This step is correct.**\n\n## Step 2: wrong\n**This step is incorrect.**\n\n**Verification: Is the answer correct (Yes/No)? No**",
      "## Step 1: fine\n**This step is correct.**\n\n## Step 2: fine\n**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**",
      "## Step 1: fine\n**This step is correct.**\n\n## Step 2: fine\n**This step is correct.**\n\n**Verification: Is the answer correct (Yes/No)? Yes**",
    ];
    const engine = fakeEngine({ solution: (i) => itemAt(verdicts, i % 3, "the scripted verification") });
    const scorer = verifyScorer(engine, { template: BUILTIN_TEMPLATES.spark, samples: 3, seed: 0 });
    const { scores, tokens } = await scorer.score(PROBLEM, [candidate(["a", "b"])]);
    assert.equal(scores[0]?.last, 2 / 3);
    assert.equal(scores[0]?.solution, 2 / 3);
    assert.equal(tokens.generated, engine.generated);
    assert.ok(tokens.evaluated > 0);
    const call = engine.calls.find((c) => c.kind === "generate")!;
    assert.equal(call.n, 3, "K verifications in one call");
  });
});

describe("resumable search runs", () => {
  let tmp: string;
  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-search-"));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const problemsFile = () => {
    const f = path.join(tmp, "problems.jsonl");
    fs.writeFileSync(
      f,
      [
        JSON.stringify({ id: "p1", problem: "first?", answer: "1" }),
        JSON.stringify({ id: "p2", problem: "second?", answer: "$\\boxed{2}$" }),
        "not json",
        JSON.stringify({ problem: "third?", answer: "#### 0" }),
        JSON.stringify({ id: "p1", problem: "dup" }),
      ].join("\n") + "\n",
    );
    return f;
  };
  const settings = { mode: "best-of-n", n: 2 };
  const base = (engine: ReturnType<typeof fakeEngine>, out: string) => ({
    models: { engine, scorer: majorityScorer() },
    mode: { kind: "best-of-n" as const, n: 2 },
    generator: GEN,
    settings,
    out,
  });

  it("reads problems, reports bad ones and duplicate ids, grades against the reference", async () => {
    const bad: number[] = [];
    const problems = await readSearchProblems(problemsFile(), { onBad: (b) => bad.push(b.line) });
    assert.deepEqual(
      problems.map((p) => [p.id, p.reference]),
      [
        ["p1", "1"],
        ["p2", "$\\boxed{2}$"],
        ["3", "#### 0"],
      ],
    );
    assert.deepEqual(bad, [3, 5]);
  });

  it("an interrupted run continues without redoing finished problems; a failed one is retried; a torn line is cut", async () => {
    const problems = await readSearchProblems(problemsFile());
    const out = path.join(tmp, "run.jsonl");
    // Run 1: p2 fails, and the run is cancelled after the first record of the rest.
    const e1 = fakeEngine({ failOn: (p) => p.includes("second"), solution: (i) => `\\boxed{${i % 2 ? 1 : 1}}` });
    const controller = new AbortController();
    let seen = 0;
    await assert.rejects(
      runSearch({ ...base(e1, out), problems, signal: controller.signal, onRecord: () => (++seen === 1 ? controller.abort() : undefined) }),
      (e) => e instanceof CancelledError,
    );
    let lines = fs
      .readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as SearchRecord);
    assert.deepEqual(
      lines.map((l) => l.id),
      ["p1"],
    );
    assert.equal(lines[0]?.correct, true);
    assert.equal(lines[0]?.answer, "1");
    // Run 2: p2 still fails (reported, not written), "3" is computed, p1 is not redone.
    const e2 = fakeEngine({ failOn: (p) => p.includes("second"), solution: () => "so \\boxed{0}" });
    const r2 = await runSearch({ ...base(e2, out), problems });
    assert.equal(r2.summary.resumed, 1);
    assert.equal(r2.summary.computed, 1);
    assert.deepEqual(
      r2.summary.failures.map((f) => f.id),
      ["p2"],
    );
    assert.deepEqual(
      e2.calls.filter((c) => c.kind === "generate").map((c) => c.problem.split("\n")[0]),
      ["second?", "third?"],
    );
    // A torn last line (killed mid-write) is cut off before appending.
    fs.appendFileSync(out, '{"id": "p2", "mode": "best-');
    const e3 = fakeEngine({ solution: () => "The answer is 2." });
    const r3 = await runSearch({ ...base(e3, out), problems });
    assert.ok(r3.summary.tornBytes > 0);
    assert.equal(r3.summary.computed, 1);
    assert.equal(r3.summary.resumed, 2);
    assert.equal(e3.calls.filter((c) => c.kind === "generate").length, 1);
    lines = fs
      .readFileSync(out, "utf8")
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as SearchRecord);
    assert.deepEqual(
      lines.map((l) => [l.id, l.correct]),
      [
        ["p1", true],
        ["3", true],
        ["p2", true],
      ],
    );
    assert.equal(r3.summary.accuracy, 1);
    assert.equal(r3.summary.withReference, 3);
    assert.ok(r3.summary.tokensPerProblem! > 0);
    for (const l of lines) assert.equal(l.tokens.total, l.tokens.evaluated + l.tokens.generated);
    // Run 4: everything is done: no model is even made.
    let made = 0;
    const r4 = await runSearch({ ...base(fakeEngine(), out), problems, models: async () => (made++, { engine: fakeEngine(), scorer: majorityScorer() }) });
    assert.equal(r4.summary.computed, 0);
    assert.equal(r4.summary.done, 3);
    assert.equal(made, 0);
  });

  it("refuses to mix results of other settings into the same file", async () => {
    const problems = await readSearchProblems(problemsFile());
    const out = path.join(tmp, "mixed.jsonl");
    await runSearch({ ...base(fakeEngine(), out), problems });
    await assert.rejects(
      runSearch({ ...base(fakeEngine(), out), problems, settings: { mode: "best-of-n", n: 3 } }),
      (e) => e instanceof StepLensError && /other settings/.test(e.message),
    );
  });
});
