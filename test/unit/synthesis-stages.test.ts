// The stages of a synthesis run (src/synthesis/stages/), each alone: opening the folder (new,
// refused, resumed), the first pass over the problems, the progress totals and reporter, the record
// ledger, context sizing, the plans of solutions and verifications, the records built from engine
// output, the label record, the concurrency window and the end of a run. Expected values are worked
// out by hand in the comments (from the files written here and the numbers the fakes give).
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { AppendOnlyJsonl } from "../../src/core/appendOnlyJsonl";
import { CancelledError, StepLensError } from "../../src/core/errors";
import type { ChatMessage, Prompt } from "../../src/engines/engine";
import { settingsOf, type SynthesisOptions } from "../../src/synthesis/synthesisOptions";
import { countProblems } from "../../src/synthesis/stages/countProblems";
import { countsOf, endStatus, failureSummary } from "../../src/synthesis/stages/finishRun";
import { generationRequest, planSolutions, solutionRecord } from "../../src/synthesis/stages/generateSolutions";
import { aggregateLabels, labelRecord, labelRule } from "../../src/synthesis/stages/labelSolution";
import { openRunFolder } from "../../src/synthesis/stages/openRunFolder";
import { forEachWindow } from "../../src/synthesis/stages/problemWindows";
import { initialProgress, ProgressReporter } from "../../src/synthesis/stages/progress";
import { withRetries } from "../../src/synthesis/stages/retry";
import { openRecordWriters, RunLedger } from "../../src/synthesis/stages/runLedger";
import { TokenBudget } from "../../src/synthesis/stages/tokenBudget";
import { planVerifications, verificationRecord } from "../../src/synthesis/stages/verifySolution";
import { emptyState } from "../../src/synthesis/outputFolder";
import { solutionId } from "../../src/synthesis/ids";
import type { FailureRecord, MetaCritiqueRecord, SolutionRecord, VerificationRecord } from "../../src/synthesis/records";
import type { SynthesisProgress } from "../../src/synthesis/synthesisOptions";
import type { Problem } from "../../src/synthesis/problems";
import type { ParsedVerification } from "../../src/verify/verification";
import { BUILTIN_TEMPLATES } from "../../src/verify/templates";
import { fakeEngine } from "../support/fakeEngine";

const LIMIT = { timeout: 30_000 };

const now = () => "2026-01-01T00:00:00.000Z";

function options(outDir: string, problemsFile: string, over: Partial<SynthesisOptions> = {}): SynthesisOptions {
  return {
    problemsFile,
    outDir,
    solutions: 2,
    verifications: 3,
    aggregate: "majority",
    tau: 0.5,
    metaCritique: false,
    template: BUILTIN_TEMPLATES.spark,
    seed: 1,
    generator: fakeEngine(),
    verifier: fakeEngine(),
    models: { generator: ["g.gguf"], verifier: ["v.gguf"] },
    generatorSampling: { temperature: 0.7, topP: 0.95 },
    verifierSampling: { temperature: 0.7, topP: 0.95 },
    version: "0.0.0-test",
    ...over,
  } as SynthesisOptions;
}

function folder(): { dir: string; problems: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-stages-"));
  const problems = path.join(dir, "problems.jsonl");
  fs.writeFileSync(problems, ['{"id":"p1","problem":"1+1?"}', "{not json", '{"id":"p2","problem":"2+2?"}', '{"id":"p3","problem":"3+3?"}'].join("\n") + "\n");
  return { dir, problems };
}

test(
  "stage 1: a new run writes its manifest; a second start is refused; a resume with other settings is refused; the same settings resume as run 2",
  LIMIT,
  async () => {
    const { dir, problems } = folder();
    const out = path.join(dir, "run");
    const o = options(out, problems);
    const first = await openRunFolder(o, out, settingsOf(o), now);
    assert.equal(first.saved, null);
    assert.equal(first.runNo, 1);
    assert.equal(first.state.labels.size, 0);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.status, "running");
    assert.equal(manifest.runs.length, 1);

    await assert.rejects(openRunFolder(o, out, settingsOf(o), now), /already holds a synthesis run \(running\)/);
    const other = options(out, problems, { resume: true, verifications: 5 });
    await assert.rejects(openRunFolder(other, out, settingsOf(other), now), /holds a run with other settings/);
    const again = options(out, problems, { resume: true });
    const second = await openRunFolder(again, out, settingsOf(again), now);
    assert.notEqual(second.saved, null);
    assert.equal(second.runNo, 2);
    assert.equal(second.manifest.runs.length, 2);
  },
);

test("stage 2: problems within --limit counted, a bad record skipped and reported once, labels already there counted", LIMIT, async () => {
  const { dir, problems } = folder();
  const bad: string[] = [];
  const state = emptyState();
  state.labels.add(solutionId("p1", 1));
  const counted = await countProblems(options(dir, problems, { limit: 2, onBadProblem: (e) => bad.push(e.message) }), state);
  assert.deepEqual(counted, { problemsTotal: 2, skipped: 1, labelsDoneAtStart: 1 });
  assert.equal(bad.length, 1);
  assert.deepEqual(await countProblems(options(dir, problems), emptyState()), { problemsTotal: 3, skipped: 1, labelsDoneAtStart: 0 });
});

const problem = (id: string, reference: string | null = null): Problem => ({ id, problem: `problem ${id}`, reference }) as Problem;

function solution(p: Problem, sample: number, steps: string[], tokens = 10): SolutionRecord {
  return {
    id: solutionId(p.id, sample),
    problemId: p.id,
    sample,
    problem: p.problem,
    text: steps.join("\n\n"),
    steps,
    finalAnswer: null,
    finishReason: "stop",
    tokens,
    seed: sample,
    model: "g",
    reference: p.reference,
    answerCorrect: null,
    predicted: null,
  };
}

function failure(target: string, stage: FailureRecord["stage"]): FailureRecord {
  return { id: `${target}@1`, target, stage, problemId: "p", run: 1, error: `${stage} failed`, at: "t" };
}

test("progress: the totals at the start count what is on disk, capped at the totals; the reporter copies, throttles to 100 ms and is forced", LIMIT, () => {
  const state = emptyState();
  for (const id of ["a", "b", "c"]) state.solutions.add(id);
  for (let i = 0; i < 5; i++) state.verifications.add(`v${i}`);
  state.failed.set("x", failure("x", "solution"));
  // 2 problems, N = 2, K = 3: 4 solutions (3 on disk), 12 verifications (5 on disk), 4 labels (1 done).
  const p = initialProgress(state, { problemsTotal: 2, labelsDoneAtStart: 1 }, 2, 3);
  assert.deepEqual(p, {
    problems: { done: 0, total: 2 },
    solutions: { done: 3, total: 4 },
    verifications: { done: 5, total: 12 },
    labels: { done: 1, total: 4 },
    failures: 1,
    written: 0,
  });
  // More on disk than this run's problems hold (a --limit lowered on resume): capped.
  assert.equal(initialProgress(state, { problemsTotal: 1, labelsDoneAtStart: 0 }, 1, 2).solutions.done, 1);

  let t = 1000;
  const seen: SynthesisProgress[] = [];
  const reporter = new ProgressReporter(
    p,
    (x) => seen.push(x),
    () => t,
  );
  reporter.report(true); // t = 1000: forced
  t = 1050;
  reporter.report(); // 50 ms later: dropped
  t = 1100;
  p.written = 7;
  reporter.report(); // 100 ms after the last: handed on
  t = 1101;
  reporter.report(true); // forced, 1 ms later
  assert.equal(seen.length, 3);
  assert.deepEqual(
    seen.map((x) => x.written),
    [0, 7, 7],
  );
  p.written = 9;
  assert.equal(seen[2]?.written, 7, "each report is a copy");
});

test("ledger: each record is appended, noted and counted; failures are target@run; an unverifiable solution is recorded once", LIMIT, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "steplens-ledger-"));
  const opened: AppendOnlyJsonl[] = [];
  const out = openRecordWriters(dir, "never", opened);
  assert.equal(opened.length, 4);
  const state = emptyState();
  const p1 = problem("p1");
  // One pending verification of p1#s1 was read back from the folder.
  state.pendingVerifications.set(solutionId("p1", 1), [{ verification: 0 } as VerificationRecord]);
  // 1 problem, N = 3, K = 4: 12 verifications, 3 labels.
  const progress = initialProgress(state, { problemsTotal: 1, labelsDoneAtStart: 0 }, 3, 4);
  const reporter = new ProgressReporter(progress, undefined);
  const ledger = new RunLedger({ out, state, reporter, runNo: 3, verifications: 4, retryFailed: false, now: () => "T" });

  ledger.solution(solution(p1, 0, [])); // no steps: its 4 verifications leave the total
  ledger.solution(solution(p1, 2, ["a", "b"]));
  assert.deepEqual([progress.solutions.done, progress.verifications.total, progress.written], [2, 8, 2]);

  ledger.fail("verification", "p1#s2#v1", "p1", "boom");
  assert.ok(ledger.skipFailed("p1#s2#v1"));
  assert.ok(
    !new RunLedger({ out, state, reporter, runNo: 3, verifications: 4, retryFailed: true, now: () => "T" }).skipFailed("p1#s2#v1"),
    "--retry-failed redoes it",
  );

  ledger.unverifiable(p1, solution(p1, 1, ["a"]), "too long");
  ledger.unverifiable(p1, solution(p1, 1, ["a"]), "too long again");
  // Once: 4 − 1 pending = 3 verifications and one label leave the totals.
  assert.deepEqual([progress.verifications.total, progress.labels.total, progress.failures], [5, 2, 2]);

  const v = { id: "p1#s2#v0", solutionId: "p1#s2", verification: 0 } as VerificationRecord;
  ledger.verification(v);
  ledger.label({ id: "p1#s2" } as never);
  ledger.syncAll();
  for (const w of opened) w.close();
  const read = (f: string) =>
    fs
      .readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  assert.deepEqual(
    read("solutions.jsonl").map((r) => r.id),
    ["p1#s0", "p1#s2"],
  );
  assert.deepEqual(
    read("failures.jsonl").map((r) => [r.id, r.stage, r.run, r.at]),
    [
      ["p1#s2#v1@3", "verification", 3, "T"],
      ["p1#s1@3", "unverifiable", 3, "T"],
    ],
  );
  assert.deepEqual(read("verifications.jsonl"), [v]);
  assert.deepEqual(read("labels.jsonl"), [{ id: "p1#s2" }]);
  assert.deepEqual(ledger.written, { solutions: 2, verifications: 1, labels: 1, failures: 2 });
  assert.ok(state.labels.has("p1#s2") && state.verifications.has("p1#s2#v0") && state.solutions.has("p1#s0"));
  fs.rmSync(dir, { recursive: true, force: true });
});

/** An engine whose context holds 1000 tokens; prompts count 50 (generator) or 200 (verifier), plus N for a step "MARK<N>". */
function sized(contextSize: number | undefined, tooLong = false) {
  const count = async (prompt: Prompt, role: string) => {
    const text = typeof prompt === "string" ? prompt : (prompt as ChatMessage[]).map((m) => m.content).join("\n");
    if (tooLong && text.includes("MARK")) throw new StepLensError("prompt too long", { code: "too-long" });
    const mark = /MARK(\d+)/.exec(text);
    return (role === "generator" ? 50 : 200) + (mark ? Number(mark[1]) : 0);
  };
  return Object.assign(fakeEngine({ info: { contextSize } }), { promptTokenCount: count });
}

test("token budget: generations sized to the verifier's and the generator's context; verifications sized to what is left, or unverifiable", LIMIT, async () => {
  const p = problem("p");
  const spark = BUILTIN_TEMPLATES.spark;
  const budget = new TokenBudget({ generator: sized(1000), verifier: sized(1000), template: spark, maxTokens: undefined, constrainedChars: null });
  // Verifier: 1000 − 200 (prompt around an empty step) − 256 (answer reserve: max(256, 1000/4)) = 544 tokens
  // of prompt, at 1/0.85 prompt tokens per generated token: floor(544 × 0.85) = 462. Generator: 1000 − 50 − 1 = 949.
  assert.equal(await budget.generationTokens(p), 462);
  assert.equal(budget.generationLimit, 462);
  // A verification prompt of 200 + 700 tokens for a 100-token solution: room 1000 − 900 − 8 = 92 ≥ 16.
  assert.deepEqual(await budget.verificationTokens(p, solution(p, 0, ["MARK700"], 100)), { maxTokens: 92 });
  // That solution showed 7 prompt tokens per generated token (700/100): the next problem gets floor(544/7) = 77.
  assert.equal(await budget.generationTokens(p), 77);
  assert.equal(budget.generationLimit, 77);
  // 200 + 790 tokens leave 2 < 16 for the answer: unverifiable, saying why.
  const no = await budget.verificationTokens(p, solution(p, 1, ["MARK790"], 10));
  assert.ok("unverifiable" in no && /990 tokens and the answer needs at least 16: over the verifier's context of 1000 tokens/.test(no.unverifiable));

  // --max-tokens below what fits: kept, and no sizing is reported.
  const user = new TokenBudget({ generator: sized(1000), verifier: sized(1000), template: spark, maxTokens: 300, constrainedChars: null });
  assert.equal(await user.generationTokens(p), 300);
  assert.equal(user.generationLimit, null);
  // Engines that do not say their context: the user's limits unchanged.
  const unsized = new TokenBudget({ generator: sized(undefined), verifier: sized(undefined), template: spark, maxTokens: 123, constrainedChars: null });
  assert.equal(await unsized.generationTokens(p), 123);
  assert.deepEqual(await unsized.verificationTokens(p, solution(p, 0, ["MARK5"])), { maxTokens: 123 });
  // A tokenizer that refuses the prompt as too long: unverifiable with its message.
  const refusing = new TokenBudget({ generator: sized(1000), verifier: sized(1000, true), template: spark, maxTokens: undefined, constrainedChars: null });
  assert.deepEqual(await refusing.verificationTokens(p, solution(p, 0, ["MARK5"])), { unverifiable: "prompt too long" });
});

test("solutions plan: labelled, on disk and failed samples are skipped, pending ones handed on; all missing is one call of n = N", LIMIT, () => {
  const p = problem("p");
  const state = emptyState();
  state.labels.add("p#s0");
  const pending = solution(p, 1, ["a"]);
  state.pendingSolutions.set("p#s1", pending);
  state.solutions.add("p#s1");
  state.solutions.add("p#s2"); // on disk, labelled in a file this run does not hold
  state.failed.set("p#s3", failure("p#s3", "solution"));
  const plan = planSolutions(p, 5, state, (id) => state.failed.has(id));
  assert.deepEqual(plan, { ready: [pending], groups: [[4]] });
  assert.equal(state.pendingSolutions.size, 0, "a pending solution is handed on once");
  // --retry-failed: the failed sample is generated again, alone.
  assert.deepEqual(planSolutions(p, 5, state, () => false).groups, [[3], [4]]);
  assert.deepEqual(
    planSolutions(problem("q"), 3, state, () => false),
    { ready: [], groups: [[0, 1, 2]] },
  );

  // Sample s uses seed + s: a group from sample 3 asks for n = 2 from seed 10 + 3.
  const req = generationRequest(p, [3, 4], { seed: 10, temperature: 0.7, topP: 0.9 }, 64);
  assert.deepEqual([req.role, req.n, req.seed, req.temperature, req.topP, req.maxTokens], ["generator", 2, 13, 0.7, 0.9, 64]);
});

test("solution record: the editor's steps, the boxed answer graded against the reference, seed + s", LIMIT, () => {
  const text = "Step 1: 2 + 3 = 5.\n\nStep 2: The answer is \\boxed{5}.";
  const gen = { text, finishReason: "stop" as const, tokens: 17 };
  const right = solutionRecord(problem("p", "5"), 2, gen, 10, "gen-model");
  assert.deepEqual(
    [right.id, right.sample, right.seed, right.steps, right.finalAnswer, right.answerCorrect, right.predicted, right.tokens, right.model],
    ["p#s2", 2, 12, ["2 + 3 = 5.", "The answer is \\boxed{5}."], "5", true, "5", 17, "gen-model"],
  );
  const wrong = solutionRecord(problem("p", "6"), 0, gen, 10, "m");
  assert.deepEqual([wrong.answerCorrect, wrong.predicted], [false, "5"]);
  const noRef = solutionRecord(problem("p"), 0, { text: "", finishReason: "length", tokens: 0 }, 10, "m");
  assert.deepEqual([noRef.steps, noRef.finalAnswer, noRef.answerCorrect, noRef.predicted, noRef.reference], [[], null, null, null, null]);
});

const parsed = (firstError: number | null, verdicts: ("correct" | "incorrect")[]): ParsedVerification =>
  ({
    ok: true,
    via: "sections",
    steps: verdicts.map((verdict, index) => ({ index, verdict, critique: "" })),
    finalVerdict: firstError === -1 ? "yes" : "no",
    boxedIndex: null,
    firstError,
    summary: "",
    warnings: [],
    thinking: "hidden",
    truncated: false,
  }) as ParsedVerification;

test(
  "verifications plan and records: those on disk kept, a failed one blocks the label, all missing is one call; verification v of sample s has seed + s·K + v",
  LIMIT,
  () => {
    const p = problem("p");
    const sol = solution(p, 1, ["a", "b"]);
    const existing = new Map([[0, { verification: 0 } as VerificationRecord]]);
    assert.deepEqual(
      planVerifications(p, sol, 4, existing, (id) => id === "p#s1#v2"),
      { groups: [[1], [3]], blocked: true },
    );
    assert.deepEqual(
      planVerifications(p, sol, 3, new Map(), () => false),
      { groups: [[0, 1, 2]], blocked: false },
    );

    // K = 4, seed 10: sample 1's verifications start at 10 + 1·4 = 14; verification 2 has seed 16.
    const smp = { sample: 0, text: "v text", finishReason: "stop" as const, tokens: 5, parse: parsed(1, ["correct", "incorrect"]) };
    const rec = verificationRecord(p, sol, 2, smp, 14, { model: "ver", template: "spark", referenceGuided: false });
    assert.deepEqual([rec.id, rec.solutionId, rec.sample, rec.verification, rec.seed, rec.model], ["p#s1#v2", "p#s1", 1, 2, 16, "ver"]);
    assert.ok(!("thinking" in rec.parse), "the thinking text is not stored in the parse");
    assert.equal((rec.parse as ParsedVerification).firstError, 1);
  },
);

test("labels: the critic format labels by first error; verifications in index order; the meta-critique's labels when it parsed; no steps", LIMIT, () => {
  assert.equal(labelRule(BUILTIN_TEMPLATES.processbench, "step"), "first-error");
  assert.equal(labelRule(BUILTIN_TEMPLATES.spark, "outcome"), "outcome");

  const p = problem("p", "5");
  const sol = { ...solution(p, 0, ["a", "b"]), predicted: "5", answerCorrect: true };
  const v = (i: number, fe: number | null, verdicts: ("correct" | "incorrect")[]) =>
    ({ id: `p#s0#v${i}`, verification: i, parse: parsed(fe, verdicts) }) as unknown as VerificationRecord;
  // Inserted 2, 0, 1: two of three say step 2 (index 1) is wrong → first-error vote: 1 → labels [true, false].
  const existing = new Map([
    [2, v(2, 1, ["correct", "incorrect"])],
    [0, v(0, -1, ["correct", "correct"])],
    [1, v(1, 1, ["correct", "incorrect"])],
  ]);
  const { ordered, lab } = aggregateLabels(existing, 2, "first-error", 0.5);
  assert.deepEqual(
    ordered.map((x) => x.verification),
    [0, 1, 2],
  );
  assert.deepEqual([lab.firstError, lab.labels], [1, [true, false]]);

  const plain = labelRecord(p, sol, ordered, lab, null);
  assert.deepEqual(
    [plain.id, plain.source, plain.status, plain.stepCount, plain.labels, plain.metaCritique],
    ["p#s0", "aggregate", "labelled", 2, [true, false], null],
  );
  assert.deepEqual(plain.reference, { answer: "5", predicted: "5", correct: true });
  // The explanation: the first verification that agrees with the vote (v1).
  assert.equal(plain.explanationId, "p#s0#v1");

  const meta: MetaCritiqueRecord = { of: "p#s0#v1", critique: "c", merged: "m", ok: true, reason: null, labels: [true, true], firstError: -1, outcome: "yes" };
  const withMeta = labelRecord(p, sol, ordered, lab, meta);
  assert.deepEqual([withMeta.source, withMeta.labels, withMeta.firstError, withMeta.outcome], ["meta-critique", [true, true], -1, "yes"]);
  const badMeta = labelRecord(p, sol, ordered, lab, { ...meta, ok: false, reason: "no verdicts" });
  assert.deepEqual([badMeta.source, badMeta.labels], ["aggregate", [true, false]]);

  const empty = labelRecord(problem("q"), solution(problem("q"), 0, []), [], { ...lab, labels: [], firstError: null }, null);
  assert.deepEqual([empty.status, empty.stepCount, empty.reference], ["no-steps", 0, null]);
});

/** An iterator over 1…n that counts its next() calls. */
function numbers(n: number): AsyncIterator<number> & { nexts: number } {
  let i = 0;
  const it = {
    nexts: 0,
    async next(): Promise<IteratorResult<number>> {
      it.nexts++;
      return i < n ? { done: false, value: ++i } : { done: true, value: undefined };
    },
  };
  return it;
}

test(
  "window: items in windows of `window` within `limit`; the next window starts when this one has settled; a failure is thrown after its window settles",
  LIMIT,
  async () => {
    const events: string[] = [];
    let inFlight = 0;
    let most = 0;
    const work = async (i: number) => {
      events.push(`start ${i}`);
      most = Math.max(most, ++inFlight);
      for (let k = 0; k < i; k++) await Promise.resolve(); // later items take longer
      inFlight--;
      events.push(`end ${i}`);
    };
    const it = numbers(10);
    await forEachWindow(it, { window: 3, limit: 5 }, work);
    assert.equal(most, 3);
    // Windows {1,2,3} and {4,5}; item 4 starts only after 3 (the slowest of the first window) has ended.
    assert.deepEqual(events, ["start 1", "start 2", "start 3", "end 1", "end 2", "end 3", "start 4", "start 5", "end 4", "end 5"]);
    assert.equal(it.nexts, 5, "no item is read past the limit");

    // No limit: windows of 2 over 3 items, then a next() that finds the end.
    const all = numbers(3);
    const done: number[] = [];
    await forEachWindow(all, { window: 2 }, async (i) => void done.push(i));
    assert.deepEqual([done, all.nexts], [[1, 2, 3], 4]);

    // Item 2 fails: item 3 of the same window still ends, then the failure is thrown; item 4 never starts.
    const started: number[] = [];
    const ended: number[] = [];
    await assert.rejects(
      forEachWindow(numbers(6), { window: 3 }, async (i) => {
        started.push(i);
        await Promise.resolve();
        if (i === 2) throw new Error("item 2 failed");
        ended.push(i);
      }),
      /item 2 failed/,
    );
    assert.deepEqual(
      [started, ended],
      [
        [1, 2, 3],
        [1, 3],
      ],
    );

    // An aborted signal stops before the first window.
    const ac = new AbortController();
    ac.abort();
    const none: number[] = [];
    await assert.rejects(
      forEachWindow(numbers(3), { window: 2, signal: ac.signal }, async (i) => void none.push(i)),
      CancelledError,
    );
    assert.deepEqual(none, []);
  },
);

test("retries: a value, or the last error with its code; cancellation is thrown, never recorded", LIMIT, async () => {
  assert.deepEqual(await withRetries(async () => 42, undefined), { ok: true, value: 42 });
  assert.deepEqual(
    await withRetries(async () => {
      throw new StepLensError("context too small", { code: "context-too-small" });
    }, undefined),
    { ok: false, error: "context too small", code: "context-too-small" },
  );
  assert.deepEqual(
    await withRetries(async () => {
      throw new Error("plain");
    }, undefined),
    { ok: false, error: "plain", code: undefined },
  );
  await assert.rejects(
    withRetries(async () => {
      throw new CancelledError();
    }, undefined),
    CancelledError,
  );
  const ac = new AbortController();
  await assert.rejects(
    withRetries(async () => {
      ac.abort();
      throw new Error("the request was aborted");
    }, ac.signal),
    CancelledError,
  );
  let calls = 0;
  await assert.rejects(
    withRetries(async () => ++calls, ac.signal),
    CancelledError,
  );
  assert.equal(calls, 0, "an aborted run makes no call");
});

test("end of a run: counts per stage, complete only with nothing left to do, failures and unverifiable solutions apart", LIMIT, () => {
  const state = emptyState();
  for (const id of ["s0", "s1", "s2", "s3"]) state.solutions.add(id);
  for (const id of ["l0", "l1", "l2"]) state.labels.add(id);
  state.verifications.add("v0");
  const c0 = countsOf(state, 2, 1);
  assert.deepEqual(c0, {
    problems: 2,
    skippedProblems: 1,
    solutions: 4,
    verifications: 1,
    labels: 3,
    failed: { solution: 0, verification: 0, label: 0, unverifiable: 0 },
  });
  // 2 problems × N = 2: 4 labels expected, 3 there: incomplete; 4 there: complete; interrupted wins.
  assert.equal(endStatus(false, c0, 0, 4), "incomplete");
  state.labels.add("l3");
  assert.equal(endStatus(false, countsOf(state, 2, 1), 0, 4), "complete");
  assert.equal(endStatus(true, countsOf(state, 2, 1), 0, 4), "interrupted");

  // Without l3 but with that solution unverifiable: 4 − 1 = 3 labels expected, the one failure does not count.
  state.labels.delete("l3");
  state.failed.set("s3", failure("s3", "unverifiable"));
  assert.equal(endStatus(false, countsOf(state, 2, 1), state.failed.size, 4), "complete");
  for (let i = 0; i < 6; i++) state.failed.set(`v${i}x`, failure(`v${i}x`, "verification"));
  state.failed.set("s9", failure("s9", "unverifiable"));
  const c = countsOf(state, 2, 1);
  assert.deepEqual(c.failed, { solution: 0, verification: 6, label: 0, unverifiable: 2 });
  assert.equal(endStatus(false, c, state.failed.size, 4), "incomplete");
  const f = failureSummary(state, c);
  assert.equal(f.failures.total, 6);
  assert.deepEqual(
    f.failures.examples.map((x) => x.target),
    ["v0x", "v1x", "v2x", "v3x", "v4x"],
  );
  assert.deepEqual(f.unverifiable, {
    total: 2,
    examples: [
      { target: "s3", error: "unverifiable failed" },
      { target: "s9", error: "unverifiable failed" },
    ],
  });
});
